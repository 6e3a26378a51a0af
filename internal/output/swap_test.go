package output

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestSwapByRename: the rename-based swap (Windows, the BSDs) leaves the
// new folder in place and the previous one aside, and on a first render
// there is nothing aside.
func TestSwapByRename(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"out/a/old.txt", "out/tmp1/new.txt", "out/tmp2/new.txt"} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := openDir(root, OutDir, false)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	aside, err := swapByRename(out, "tmp1", "a")
	if err != nil || aside != asidePrefix+"a" {
		t.Fatalf("swapByRename: %q, %v", aside, err)
	}
	if got := read(t, filepath.Join(root, "out/a/new.txt")); got != "out/tmp1/new.txt" {
		t.Errorf("out/a holds %q", got)
	}
	if got := read(t, filepath.Join(root, "out", aside, "old.txt")); got != "out/a/old.txt" {
		t.Errorf("aside holds %q", got)
	}
	if aside, err := swapByRename(out, "tmp2", "b"); err != nil || aside != "" {
		t.Errorf("first render of b: %q, %v", aside, err)
	}
}

// TestKilledBetweenRenames: a render killed between swapByRename's two
// renames leaves out/<env> missing and the previous rendering aside (and
// perhaps its unfinished temporary folder); the next Write puts the
// previous rendering back before anything else, so out/ holds the old
// folder whole, never nothing and never a mix.
func TestKilledBetweenRenames(t *testing.T) {
	root := t.TempDir()
	if _, err := Write(root, tree("1")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(root, OutDir)
	if err := os.Rename(filepath.Join(out, "a"), filepath.Join(out, asidePrefix+"a")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(out, tmpPrefix+"a-123", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	res, err := Write(root, tree("1"))
	if err != nil {
		t.Fatal(err)
	}
	// Put back, out/a is what tree("1") renders: nothing to write.
	if !slices.Contains(res.Unchanged, "out/a") || slices.Contains(res.Written, "out/a") {
		t.Errorf("out/a was not put back: %+v", res)
	}
	for _, gone := range []string{asidePrefix + "a", tmpPrefix + "a-123"} {
		if _, err := os.Lstat(filepath.Join(out, gone)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("out/%s is still there: %v", gone, err)
		}
	}
}

// TestKilledAfterRenames: killed after both renames, before deleting the
// previous rendering: the new folder stays, the old one goes.
func TestKilledAfterRenames(t *testing.T) {
	root := t.TempDir()
	if _, err := Write(root, tree("1")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(root, OutDir)
	if err := os.MkdirAll(filepath.Join(out, asidePrefix+"a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, asidePrefix+"a", "x.txt"), []byte("x 0"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(root, tree("1")); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(out, "a", "x.txt")); got != "x 1" {
		t.Errorf("out/a/x.txt = %q, want the new rendering", got)
	}
	if _, err := os.Lstat(filepath.Join(out, asidePrefix+"a")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the previous rendering is still aside: %v", err)
	}
}

// TestCreateFileNeverReplaces: CreateFile writes a new file, and refuses
// (fs.ErrExist) to replace one, leaving it as it was.
func TestCreateFileNeverReplaces(t *testing.T) {
	root := t.TempDir()
	if err := CreateFile(root, "envs/qa.cue", []byte("first")); err != nil {
		t.Fatal(err)
	}
	err := CreateFile(root, "envs/qa.cue", []byte("second"))
	if !errors.Is(err, ErrExist) {
		t.Errorf("second CreateFile: %v, want ErrExist", err)
	}
	if got := read(t, filepath.Join(root, "envs/qa.cue")); got != "first" {
		t.Errorf("envs/qa.cue = %q", got)
	}
	if entries, _ := os.ReadDir(filepath.Join(root, "envs")); len(entries) != 1 {
		t.Errorf("envs/ holds %d entries, want the one file (no temporary left)", len(entries))
	}
}

// TestFlushBeforeSwap: everything is flushed to disk once, after every
// new file is written and before any folder is swapped into place.
func TestFlushBeforeSwap(t *testing.T) {
	root := t.TempDir()
	if _, err := Write(root, tree("1")); err != nil {
		t.Fatal(err)
	}
	orig := flushAll
	t.Cleanup(func() { flushAll = orig })
	flushes := 0
	flushAll = func(d *dir) error {
		flushes++
		if got := read(t, filepath.Join(root, "out/a/x.txt")); got != "x 1" {
			t.Errorf("at the flush out/a/x.txt = %q: swapped before the flush", got)
		}
		var news int
		entries, _ := os.ReadDir(filepath.Join(root, OutDir))
		for _, e := range entries {
			if p := filepath.Join(root, OutDir, e.Name(), "sub", "y.txt"); e.Name() != "a" {
				if b, err := os.ReadFile(p); err == nil && string(b) == "y 2" {
					news++
				}
			}
		}
		if news != 1 {
			t.Errorf("at the flush %d temporary folders hold the new out/a, want 1", news)
		}
		return orig(d)
	}
	if _, err := Write(root, tree("2")); err != nil {
		t.Fatal(err)
	}
	if flushes != 1 {
		t.Errorf("%d flushes, want 1", flushes)
	}
	if got := read(t, filepath.Join(root, "out/a/x.txt")); got != "x 2" {
		t.Errorf("after Write out/a/x.txt = %q", got)
	}
	if _, err := Write(root, tree("2")); err != nil || flushes != 1 {
		t.Errorf("nothing to write: %v, %d flushes, want still 1", err, flushes)
	}
}
