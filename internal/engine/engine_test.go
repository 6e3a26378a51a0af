package engine

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lexecon/lexgen/internal/load"
	"github.com/lexecon/lexgen/internal/model/modeltest"
	"github.com/lexecon/lexgen/internal/output"
)

// repoCopy copies what the pipeline reads and writes of this repository.
func repoCopy(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"cue.mod", "schema", "envs", "out", "infrastructure/terraform"} {
		if err := modeltest.CopyDir(filepath.Join("..", "..", d), filepath.Join(dir, d)); err != nil {
			t.Fatal(err)
		}
	}
	// The scripts are executable, and output compares modes too.
	scripts, _ := filepath.Glob(filepath.Join(dir, "out", "*", "scripts", "*.sh"))
	for _, s := range scripts {
		if err := os.Chmod(s, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestStale: the committed out/ is what the pipeline renders, and a file
// edited by hand in out/ is the one change it reports.
func TestStale(t *testing.T) {
	dir := repoCopy(t)
	r, err := load.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, errs, _ := Check(r, r.Names())
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(c.Envs) != 2 {
		t.Fatalf("%d environments, want staging and production", len(c.Envs))
	}
	if _, changes, err := c.Stale(); err != nil || len(changes) != 0 {
		t.Fatalf("fresh copy: %s, err %v", paths(changes), err)
	}
	edited := filepath.Join(dir, "out", "staging", "README.md")
	if err := os.WriteFile(edited, []byte("edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, changes, err := c.Stale()
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Kind != output.Changed || filepath.ToSlash(changes[0].Path) != "out/staging/README.md" {
		t.Errorf("changes %s, want out/staging/README.md changed", paths(changes))
	}
}

func paths(changes []output.Change) []string {
	var out []string
	for _, c := range changes {
		out = append(out, string(c.Kind)+" "+filepath.ToSlash(c.Path))
	}
	return out
}

// TestCheckStopsAtAnError: an environment that does not validate leaves
// no environments to act on, and its error is positioned in its file.
func TestCheckStopsAtAnError(t *testing.T) {
	dir := repoCopy(t)
	bad := "package envs\n\nstaging: database: allocatedStorageGiB: 5\n"
	if err := os.WriteFile(filepath.Join(dir, "envs", "zz-bad.cue"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := load.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, errs, _ := Check(r, r.Names())
	if c != nil || len(errs) == 0 {
		t.Fatalf("got %v and errors %v, want no environments and an error", c, errs)
	}
}
