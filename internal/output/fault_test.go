package output

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/lexecon/lexgen/internal/render"
)

// failRemoving makes removeAll fail for lexgen's temporary folders for the
// rest of the test, as a folder the process may not delete would (the tests
// run as root, whom permissions do not stop).
func failRemoving(t *testing.T) {
	t.Helper()
	orig := removeAll
	removeAll = func(p string) error {
		if base := filepath.Base(p); strings.HasPrefix(base, tmpPrefix) || strings.HasPrefix(base, asidePrefix) {
			return &os.PathError{Op: "unlinkat", Path: p, Err: errors.New("operation not permitted")}
		}
		return orig(p)
	}
	t.Cleanup(func() { removeAll = orig })
}

// TestUnremovableLeftoverFailsAtOnce: when the previous rendering, swapped
// out of place, cannot be deleted, the render that left it fails (not the
// next one), and every later render fails too while it is there.
func TestUnremovableLeftoverFailsAtOnce(t *testing.T) {
	root := t.TempDir()
	if _, err := Write(root, tree("1")); err != nil {
		t.Fatal(err)
	}
	failRemoving(t)
	_, err := Write(root, tree("2"))
	if err == nil {
		t.Fatal("a render that cannot delete the previous rendering succeeded")
	}
	if !strings.Contains(err.Error(), "cannot remove out/"+tmpPrefix) && !strings.Contains(err.Error(), "cannot remove out/"+asidePrefix) {
		t.Errorf("error does not name the leftover: %v", err)
	}
	for i := 0; i < 2; i++ {
		if _, err := Write(root, tree("2")); err == nil || !strings.Contains(err.Error(), "leftover") {
			t.Errorf("render %d after the leftover: %v, want an error naming the leftover", i+1, err)
		}
	}
}

// TestUnremovableStaleFolderFailsAtOnce: the same for the folder of an
// environment that no longer exists.
func TestUnremovableStaleFolderFailsAtOnce(t *testing.T) {
	root := t.TempDir()
	if _, err := Write(root, tree("1")); err != nil {
		t.Fatal(err)
	}
	failRemoving(t)
	gone := tree("1")
	delete(gone.Envs, "b")
	if _, err := Write(root, gone); err == nil {
		t.Fatal("a render that cannot delete a removed environment's folder succeeded")
	}
}

// TestSpecialFilesRefused: a FIFO under out/ is refused by Compare and
// Write without opening it for a blocking read (which would hang), and a
// symlink is refused without being followed.
func TestSpecialFilesRefused(t *testing.T) {
	root := t.TempDir()
	if _, err := Write(root, tree("1")); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("s3cr3t"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		make func(p string) error
		want string
	}{
		{mkfifo, "out/a/sub/y.txt is a named pipe (FIFO), not a regular file or folder"},
		{func(p string) error { return os.Symlink(secret, p) }, "out/a/sub/y.txt is a symbolic link; lexgen follows no symbolic link under out/"},
	} {
		p := filepath.Join(root, "out/a/sub/y.txt")
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		if err := c.make(p); errors.Is(err, errors.ErrUnsupported) {
			continue // no FIFOs here
		} else if err != nil {
			t.Fatal(err)
		}
		changes, err := Compare(root, tree("1"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Compare: %v, %v; want an error containing %q", changes, err, c.want)
		}
		if _, err := Write(root, tree("1")); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Write: %v; want an error containing %q", err, c.want)
		}
	}
	if data, err := os.ReadFile(secret); err != nil || string(data) != "s3cr3t" {
		t.Errorf("the symlink's target: %q, %v", data, err)
	}
}

// TestNamesStayInOut: whatever reaches output as an environment's name or
// a shared file's path (the loader should never let such a name through),
// nothing outside the repository is read, written or deleted.
func TestNamesStayInOut(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "repo")
	secret := filepath.Join(parent, "x", "secret.txt")
	for _, p := range []string{filepath.Join(root, "envs"), filepath.Dir(secret)} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(secret, []byte("s3cr3t"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tr := range []Tree{
		{Envs: map[string][]render.File{"../../x": {{Path: "y.txt", Data: []byte("y")}}}, Complete: true},
		{Envs: map[string][]render.File{"a/../../../x": nil}},
		{Envs: map[string][]render.File{"..": nil}},
		{Envs: map[string][]render.File{"a": {{Path: "../../../x/secret.txt", Data: []byte("y")}}}},
		{Shared: []render.File{{Path: "../x/secret.txt", Data: []byte("y")}}},
		{Shared: []render.File{{Path: filepath.Join(parent, "x", "secret.txt"), Data: []byte("y")}}},
	} {
		changes, err := Compare(root, tr)
		if err == nil {
			t.Errorf("Compare(%v): %v, want an error", tr, changes)
		}
		for _, c := range changes {
			if strings.Contains(string(c.Old), "s3cr3t") {
				t.Errorf("Compare(%v) read %s", tr, c.Path)
			}
		}
		if _, err := Write(root, tr); err == nil {
			t.Errorf("Write(%v) succeeded", tr)
		}
	}
	entries, _ := os.ReadDir(parent)
	if data, err := os.ReadFile(secret); err != nil || string(data) != "s3cr3t" || len(entries) != 2 {
		t.Errorf("outside the repository: %q, %v, %d entries beside it", data, err, len(entries))
	}
}

// TestSharedFileThatIsAFolder: a folder where a shared file belongs is
// named as such.
func TestSharedFileThatIsAFolder(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "infra", "vars.tf"), 0o755); err != nil {
		t.Fatal(err)
	}
	want := "infra/vars.tf is a folder where lexgen expects a file"
	if _, err := Compare(root, tree("1")); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Compare: %v, want %q", err, want)
	}
}

// TestHugeFileInOut: a 1.5 GB (sparse) file committed under out/ is
// refused after reading at most maxFileSize+1 bytes of it, not read whole
// into memory and printed.
func TestHugeFileInOut(t *testing.T) {
	root := t.TempDir()
	if _, err := Write(root, tree("1")); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(root, "out/a/big.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1536 << 20); err != nil {
		t.Skipf("no sparse file here: %v", err)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = Compare(root, tree("1"))
	runtime.ReadMemStats(&after)
	want := "out/a/big.txt is larger than 16 MiB; lexgen renders no file that large: delete it and run 'lexgen render'"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Compare: %v, want %q", err, want)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 128<<20 {
		t.Errorf("Compare allocated %d MiB", alloc>>20)
	}
}

// TestLeftoverSymlinkIsUnlinkedNotFollowed: a "leftover" in out/ that is a
// symlink to a folder outside is removed as a link; the folder it points to
// keeps its files.
func TestLeftoverSymlinkIsUnlinkedNotFollowed(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "keep.txt"), []byte("k"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, OutDir), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, OutDir, tmpPrefix+"a-1")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(root, tree("1")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(link); err == nil {
		t.Error("the leftover link is still there")
	}
	if _, err := os.Stat(filepath.Join(outside, "keep.txt")); err != nil {
		t.Errorf("the folder outside lost its file: %v", err)
	}
}
