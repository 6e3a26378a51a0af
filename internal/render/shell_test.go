package render

import (
	"os/exec"
	"strings"
	"testing"
)

var shellStrings = []string{
	"", "plain", "it's", "'", "''", `"`, "$(touch /tmp/pwned)", "`id`", "a;b", "a && b", "${HOME}", "$HOME",
	"new\nline", "tab\t", "back\\slash", "*", "?", "[a]", "~", "-n", "--help", "!", "ünïcødé", " lead", "trail ",
}

// evalInBash has bash evaluate a quoted word and print it back.
func evalInBash(t *testing.T, quoted string) string {
	t.Helper()
	out, err := exec.Command("bash", "-c", "printf %s "+quoted).Output()
	if err != nil {
		t.Fatalf("bash -c 'printf %%s %s': %v", quoted, err)
	}
	return string(out)
}

func TestShellQuote(t *testing.T) {
	for _, s := range shellStrings {
		if got := evalInBash(t, shellQuote(s)); got != s {
			t.Errorf("shellQuote(%q) evaluates to %q", s, got)
		}
	}
	// The check sees an unquoted value come back changed.
	if got := evalInBash(t, "$HOME"); got == "$HOME" {
		t.Error("evalInBash does not evaluate")
	}
}

func FuzzShellQuote(f *testing.F) {
	for _, s := range shellStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.IndexByte(s, 0) >= 0 {
			t.Skip("an argument cannot hold a NUL byte; the schema refuses them")
		}
		if got := evalInBash(t, shellQuote(s)); got != s {
			t.Errorf("shellQuote(%q) evaluates to %q", s, got)
		}
	})
}

// TestScriptValuesAreQuoted: a model value full of shell syntax reaches the
// script as data, never as code.
func TestScriptValuesAreQuoted(t *testing.T) {
	e := testEnv()
	e.Delivery.RepoURL = "https://example.com/$(touch pwned)`id`'x'.git"
	files, err := scriptFiles(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		script := string(f.Data)
		want := "REPO_URL=" + shellQuote(e.Delivery.RepoURL)
		if !strings.Contains(script, want) {
			t.Errorf("%s lacks %s", f.Path, want)
		}
		if out, err := exec.Command("bash", "-n", "-c", script).CombinedOutput(); err != nil {
			t.Errorf("%s: bash -n: %v\n%s", f.Path, err, out)
		}
	}
}
