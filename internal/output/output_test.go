package output

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lexecon/lexgen/internal/render"
)

func tree(content string) Tree {
	return Tree{
		Envs: map[string][]render.File{
			"a": {{Path: "x.txt", Data: []byte("x " + content)}, {Path: "sub/y.txt", Data: []byte("y " + content)}},
			"b": {{Path: "z.txt", Data: []byte("z " + content)}},
		},
		Shared:   []render.File{{Path: "infra/vars.tf", Data: []byte("vars " + content)}},
		Complete: true,
	}
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteThenCompare(t *testing.T) {
	root := t.TempDir()
	changes, err := Compare(root, tree("1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 4 {
		t.Errorf("before the first write: %d changes, want 4 missing files", len(changes))
	}
	res, err := Write(root, tree("1"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"out/a", "out/b"}, res.Written); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
	if got := read(t, filepath.Join(root, "out/a/sub/y.txt")); got != "y 1" {
		t.Errorf("out/a/sub/y.txt = %q", got)
	}
	if changes, _ := Compare(root, tree("1")); len(changes) != 0 {
		t.Errorf("after writing: %v", changes)
	}
	res, err = Write(root, tree("1"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Written) != 0 || len(res.Shared) != 0 || len(res.Unchanged) != 2 {
		t.Errorf("writing the same tree again: %+v", res)
	}
}

func TestCompareKinds(t *testing.T) {
	root := t.TempDir()
	if _, err := Write(root, tree("1")); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(root, "out/a/x.txt"), []byte("edited"), 0o644))
	must(os.Remove(filepath.Join(root, "out/b/z.txt")))
	must(os.WriteFile(filepath.Join(root, "out/a/extra.txt"), []byte("e"), 0o644))
	must(os.MkdirAll(filepath.Join(root, "out/gone"), 0o755))
	must(os.WriteFile(filepath.Join(root, "out/gone/f.txt"), []byte("g"), 0o644))
	changes, err := Compare(root, tree("1"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		got = append(got, string(c.Kind)+" "+c.Path)
	}
	want := []string{"extra out/a/extra.txt", "changed out/a/x.txt", "missing out/b/z.txt", "extra out/gone/f.txt"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}

	// Only some environments: the others' folders are not extra.
	partial := tree("1")
	delete(partial.Envs, "b")
	partial.Complete = false
	changes, _ = Compare(root, partial)
	for _, c := range changes {
		if strings.HasPrefix(c.Path, "out/b/") || strings.HasPrefix(c.Path, "out/gone/") {
			t.Errorf("a partial compare reports %s %s", c.Kind, c.Path)
		}
	}

	// Write repairs all of it.
	res, err := Write(root, tree("1"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"out/gone"}, res.Removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
	if changes, _ := Compare(root, tree("1")); len(changes) != 0 {
		t.Errorf("after repair: %v", changes)
	}
}

// TestConcurrentWrites: renders running at once, each of a different
// tree, leave every folder wholly one tree's, never a mix, and no temporary
// folder behind.
func TestConcurrentWrites(t *testing.T) {
	root := t.TempDir()
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			content := "odd"
			if i%2 == 0 {
				content = "even"
			}
			if _, err := Write(root, tree(content)); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	x := read(t, filepath.Join(root, "out/a/x.txt"))
	y := read(t, filepath.Join(root, "out/a/sub/y.txt"))
	if strings.TrimPrefix(x, "x ") != strings.TrimPrefix(y, "y ") {
		t.Errorf("out/a mixes two renders: %q and %q", x, y)
	}
	entries, err := os.ReadDir(filepath.Join(root, "out"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			t.Errorf("temporary folder %s left behind", e.Name())
		}
	}
}

func TestDiff(t *testing.T) {
	d := string(Diff(Change{Kind: Changed, Path: "out/a/x.txt", Old: []byte("one\ntwo\n"), New: []byte("one\nthree\n")}))
	for _, want := range []string{"--- a/out/a/x.txt", "+++ b/out/a/x.txt", "-two", "+three"} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	if d := string(Diff(Change{Kind: Missing, Path: "out/a/n.txt", New: []byte("n\n")})); !strings.Contains(d, "--- /dev/null") {
		t.Errorf("a new file's diff:\n%s", d)
	}
}

func TestModesAreWrittenAndChecked(t *testing.T) {
	root := t.TempDir()
	tr := Tree{Envs: map[string][]render.File{"a": {{Path: "run.sh", Data: []byte("#!/bin/sh\n"), Mode: 0o755}}}}
	if _, err := Write(root, tr); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(root, "out/a/run.sh")
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o755 {
		t.Errorf("mode %v, want 0755", info.Mode().Perm())
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	changes, err := Compare(root, tr)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].Kind != Changed {
		t.Errorf("a script that lost its executable bit: %v", changes)
	}
}

func TestCompareRendered(t *testing.T) {
	old := []render.File{{Path: "a.txt", Data: []byte("a")}, {Path: "gone.txt", Data: []byte("g")}, {Path: "run.sh", Data: []byte("x"), Mode: 0o755}}
	cur := []render.File{{Path: "a.txt", Data: []byte("A")}, {Path: "new.txt", Data: []byte("n")}, {Path: "run.sh", Data: []byte("x"), Mode: 0o755}}
	var got []string
	for _, c := range CompareRendered("qa", old, cur) {
		got = append(got, string(c.Kind)+" "+c.Path)
	}
	want := []string{"changed out/qa/a.txt", "extra out/qa/gone.txt", "missing out/qa/new.txt"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
