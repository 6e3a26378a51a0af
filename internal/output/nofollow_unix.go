//go:build unix && !lexgen_portable

package output

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"

	"golang.org/x/sys/unix"

	"github.com/lexecon/lexgen/internal/fsmode"
)

// dir is an open folder under the repository root, reached without
// following a symlink; rel is its slash path from the root, for messages.
type dir struct {
	f   *os.File
	rel string
}

func (d *dir) fd() int { return int(d.f.Fd()) }

func (d *dir) Close() error { return d.f.Close() }

// openRoot opens the repository root.
func openRoot(root string) (*dir, error) {
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: root, Err: err}
	}
	return &dir{f: os.NewFile(uintptr(fd), root)}, nil
}

// mkdir makes the folder name in d, unless it is there.
func (d *dir) mkdir(name string) error {
	if err := unix.Mkdirat(d.fd(), name, 0o755); err != nil && err != unix.EEXIST {
		return &os.PathError{Op: "mkdir", Path: d.join(name), Err: err}
	}
	return nil
}

// sub opens the folder name in d.
func (d *dir) sub(name string) (*dir, error) {
	fd, err := unix.Openat(d.fd(), name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		if kind, kerr := d.kind(name); kerr == nil && isRegular(kind) {
			return nil, fmt.Errorf("%s is a file, not a folder", d.join(name))
		}
		return nil, d.explain(name, "open", err)
	}
	return &dir{f: os.NewFile(uintptr(fd), d.join(name)), rel: d.join(name)}, nil
}

// kind is what name in d is, not following a symlink, as fs.FileMode type
// bits: 0 for a regular file, fs.ModeDir, fs.ModeSymlink, ...
func (d *dir) kind(name string) (fs.FileMode, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(d.fd(), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return 0, &os.PathError{Op: "lstat", Path: d.join(name), Err: err}
	}
	return fsmode.Type(uint32(st.Mode)), nil
}

// readFile reads the regular file name in d and its permission bits. O_NONBLOCK
// keeps a FIFO put there in a race from blocking the open; the fstat of the
// opened file is what decides.
func (d *dir) readFile(name string) ([]byte, fs.FileMode, error) {
	fd, err := unix.Openat(d.fd(), name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, 0, d.explain(name, "open", err)
	}
	f := os.NewFile(uintptr(fd), d.join(name))
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, 0, &os.PathError{Op: "fstat", Path: d.join(name), Err: err}
	}
	if kind := fsmode.Type(uint32(st.Mode)); !isRegular(kind) {
		if terr := d.typeError(name, kind); terr != nil {
			return nil, 0, terr
		}
		return nil, 0, fmt.Errorf("%s is a folder where lexgen expects a file", d.join(name))
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, 0, err
	}
	if len(data) > maxFileSize {
		return nil, 0, d.tooLarge(name)
	}
	return data, fs.FileMode(st.Mode & 0o777), nil
}

// names lists the entries of d, sorted.
func (d *dir) names() ([]string, error) {
	// Readdirnames reads from the file's offset: a fresh descriptor each
	// time keeps a second listing of the same dir complete.
	fd, err := unix.Openat(d.fd(), ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: d.rel, Err: err}
	}
	f := os.NewFile(uintptr(fd), d.rel)
	defer f.Close()
	names, err := f.Readdirnames(-1)
	sort.Strings(names)
	return names, err
}

// rename renames old to new, both relative to d (new may name a folder
// below d: "tmp/x").
func (d *dir) rename(old, new string) error {
	return unix.Renameat(d.fd(), old, d.fd(), new)
}

// link gives the file old in d a second name, new; fs.ErrExist when new
// is taken (a link never replaces).
func (d *dir) link(old, new string) error {
	err := unix.Linkat(d.fd(), old, d.fd(), new, 0)
	if errors.Is(err, unix.EEXIST) {
		return fs.ErrExist
	}
	return err
}

// exchange swaps the entries a and b of d in one step (exchange_*.go);
// an error satisfying errors.Is(err, fs.ErrNotExist) when b is missing,
// errNoExchange where the system or the file system cannot.
func (d *dir) exchange(a, b string) error {
	return exchange(d.fd(), a, b)
}

// openLock opens (creating) the lock file name in d, not following a
// symlink and not blocking on a FIFO put there.
func (d *dir) openLock(name string) (*os.File, error) {
	fd, err := unix.Openat(d.fd(), name, unix.O_CREAT|unix.O_RDWR|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, d.explain(name, "create", err)
	}
	return os.NewFile(uintptr(fd), d.join(name)), nil
}

// sync makes d's entries (names created, renamed, removed) durable.
func (d *dir) sync() error {
	return unix.Fsync(d.fd())
}

// umask is the process's file mode creation mask, read once at start (it
// can only be read by setting it).
var umask = func() fs.FileMode {
	m := unix.Umask(0)
	unix.Umask(m)
	return fs.FileMode(m)
}()
