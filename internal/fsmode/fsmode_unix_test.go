//go:build unix

package fsmode

import (
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestType stats one file of each kind the readers meet and checks its
// type bits.
func TestType(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := unix.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for path, want := range map[string]fs.FileMode{
		file: 0, dir: fs.ModeDir, link: fs.ModeSymlink, fifo: fs.ModeNamedPipe, sock: fs.ModeSocket, "/dev/null": fs.ModeDevice,
	} {
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			t.Fatal(err)
		}
		if got := Type(uint32(st.Mode)); got != want {
			t.Errorf("%s: %v, want %v", path, got, want)
		}
	}
}
