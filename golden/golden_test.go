// Package golden holds lexgen's golden tests: fixture environments, the
// output they must render to, and the exact errors bad input must produce.
//
// Every case starts from the environments in base/envs and adds or replaces
// files with its own envs/. Expected files change only with -update:
//
//	go test ./golden -update
package golden

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lexecon/lexgen/internal/cli"
	"github.com/lexecon/lexgen/internal/model/modeltest"
)

var update = flag.Bool("update", false, "rewrite the expected files from what lexgen produces now")

// repoRoot is the repository this package lives in.
var repoRoot = func() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return filepath.Dir(wd)
}()

// workspace lays out a repository in a temporary folder: the real cue.mod
// and schema, the base environments, then the case's own environment files.
func workspace(t *testing.T, caseDir string) string {
	t.Helper()
	root := t.TempDir()
	copyTree(t, filepath.Join(repoRoot, "cue.mod"), filepath.Join(root, "cue.mod"))
	copyTree(t, filepath.Join(repoRoot, "schema"), filepath.Join(root, "schema"))
	copyTree(t, filepath.Join(repoRoot, "golden", "base", "envs"), filepath.Join(root, "envs"))
	if caseDir != "" {
		copyTree(t, filepath.Join(caseDir, "envs"), filepath.Join(root, "envs"))
	}
	return root
}

// copyTree copies a folder with modeltest.CopyDir; a missing folder (a case
// without envs/ of its own) copies nothing.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if _, err := os.Stat(from); os.IsNotExist(err) {
		return
	}
	if err := modeltest.CopyDir(from, to); err != nil {
		t.Fatal(err)
	}
}

// lexgen runs the command line in-process.
func lexgen(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = cli.Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

// readTree reads every file under dir, keyed by slash path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == dir {
				return filepath.SkipDir
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// hashTree is a digest of every file under dir, names and contents, and of
// every folder (so an added empty folder counts too).
func hashTree(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	var entries []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			entries = append(entries, "d "+rel)
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		entries = append(entries, "f "+rel+" "+hex.EncodeToString(sum[:]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(entries)
	h.Write([]byte(strings.Join(entries, "\n")))
	return hex.EncodeToString(h.Sum(nil))
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for rel, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func cases(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		t.Fatalf("no cases in %s", dir)
	}
	return names
}

// TestRender renders each case and compares the whole of out/ with the
// case's expected tree: the same files, byte for byte.
func TestRender(t *testing.T) {
	for _, name := range cases(t, "render") {
		t.Run(name, func(t *testing.T) {
			caseDir := filepath.Join("render", name)
			root := workspace(t, caseDir)
			code, stdout, stderr := lexgen("-C", root, "render")
			if code != 0 {
				t.Fatalf("render exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			got := readTree(t, filepath.Join(root, "out"))
			// A case with environments of its own is about those; the base
			// environments' output is the base case's.
			own, _ := filepath.Glob(filepath.Join(caseDir, "envs", "*.cue"))
			for p := range got {
				keep := !strings.HasPrefix(p, ".") // not the lock file
				if keep && len(own) > 0 {
					keep = false
					for _, f := range own {
						keep = keep || strings.HasPrefix(p, strings.TrimSuffix(filepath.Base(f), ".cue")+"/")
					}
				}
				if !keep {
					delete(got, p)
				}
			}
			wantDir := filepath.Join(caseDir, "out")
			if *update {
				writeTree(t, wantDir, got)
				return
			}
			want := readTree(t, wantDir)
			if len(want) == 0 {
				t.Fatalf("%s is missing: run go test ./golden -update and review the files", wantDir)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("out/ differs from %s (-want +got):\n%s", wantDir, diff)
			}

			// Rendering again changes nothing and says so.
			before := hashTree(t, filepath.Join(root, "out"))
			if code, stdout, _ := lexgen("-C", root, "render"); code != 0 || strings.Contains(stdout, "wrote out/") {
				t.Errorf("second render: exit %d, stdout:\n%s", code, stdout)
			}
			if after := hashTree(t, filepath.Join(root, "out")); after != before {
				t.Error("a second render changed out/")
			}
			if code, _, stderr := lexgen("-C", root, "render", "--check"); code != 0 {
				t.Errorf("render --check after render: exit %d\n%s", code, stderr)
			}
		})
	}
}

// TestInvalid feeds each bad input to validate and render: both must exit 1
// with exactly the expected message, and render must leave out/ as it was.
func TestInvalid(t *testing.T) {
	for _, name := range cases(t, "invalid") {
		t.Run(name, func(t *testing.T) {
			caseDir := filepath.Join("invalid", name)
			// Render the valid base first, so there is an out/ to protect.
			root := workspace(t, "")
			if code, _, stderr := lexgen("-C", root, "render"); code != 0 {
				t.Fatalf("rendering the base: exit %d\n%s", code, stderr)
			}
			copyTree(t, filepath.Join(caseDir, "envs"), filepath.Join(root, "envs"))
			before := hashTree(t, filepath.Join(root, "out"))

			code, stdout, stderr := lexgen("-C", root, "validate")
			if code != 1 {
				t.Errorf("validate exited %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			if stdout != "" {
				t.Errorf("validate printed to stdout:\n%s", stdout)
			}
			wantFile := filepath.Join(caseDir, "stderr")
			if *update {
				if err := os.WriteFile(wantFile, []byte(stderr), 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				want, err := os.ReadFile(wantFile)
				if err != nil {
					t.Fatalf("%v: run go test ./golden -update and review the file", err)
				}
				if diff := cmp.Diff(string(want), stderr); diff != "" {
					t.Errorf("validate stderr (-want +got):\n%s", diff)
				}
			}

			code, _, renderErr := lexgen("-C", root, "render")
			if code != 1 {
				t.Errorf("render exited %d, want 1", code)
			}
			if renderErr != stderr {
				t.Errorf("render and validate report differently:\nrender:\n%s\nvalidate:\n%s", renderErr, stderr)
			}
			if after := hashTree(t, filepath.Join(root, "out")); after != before {
				t.Error("render changed out/ despite invalid input")
			}
		})
	}
}

// TestCommittedOutIsFresh checks that the committed out/ and variables.tf
// are what the committed envs/ render to.
func TestCommittedOutIsFresh(t *testing.T) {
	code, stdout, stderr := lexgen("-C", repoRoot, "render", "--check")
	if code != 0 {
		t.Fatalf("committed out/ is stale (run lexgen render): exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestHugeFile: a file over the size limit is refused before CUE reads it,
// with a message saying so, and out/ stays as it was. (Generated here, not
// committed as a fixture.)
func TestHugeFile(t *testing.T) {
	root := workspace(t, "")
	if code, _, stderr := lexgen("-C", root, "render"); code != 0 {
		t.Fatalf("rendering the base: exit %d\n%s", code, stderr)
	}
	before := hashTree(t, filepath.Join(root, "out"))
	huge := "package envs\n\n" + strings.Repeat("// padding padding padding padding padding padding padding padding\n", 40000)
	if err := os.WriteFile(filepath.Join(root, "envs", "huge.cue"), []byte(huge), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := lexgen("-C", root, "render")
	want := "envs/huge.cue is larger than 1048576 bytes, the most a file in envs/ may hold"
	if code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	if after := hashTree(t, filepath.Join(root, "out")); after != before {
		t.Error("render changed out/")
	}
}
