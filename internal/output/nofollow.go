package output

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// out/ is committed, so anyone with a pull request can put anything in it:
// a symlink to ~/.aws/credentials, or out/ itself as a symlink to a folder
// elsewhere. Everything below the repository root is therefore reached one
// name at a time from an open folder, with openat(2) and O_NOFOLLOW, and a
// symlink anywhere is refused: lexgen never reads, prints, writes or deletes
// through one. The repository root itself is trusted (the user names it).

// maxFileSize bounds what lexgen reads of one file it wrote: a committed
// file far larger than any it renders (the largest is a few kilobytes) is
// refused rather than read into memory and printed by diff.
const maxFileSize = 16 << 20

// linkError is a symbolic link where lexgen reads or writes.
type linkError struct{ path string }

func (e *linkError) Error() string {
	where := "among the files it writes"
	if e.path == OutDir || strings.HasPrefix(e.path, OutDir+"/") {
		where = "under out/"
	}
	return fmt.Sprintf("%s is a symbolic link; lexgen follows no symbolic link %s (it could point outside the repository): delete it and run 'lexgen render'", e.path, where)
}

// specialError is a FIFO, device or socket where lexgen reads or writes.
type specialError struct {
	path string
	kind string
}

func (e *specialError) Error() string {
	return fmt.Sprintf("%s is a %s, not a regular file or folder; lexgen writes only files and folders there: delete it and run 'lexgen render'", e.path, e.kind)
}

// dir is an open folder under the repository root, reached without
// following a symlink; rel is its slash path from the root, for messages.
type dir struct {
	f   *os.File
	rel string
}

func (d *dir) fd() int { return int(d.f.Fd()) }

func (d *dir) Close() error { return d.f.Close() }

func (d *dir) join(name string) string {
	if d.rel == "" {
		return name
	}
	return d.rel + "/" + name
}

// openRoot opens the repository root.
func openRoot(root string) (*dir, error) {
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: root, Err: err}
	}
	return &dir{f: os.NewFile(uintptr(fd), root)}, nil
}

// openDir opens the folder rel (a slash path) under root, one name at a
// time without following a symlink; with create, missing folders are made.
// A missing folder is an error satisfying errors.Is(err, fs.ErrNotExist).
func openDir(root, rel string, create bool) (*dir, error) {
	d, err := openRoot(root)
	if err != nil {
		return nil, err
	}
	for _, name := range strings.Split(path.Clean(rel), "/") {
		if name == "." {
			continue
		}
		if name == ".." {
			d.Close()
			return nil, fmt.Errorf("%s is not a path inside the repository", rel)
		}
		if create {
			if err := unix.Mkdirat(d.fd(), name, 0o755); err != nil && err != unix.EEXIST {
				d.Close()
				return nil, &os.PathError{Op: "mkdir", Path: d.join(name), Err: err}
			}
		}
		sub, err := d.sub(name)
		d.Close()
		if err != nil {
			return nil, err
		}
		d = sub
	}
	return d, nil
}

// sub opens the folder name in d.
func (d *dir) sub(name string) (*dir, error) {
	fd, err := unix.Openat(d.fd(), name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		if kind, kerr := d.kind(name); kerr == nil && kind == unix.S_IFREG {
			return nil, fmt.Errorf("%s is a file, not a folder", d.join(name))
		}
		return nil, d.explain(name, "open", err)
	}
	return &dir{f: os.NewFile(uintptr(fd), d.join(name)), rel: d.join(name)}, nil
}

// kind is what name in d is, not following a symlink: unix.S_IFDIR,
// S_IFREG, S_IFLNK, ...
func (d *dir) kind(name string) (uint32, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(d.fd(), name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return 0, &os.PathError{Op: "lstat", Path: d.join(name), Err: err}
	}
	return uint32(st.Mode) & unix.S_IFMT, nil
}

// typeError says why name in d is neither a folder nor a regular file, or
// returns nil when it is one.
func (d *dir) typeError(name string, kind uint32) error {
	switch kind {
	case unix.S_IFDIR, unix.S_IFREG:
		return nil
	case unix.S_IFLNK:
		return &linkError{path: d.join(name)}
	case unix.S_IFIFO:
		return &specialError{path: d.join(name), kind: "named pipe (FIFO)"}
	case unix.S_IFSOCK:
		return &specialError{path: d.join(name), kind: "socket"}
	default:
		return &specialError{path: d.join(name), kind: "device"}
	}
}

// explain turns a failed openat of name in d into a message a person can
// act on: O_NOFOLLOW's ELOOP (or O_DIRECTORY's ENOTDIR) names the symlink.
func (d *dir) explain(name, op string, err error) error {
	if kind, kerr := d.kind(name); kerr == nil {
		if terr := d.typeError(name, kind); terr != nil {
			return terr
		}
	}
	return &os.PathError{Op: op, Path: d.join(name), Err: err}
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
	if kind := uint32(st.Mode) & unix.S_IFMT; kind != unix.S_IFREG {
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
		return nil, 0, fmt.Errorf("%s is larger than %d MiB; lexgen renders no file that large: delete it and run 'lexgen render'", d.join(name), maxFileSize>>20)
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

// readTree reads every regular file under the entry rel (a slash path from
// root), keyed by its slash path relative to rel; when rel is itself a
// regular file, its key is "". A missing entry is an empty tree. A symlink,
// FIFO, device or socket anywhere is an error.
func readTree(root, rel string) (map[string]diskFile, error) {
	files := map[string]diskFile{}
	parent, err := openDir(root, path.Dir(rel), false)
	if errors.Is(err, fs.ErrNotExist) {
		return files, nil
	}
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	return files, parent.readEntry(path.Base(rel), "", files)
}

// readEntry adds the entry name of d, and everything under it, to files
// with keys prefixed by key.
func (d *dir) readEntry(name, key string, files map[string]diskFile) error {
	kind, err := d.kind(name)
	if errors.Is(err, fs.ErrNotExist) && key == "" {
		return nil
	}
	if err != nil {
		return err
	}
	if err := d.typeError(name, kind); err != nil {
		return err
	}
	if kind == unix.S_IFREG {
		data, mode, err := d.readFile(name)
		if err != nil {
			return err
		}
		files[key] = diskFile{data: data, mode: mode}
		return nil
	}
	sub, err := d.sub(name)
	if err != nil {
		return err
	}
	defer sub.Close()
	names, err := sub.names()
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := sub.readEntry(n, path.Join(key, n), files); err != nil {
			return err
		}
	}
	return nil
}

// readBeneath reads the regular file rel (a slash path) under root. A
// missing file or folder is an error satisfying errors.Is(err, fs.ErrNotExist).
func readBeneath(root, rel string) ([]byte, error) {
	d, err := openDir(root, path.Dir(rel), false)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	data, _, err := d.readFile(path.Base(rel))
	return data, err
}
