package load

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// envsRepo lays out a repository holding only golden/base/envs, enough
// for Open.
func envsRepo(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, EnvsDir), 0o755); err != nil {
		t.Fatal(err)
	}
	base, _ := filepath.Glob("../../golden/base/envs/*.cue")
	for _, p := range base {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, EnvsDir, filepath.Base(p)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if len(base) == 0 {
		t.Fatal("no golden/base/envs")
	}
	return root
}

// openDiags opens root and returns what it found wrong, as text.
func openDiags(t *testing.T, root string) string {
	t.Helper()
	r, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	return r.diags.Error()
}

// TestEnvsReadsRegularFilesOnly: a FIFO (which would block the read for
// ever), a symlink (to a device that never ends, or to a file outside the
// repository), a device and a folder in envs/ are refused, by name, and
// nothing of them is read.
func TestEnvsReadsRegularFilesOnly(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "qa.cue")
	if err := os.WriteFile(outside, []byte("package envs\n\nqa: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		make func(p string) error
		want string
	}{
		{"fifo", mkfifo, "envs/qa.cue is a named pipe (FIFO); lexgen reads only regular files in envs/\n    envs/qa.cue:1:1"},
		{"symlink to /dev/zero", func(p string) error { return os.Symlink("/dev/zero", p) }, "envs/qa.cue is a symbolic link (it could point outside the repository or at a device); lexgen reads only regular files in envs/"},
		{"symlink outside", func(p string) error { return os.Symlink(outside, p) }, "envs/qa.cue is a symbolic link"},
		{"folder", func(p string) error { return os.Mkdir(p, 0o755) }, "envs/qa.cue is a folder; lexgen reads only regular files in envs/"},
		{"device", mknull, "envs/qa.cue is a device; lexgen reads only regular files in envs/"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := envsRepo(t)
			p := filepath.Join(root, EnvsDir, "qa.cue")
			if err := c.make(p); err != nil {
				if c.name == "device" || errors.Is(err, errors.ErrUnsupported) {
					t.Skipf("cannot make a device here: %v", err)
				}
				t.Fatal(err)
			}
			r, err := Open(root)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.diags.Error(); !strings.Contains(got, c.want) {
				t.Errorf("diagnostics:\n%s\nwant them to contain:\n%s", got, c.want)
			}
			if _, ok := r.Sources()["envs/qa.cue"]; ok || r.Has("qa") {
				t.Error("the refused file was read")
			}
			if _, ds := r.Load([]string{"staging"}); len(ds) == 0 {
				t.Error("Load succeeded despite the refused file")
			}
		})
	}
}

// TestEnvsIsNotASymlink: envs/ itself must be a folder of the repository.
func TestEnvsIsNotASymlink(t *testing.T) {
	elsewhere := envsRepo(t)
	root := t.TempDir()
	if err := os.Symlink(filepath.Join(elsewhere, EnvsDir), filepath.Join(root, EnvsDir)); err != nil {
		t.Fatal(err)
	}
	_, err := Open(root)
	if err == nil || !strings.Contains(err.Error(), "envs is a symbolic link") {
		t.Errorf("Open: %v, want an error naming the symlink", err)
	}
}

// TestSizeLimitOnWhatIsRead: a sparse file of 1.5 GB is refused after
// reading at most MaxFileSize+1 bytes of it, not read whole into memory.
func TestSizeLimitOnWhatIsRead(t *testing.T) {
	root := envsRepo(t)
	p := filepath.Join(root, EnvsDir, "huge.cue")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("package envs\n")
	if err := f.Truncate(1536 << 20); err != nil {
		t.Skipf("no sparse file here: %v", err)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got := openDiags(t, root)
	runtime.ReadMemStats(&after)
	if want := "envs/huge.cue is larger than 1048576 bytes, the most a file in envs/ may hold"; !strings.Contains(got, want) {
		t.Errorf("diagnostics:\n%s\nwant %q", got, want)
	}
	// Reading the whole file would allocate 1.5 GB; reading to the limit
	// allocates a few MiB (the buffer grows by doubling).
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("Open allocated %d MiB for a file over the limit", alloc>>20)
	}
}

// TestLineEndings: CRLF reads as LF does; a CR that ends no CRLF is refused
// at its line and column, whether the whole file is CR-only (which CUE reads
// as one line: a comment, for a file that starts with one) or one CR hides
// in an LF file.
func TestLineEndings(t *testing.T) {
	lf, err := os.ReadFile(filepath.Join("../../golden/base/envs/production.cue"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		src  []byte
		want string // "" for no diagnostics
	}{
		{"lf", lf, ""},
		{"crlf", bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n")), ""},
		{"cr only", bytes.ReplaceAll(lf, []byte("\n"), []byte("\r")), "envs/production.cue has a carriage return (CR) that is not followed by a line feed (LF)"},
		{"one cr at 3:4", bytes.Replace(lf, []byte("\n"), []byte("\n\nabc\rdef\n"), 1), "\n    envs/production.cue:3:4"},
		{"cr at the end", append(append([]byte(nil), lf...), '\r'), "carriage return"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := envsRepo(t)
			if err := os.WriteFile(filepath.Join(root, EnvsDir, "production.cue"), c.src, 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := Open(root)
			if err != nil {
				t.Fatal(err)
			}
			got := r.diags.Error()
			if c.want == "" {
				if got != "" || !r.Has("production") {
					t.Errorf("diagnostics %q, environments %v", got, r.Names())
				}
				if !bytes.Equal(r.Sources()["envs/production.cue"], c.src) {
					t.Error("Sources does not hold the bytes read")
				}
				return
			}
			if !strings.Contains(got, c.want) {
				t.Errorf("diagnostics:\n%s\nwant them to contain %q", got, c.want)
			}
			if r.Has("production") || len(r.shared) != 1 {
				t.Errorf("the refused file counts as an environment or a shared file: %v, shared %v", r.Names(), r.shared)
			}
		})
	}
}

// TestFileNamesLowerCase: names that a case-insensitive file system would
// fold into one are refused, whatever the file says.
func TestFileNamesLowerCase(t *testing.T) {
	for name, ok := range map[string]bool{
		"staging.cue": true, "prod-eu_2.v1.cue": true,
		"Shared.cue": false, "STAGING.cue": false, "staging.CUE.cue": false, "ſtaging.cue": false, "café.cue": false, "a b.cue": false,
	} {
		root := envsRepo(t)
		if err := os.WriteFile(filepath.Join(root, EnvsDir, name), []byte("package envs\n\n_x: 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		got := openDiags(t, root)
		if refused := strings.Contains(got, "a file name in envs/ may hold only"); refused == ok {
			t.Errorf("%s: diagnostics %q", name, got)
		}
	}
}
