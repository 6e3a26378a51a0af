package cli_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/lexecon/lexgen/internal/cli"
	"github.com/lexecon/lexgen/internal/model/modeltest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"lexgen": func() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// repoRoot is the repository holding this package.
func repoRoot(t testing.TB) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(wd, "..", "..")
}

// layout copies the schema and the golden base environments into dir, so
// each script starts from a small valid repository of its own.
func layout(root, dir string) error {
	for _, p := range [][2]string{
		{"cue.mod", "cue.mod"},
		{"schema", "schema"},
		{filepath.Join("golden", "base", "envs"), "envs"},
	} {
		if err := modeltest.CopyDir(filepath.Join(root, p[0]), filepath.Join(dir, p[1])); err != nil {
			return err
		}
	}
	return nil
}

func TestScripts(t *testing.T) {
	root := repoRoot(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			return layout(root, env.WorkDir)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"edit": edit},
	})
}

// edit FILE OLD NEW replaces the one occurrence of OLD in FILE with NEW,
// as a person editing the file would; \n in NEW is a line break.
func edit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: edit FILE OLD NEW")
	}
	text := ts.ReadFile(args[0])
	if n := strings.Count(text, args[1]); n != 1 {
		ts.Fatalf("%s holds %q %d times, want once", args[0], args[1], n)
	}
	text = strings.Replace(text, args[1], strings.ReplaceAll(args[2], `\n`, "\n"), 1)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(text), 0o644))
}

// TestExitCodes pins the documented exit codes, which testscript's
// `! exec` cannot tell apart.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	if err := layout(repoRoot(t), dir); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		out  string // expected on stdout or stderr
	}{
		{[]string{"validate"}, 0, "2 environments valid"},
		{[]string{"envs"}, 0, "production\nstaging\n"},
		{[]string{"render", "--check"}, 1, "missing:"},
		{[]string{"render"}, 0, "wrote out/production/"},
		{[]string{"render", "--check"}, 0, "up to date"},
		{[]string{"validate", "nosuch"}, 2, `unknown environment "nosuch"`},
		{[]string{"render", "../etc"}, 2, `unknown environment "../etc"`},
		{[]string{"render", "--no-such-flag"}, 2, "unknown flag: --no-such-flag"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"envs", "extra"}, 2, "envs takes no arguments"},
		{[]string{"new", "Bad_Name"}, 2, `"Bad_Name" is not a valid environment name`},
		{[]string{"new", "qa", "--from", "nosuch"}, 2, `--from: unknown environment "nosuch"`},
		{[]string{"new", "staging"}, 1, "envs/staging.cue already exists"},
		{[]string{"new", "qa", "--region", "mars-1"}, 1, "nothing written"},
		{[]string{"schema", "--format", "yaml"}, 2, "--format must be markdown or jsonschema"},
		{[]string{"-C", filepath.Join(dir, "nowhere"), "validate"}, 1, "holds no .cue files"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := tc.args
			if args[0] != "-C" {
				args = append([]string{"-C", dir}, args...)
			}
			code := cli.Main(args, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String()+stderr.String(), tc.out) {
				t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", tc.out, stdout.String(), stderr.String())
			}
		})
	}
}

// TestReviewExitCodes: review without a base to compare with, or with an
// unknown --base, is a usage error (2), never an empty report (0).
func TestReviewExitCodes(t *testing.T) {
	dir := t.TempDir()
	if err := layout(repoRoot(t), dir); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := cli.Main([]string{"-C", dir, "render"}, &out, &out); code != 0 {
		t.Fatalf("render: exit %d\n%s", code, out.String())
	}
	for _, args := range [][]string{
		{"init", "-q", "-b", "trunk"},
		{"add", "-A"},
		{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "first"},
	} {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"review"}, 2, "no base to compare with"},
		{[]string{"review", "--base", "nosuchref"}, 2, "--base nosuchref: no commit, branch or tag of that name"},
		{[]string{"review", "--base", "HEAD"}, 0, "Unaffected: production, staging."},
	} {
		var stdout, stderr bytes.Buffer
		code := cli.Main(append([]string{"-C", dir}, tc.args...), &stdout, &stderr)
		if code != tc.code || !strings.Contains(stdout.String()+stderr.String(), tc.out) {
			t.Errorf("lexgen %v: exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", tc.args, code, tc.code, tc.out, stdout.String(), stderr.String())
		}
	}
}
