package output

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// out/ is committed, so anyone with a pull request can put anything in it:
// a symlink to ~/.aws/credentials, or out/ itself as a symlink to a folder
// elsewhere. Everything below the repository root is therefore reached one
// name at a time from an open folder, and a symlink anywhere is refused:
// lexgen never reads, prints, writes or deletes through one. The
// repository root itself is trusted (the user names it).
//
// How a folder is held open is the platform's: on Unix (Linux, macOS) an
// open descriptor and openat(2) with O_NOFOLLOW (nofollow_unix.go);
// elsewhere (Windows) an os.Root, with every name looked at (Lstat) before
// it is opened and the opened file checked to be the one looked at
// (nofollow_other.go).

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

// errNoExchange is a dir's exchange where the system cannot swap two
// entries in one step: the caller falls back to swapByRename.
var errNoExchange = errors.New("no atomic exchange of two names here")

// isRegular says a kind (fs.FileMode type bits, as dir.kind returns) is a
// regular file's.
func isRegular(kind fs.FileMode) bool { return kind&fs.ModeType == 0 }

func (d *dir) join(name string) string {
	if d.rel == "" {
		return name
	}
	return d.rel + "/" + name
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
			if err := d.mkdir(name); err != nil {
				d.Close()
				return nil, err
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

// typeError says why name in d is neither a folder nor a regular file, or
// returns nil when it is one.
func (d *dir) typeError(name string, kind fs.FileMode) error {
	switch {
	case kind&fs.ModeType == 0, kind&fs.ModeType == fs.ModeDir:
		return nil
	case kind&fs.ModeSymlink != 0:
		return &linkError{path: d.join(name)}
	case kind&fs.ModeNamedPipe != 0:
		return &specialError{path: d.join(name), kind: "named pipe (FIFO)"}
	case kind&fs.ModeSocket != 0:
		return &specialError{path: d.join(name), kind: "socket"}
	default:
		return &specialError{path: d.join(name), kind: "device"}
	}
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
	if isRegular(kind) {
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

// tooLarge is readFile's error for a file over maxFileSize.
func (d *dir) tooLarge(name string) error {
	return fmt.Errorf("%s is larger than %d MiB; lexgen renders no file that large: delete it and run 'lexgen render'", d.join(name), maxFileSize>>20)
}

// explain turns a failed open of name in d into a message a person can
// act on: a symlink, FIFO or device there is named as such.
func (d *dir) explain(name, op string, err error) error {
	if kind, kerr := d.kind(name); kerr == nil {
		if terr := d.typeError(name, kind); terr != nil {
			return terr
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &fs.PathError{Op: op, Path: d.join(name), Err: err}
}
