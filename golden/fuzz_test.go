package golden

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"sigs.k8s.io/yaml"

	"github.com/lexecon/lexgen/internal/cli"
)

// TestMain lets this test binary run as lexgen itself (FuzzEnvBytes runs
// it as a process, so that lexgen's own limits, which end the process, and
// a panic show as its exit code).
func TestMain(m *testing.M) {
	if os.Getenv("LEXGEN_GOLDEN_AS_LEXGEN") == "1" {
		os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// FuzzEnvBytes gives lexgen arbitrary bytes as an environment file
// (envs/staging.cue, which = 0) or as the shared file (envs/shared.cue,
// which = 1) and renders, as a process. Whatever the bytes, lexgen must exit
// 0 or 1 (a panic exits 2; an evaluation past lexgen's time or memory limit
// is ended with exit 1 by lexgen itself), touch nothing but out/ and
// infrastructure/terraform/variables.tf, and nothing beside the repository;
// on exit 1 create no out/; on exit 0 write only files that parse: HCL,
// YAML, and bash (bash -n).
func FuzzEnvBytes(f *testing.F) {
	staging, err := os.ReadFile(filepath.Join(repoRoot, "golden", "base", "envs", "staging.cue"))
	if err != nil {
		f.Fatal(err)
	}
	shared, err := os.ReadFile(filepath.Join(repoRoot, "golden", "base", "envs", "shared.cue"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(0), staging)
	f.Add(uint8(1), shared)
	f.Add(uint8(0), bytes.ReplaceAll(staging, []byte("\n"), []byte("\r\n")))
	f.Add(uint8(0), bytes.ReplaceAll(staging, []byte("\n"), []byte("\r")))
	f.Add(uint8(0), bytes.Replace(staging, []byte(`tag: "0.9.0"`), []byte(`tag: "0.9.0\n$(touch /tmp/pwned)"`), 1))
	f.Add(uint8(1), []byte("package envs\n\n[Name=_]: {name: \"../../../tmp/x\"}\n"))
	f.Add(uint8(1), []byte{})
	f.Add(uint8(1), []byte("package envs\n\n_l: ["+strings.Repeat("1, ", 2000)+"]\n"))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		parent := t.TempDir()
		root := filepath.Join(parent, "repo")
		for _, p := range [][2]string{{"cue.mod", "cue.mod"}, {"schema", "schema"}, {"golden/base/envs", "envs"}} {
			copyTree(t, filepath.Join(repoRoot, p[0]), filepath.Join(root, p[1]))
		}
		target := []string{"staging.cue", "shared.cue"}[which%2]
		if err := os.WriteFile(filepath.Join(root, "envs", target), data, 0o644); err != nil {
			t.Fatal(err)
		}
		before := hashOutside(t, parent)
		cmd := exec.Command(os.Args[0], "-C", root, "render")
		cmd.Env = append(os.Environ(), "LEXGEN_GOLDEN_AS_LEXGEN=1")
		var errb bytes.Buffer
		cmd.Stderr = &errb
		err := cmd.Run()
		if err != nil && cmd.ProcessState == nil {
			t.Fatal(err) // not started
		}
		code, stderr := cmd.ProcessState.ExitCode(), errb.String()
		if code != 0 && code != 1 {
			t.Fatalf("exit %d (%v), want 0 or 1\n%s", code, err, stderr)
		}
		if after := hashOutside(t, parent); after != before {
			t.Fatalf("render changed files outside out/ and variables.tf (exit %d)\n%s", code, stderr)
		}
		if code == 1 {
			if _, err := os.Lstat(filepath.Join(root, "out")); err == nil {
				t.Fatalf("exit 1, but out/ was created\n%s", stderr)
			}
			return
		}
		written := readTree(t, filepath.Join(root, "out"))
		written["variables.tf"] = string(mustRead(t, filepath.Join(root, "infrastructure", "terraform", "variables.tf")))
		for p, data := range written {
			if err := parses(p, []byte(data)); err != nil {
				t.Errorf("%s does not parse: %v", p, err)
			}
		}
	})
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// hashOutside digests every entry under parent (names, kinds, contents)
// except what render may write: repo/out/ and variables.tf.
func hashOutside(t *testing.T, parent string) string {
	t.Helper()
	mayWrite := map[string]bool{
		"repo/out": true, "repo/infrastructure": true, "repo/infrastructure/terraform": true,
		"repo/infrastructure/terraform/variables.tf": true,
	}
	var lines []string
	err := filepath.WalkDir(parent, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(parent, p)
		rel = filepath.ToSlash(rel)
		if rel == "repo/out" {
			return filepath.SkipDir
		}
		if mayWrite[rel] {
			return nil
		}
		line := rel + " " + d.Type().String()
		if d.Type().IsRegular() {
			sum := sha256.Sum256(mustRead(t, p))
			line += " " + hex.EncodeToString(sum[:])
		}
		lines = append(lines, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(sum[:])
}

// parses checks a written file with a parser of its language.
func parses(p string, data []byte) error {
	switch filepath.Ext(p) {
	case ".tfvars", ".hcl", ".tf":
		if _, diags := hclsyntax.ParseConfig(data, p, hcl.InitialPos); diags.HasErrors() {
			return diags
		}
	case ".yaml":
		var v map[string]any
		return yaml.Unmarshal(data, &v)
	case ".sh":
		if out, err := exec.Command("bash", "-n", "-c", string(data)).CombinedOutput(); err != nil {
			return &parseError{err, string(out)}
		}
	case ".md":
	default:
		if !strings.HasPrefix(filepath.Base(p), ".") { // the lock file
			return &parseError{nil, "no parser for this kind of file"}
		}
	}
	return nil
}

type parseError struct {
	err error
	out string
}

func (e *parseError) Error() string {
	if e.err == nil {
		return e.out
	}
	return e.err.Error() + ": " + e.out
}

// TestFuzzChecksCanFail: the checks FuzzEnvBytes relies on see what they
// guard against: files that do not parse, and a write beside out/.
func TestFuzzChecksCanFail(t *testing.T) {
	for p, data := range map[string]string{
		"a/x.tfvars":  "a = \n",
		"a/x.yaml":    "kind: [\n",
		"a/deploy.sh": "if then fi\n",
		"a/x.exe":     "",
	} {
		if parses(p, []byte(data)) == nil {
			t.Errorf("%s %q parses", p, data)
		}
	}
	parent := t.TempDir()
	if err := os.MkdirAll(filepath.Join(parent, "repo", "envs"), 0o755); err != nil {
		t.Fatal(err)
	}
	before := hashOutside(t, parent)
	if err := os.MkdirAll(filepath.Join(parent, "repo", "out", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if hashOutside(t, parent) != before {
		t.Error("a write into out/ counts as outside")
	}
	if err := os.WriteFile(filepath.Join(parent, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if hashOutside(t, parent) == before {
		t.Error("a file beside the repository goes unseen")
	}
}
