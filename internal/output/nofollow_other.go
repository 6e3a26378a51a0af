//go:build !unix || lexgen_portable

package output

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"sort"
)

// Where there is no openat(2) with O_NOFOLLOW (Windows), a folder is an
// os.Root: every name is resolved inside it, so nothing it opens lies
// outside the folder, even through a symlink. lexgen goes further and
// follows no symlink at all: each name is looked at (Lstat) before it is
// opened, and what was opened is checked (os.SameFile) to be what was
// looked at, so a symlink swapped in between is refused too.
//
// The build tag lexgen_portable selects this code on Linux as well, so its
// tests run there: go test -tags lexgen_portable ./internal/output.

// dir is an open folder under the repository root, reached without
// following a symlink; rel is its slash path from the root, for messages.
type dir struct {
	r   *os.Root
	rel string
}

func (d *dir) Close() error { return d.r.Close() }

// openRoot opens the repository root.
func openRoot(root string) (*dir, error) {
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, err
	}
	return &dir{r: r}, nil
}

// mkdir makes the folder name in d, unless it is there.
func (d *dir) mkdir(name string) error {
	if err := d.r.Mkdir(name, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return d.explain(name, "mkdir", err)
	}
	return nil
}

// sub opens the folder name in d.
func (d *dir) sub(name string) (*dir, error) {
	seen, err := d.r.Lstat(name)
	if err != nil {
		return nil, d.explain(name, "open", err)
	}
	if kind := seen.Mode().Type(); kind != fs.ModeDir {
		if isRegular(kind) {
			return nil, fmt.Errorf("%s is a file, not a folder", d.join(name))
		}
		return nil, d.typeError(name, kind)
	}
	r, err := d.r.OpenRoot(name)
	if err != nil {
		return nil, d.explain(name, "open", err)
	}
	if opened, err := r.Stat("."); err != nil || !os.SameFile(seen, opened) {
		r.Close()
		return nil, fmt.Errorf("%s changed while lexgen opened it (a symbolic link put in its place?); run lexgen again", d.join(name))
	}
	return &dir{r: r, rel: d.join(name)}, nil
}

// kind is what name in d is, not following a symlink, as fs.FileMode type
// bits: 0 for a regular file, fs.ModeDir, fs.ModeSymlink, ...
func (d *dir) kind(name string) (fs.FileMode, error) {
	fi, err := d.r.Lstat(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return 0, &fs.PathError{Op: "lstat", Path: d.join(name), Err: err}
	}
	return fi.Mode().Type(), nil
}

// readFile reads the regular file name in d and its permission bits.
func (d *dir) readFile(name string) ([]byte, fs.FileMode, error) {
	seen, err := d.r.Lstat(name)
	if err != nil {
		return nil, 0, d.explain(name, "open", err)
	}
	if kind := seen.Mode().Type(); !isRegular(kind) {
		if terr := d.typeError(name, kind); terr != nil {
			return nil, 0, terr
		}
		return nil, 0, fmt.Errorf("%s is a folder where lexgen expects a file", d.join(name))
	}
	f, err := d.r.Open(name)
	if err != nil {
		return nil, 0, d.explain(name, "open", err)
	}
	defer f.Close()
	if opened, err := f.Stat(); err != nil || !os.SameFile(seen, opened) {
		return nil, 0, fmt.Errorf("%s changed while lexgen opened it (a symbolic link put in its place?); run lexgen again", d.join(name))
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, 0, err
	}
	if len(data) > maxFileSize {
		return nil, 0, d.tooLarge(name)
	}
	return data, seen.Mode().Perm(), nil
}

// names lists the entries of d, sorted.
func (d *dir) names() ([]string, error) {
	f, err := d.r.Open(".")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	sort.Strings(names)
	return names, err
}

// rename renames old to new, both relative to d (new may name a folder
// below d: "tmp/x").
func (d *dir) rename(old, new string) error { return d.r.Rename(old, new) }

// link gives the file old in d a second name, new; fs.ErrExist when new
// is taken (a link never replaces).
func (d *dir) link(old, new string) error {
	err := d.r.Link(old, new)
	if errors.Is(err, fs.ErrExist) {
		return fs.ErrExist
	}
	return err
}

// exchange: no call swaps two names here; Write uses swapByRename.
func (d *dir) exchange(a, b string) error { return errNoExchange }

// openLock opens (creating) the lock file name in d, refusing a symlink
// or special file there.
func (d *dir) openLock(name string) (*os.File, error) {
	if kind, err := d.kind(name); err == nil && !isRegular(kind) {
		return nil, d.typeError(name, kind)
	}
	return d.r.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o644)
}

// sync makes d's entries (names created, renamed, removed) durable.
// Windows cannot flush a folder (FlushFileBuffers needs a handle opened
// for writing, which a folder's is not); NTFS journals its metadata
// instead, so a rename is not lost half done.
func (d *dir) sync() error {
	if runtime.GOOS == "windows" {
		return nil
	}
	f, err := d.r.Open(".")
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// syncAll: each file is synced as it is written (syncEachFile).
func syncAll(d *dir) error { return nil }

const syncEachFile = true

// umask: Windows has none; the permission bits are what Git records.
var umask fs.FileMode
