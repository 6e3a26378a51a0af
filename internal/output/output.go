// Package output writes rendered files into out/ atomically and compares
// them with what is on disk, for render, render --check and diff.
package output

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/lexecon/lexgen/internal/render"
)

// OutDir is the folder lexgen owns, relative to the repository root.
const OutDir = "out"

// Tree is what lexgen wants on disk: each environment's files under
// out/<env>/, and the shared files it generates elsewhere in the repository.
type Tree struct {
	Envs   map[string][]render.File
	Shared []render.File
	// Complete says Envs holds every environment, so any other folder in
	// out/ belongs to an environment that no longer exists.
	Complete bool
}

// Kind is how a file on disk differs from the rendered one.
type Kind string

const (
	Missing Kind = "missing" // rendered, not on disk
	Changed Kind = "changed" // on disk with other contents
	Extra   Kind = "extra"   // on disk, no longer rendered
)

// Change is one file that is not as lexgen would render it. Path is
// relative to the repository root, with forward slashes.
type Change struct {
	Kind     Kind
	Path     string
	Old, New []byte
}

// Compare lists every difference between t and the files under root, in
// path order. It changes nothing.
func Compare(root string, t Tree) ([]Change, error) {
	if err := checkPaths(t); err != nil {
		return nil, err
	}
	envs := sortedKeys(t.Envs)
	perEnv := make([][]Change, len(envs))
	err := forEach(len(envs), func(i int) (err error) {
		perEnv[i], err = compareDir(root, filepath.Join(OutDir, envs[i]), t.Envs[envs[i]])
		return err
	})
	if err != nil {
		return nil, err
	}
	var changes []Change
	for _, cs := range perEnv {
		changes = append(changes, cs...)
	}
	if t.Complete {
		stale, err := staleEnvs(root, t)
		if err != nil {
			return nil, err
		}
		for _, dir := range stale {
			cs, err := compareDir(root, filepath.Join(OutDir, dir), nil)
			if err != nil {
				return nil, err
			}
			changes = append(changes, cs...)
		}
	}
	for _, f := range t.Shared {
		old, err := readBeneath(root, f.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			changes = append(changes, Change{Kind: Missing, Path: f.Path, New: f.Data})
		case err != nil:
			return nil, err
		case !bytes.Equal(old, f.Data):
			changes = append(changes, Change{Kind: Changed, Path: f.Path, Old: old, New: f.Data})
		}
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Path < changes[j].Path })
	return changes, nil
}

// compareDir compares the files under root/dir with want.
func compareDir(root, dir string, want []render.File) ([]Change, error) {
	have, err := readTree(root, filepath.ToSlash(dir))
	if err != nil {
		return nil, err
	}
	return diffFiles(dir, have, want), nil
}

// CompareRendered lists what changes in out/<env> from one rendering of an
// environment to another (as review shows it), in path order.
func CompareRendered(env string, old, cur []render.File) []Change {
	have := map[string]diskFile{}
	for _, f := range old {
		have[f.Path] = diskFile{data: f.Data, mode: f.Perm()}
	}
	changes := diffFiles(filepath.Join(OutDir, env), have, cur)
	sort.Slice(changes, func(i, j int) bool { return changes[i].Path < changes[j].Path })
	return changes
}

// diffFiles compares files that are in dir (have, by path relative to dir)
// with the rendered ones (want): contents and the executable bit.
func diffFiles(dir string, have map[string]diskFile, want []render.File) []Change {
	var changes []Change
	for _, f := range want {
		p := filepath.ToSlash(filepath.Join(dir, f.Path))
		old, ok := have[f.Path]
		switch {
		case !ok:
			changes = append(changes, Change{Kind: Missing, Path: p, New: f.Data})
		case !bytes.Equal(old.data, f.Data) || executable(old.mode) != executable(f.Perm()):
			changes = append(changes, Change{Kind: Changed, Path: p, Old: old.data, New: f.Data})
		}
		delete(have, f.Path)
	}
	for rel, old := range have {
		changes = append(changes, Change{Kind: Extra, Path: filepath.ToSlash(filepath.Join(dir, rel)), Old: old.data})
	}
	return changes
}

type diskFile struct {
	data []byte
	mode fs.FileMode
}

// executable is the one permission bit Git records, and so the one compared.
func executable(m fs.FileMode) bool { return m&0o100 != 0 }

// staleEnvs lists entries of out/ that no environment renders. Entries whose
// name starts with a dot are lexgen's own bookkeeping and never stale.
func staleEnvs(root string, t Tree) ([]string, error) {
	out, err := openDir(root, OutDir, false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer out.Close()
	names, err := out.names()
	if err != nil {
		return nil, err
	}
	var stale []string
	for _, name := range names {
		if strings.HasPrefix(name, ".") {
			continue
		}
		if _, ok := t.Envs[name]; !ok {
			stale = append(stale, name)
		}
	}
	return stale, nil
}

// Result says what Write did to each environment's folder.
type Result struct {
	Written   []string // out/<env> folders replaced or created
	Unchanged []string // out/<env> folders already as rendered
	Removed   []string // out/<env> folders of environments that are gone
	Shared    []string // shared files written
}

// Write makes the disk match t. Each out/<env> folder is rendered whole into
// a temporary folder beside it and swapped into place with one atomic
// rename, so a reader (or a crash) sees either the old folder or the new one,
// never a mix. Folders that are already current are not touched. A lock on
// out/.lexgen.lock keeps two renders from interleaving.
func Write(root string, t Tree) (Result, error) {
	var res Result
	if err := checkPaths(t); err != nil {
		return res, err
	}
	out, err := openDir(root, OutDir, true)
	var link *linkError
	if err != nil && !errors.As(err, &link) {
		return res, fmt.Errorf("cannot create %s: %w", OutDir, err)
	}
	if err != nil {
		return res, err
	}
	defer out.Close()
	unlock, err := lock(out)
	if err != nil {
		return res, err
	}
	defer unlock()
	if err := removeLeftovers(root, out); err != nil {
		return res, err
	}
	envs := sortedKeys(t.Envs)
	written := make([]bool, len(envs))
	err = forEach(len(envs), func(i int) error {
		cs, err := compareDir(root, filepath.Join(OutDir, envs[i]), t.Envs[envs[i]])
		if err == nil && len(cs) > 0 {
			err = replaceDir(root, out, envs[i], t.Envs[envs[i]])
			written[i] = err == nil
		}
		return err
	})
	if err != nil {
		return res, err
	}
	for i, env := range envs {
		if written[i] {
			res.Written = append(res.Written, OutDir+"/"+env)
		} else {
			res.Unchanged = append(res.Unchanged, OutDir+"/"+env)
		}
	}
	if t.Complete {
		stale, err := staleEnvs(root, t)
		if err != nil {
			return res, err
		}
		for _, name := range stale {
			// Refuses a symlink, FIFO or device in it, as Compare does.
			if _, err := readTree(root, OutDir+"/"+name); err != nil {
				return res, err
			}
			if err := removeAtomically(root, out, name); err != nil {
				return res, err
			}
			res.Removed = append(res.Removed, OutDir+"/"+name)
		}
	}
	for _, f := range t.Shared {
		old, err := readBeneath(root, f.Path)
		if err == nil && bytes.Equal(old, f.Data) {
			continue
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return res, err
		}
		if err := WriteFile(root, f.Path, f.Data); err != nil {
			return res, err
		}
		res.Shared = append(res.Shared, f.Path)
	}
	return res, nil
}

// checkPaths refuses a tree naming anything outside out/<env>/ (or, for a
// shared file, outside the repository). The loader lets no such name
// through; this keeps a mistake there from reaching the file system.
func checkPaths(t Tree) error {
	for env, files := range t.Envs {
		if env == "" || strings.HasPrefix(env, ".") || strings.ContainsAny(env, `/\`) {
			return fmt.Errorf("environment name %q cannot name a folder of out/", env)
		}
		for _, f := range files {
			if !filepath.IsLocal(filepath.FromSlash(f.Path)) {
				return fmt.Errorf("%s is not a path inside out/%s/", f.Path, env)
			}
		}
	}
	for _, f := range t.Shared {
		if !filepath.IsLocal(filepath.FromSlash(f.Path)) {
			return fmt.Errorf("%s is not a path inside the repository", f.Path)
		}
	}
	return nil
}

// writers is how many environments are compared and written at once: the
// time goes into file-system calls, which overlap well.
const writers = 4

// forEach calls f(0) ... f(n-1) on a few goroutines and joins the errors.
func forEach(n int, f func(i int) error) error {
	errs := make([]error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(writers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

// tmpPrefix marks lexgen's temporary folders in out/; any found while the
// lock is held were left by a render that was killed.
const tmpPrefix = ".lexgen-tmp-"

// removeLeftovers deletes lexgen's temporary folders in out/. One it
// cannot delete is an error now and at every later render, until a person
// deletes it: nothing is ever left behind silently.
func removeLeftovers(root string, out *dir) error {
	names, err := out.names()
	if err != nil {
		return err
	}
	for _, name := range names {
		if strings.HasPrefix(name, tmpPrefix) {
			// os.RemoveAll unlinks a symlink, never what it points to.
			if err := removeAll(filepath.Join(root, OutDir, name)); err != nil {
				return fmt.Errorf("cannot remove %s, a leftover of an earlier render: %v; delete it by hand", out.join(name), cause(err))
			}
		}
	}
	return nil
}

// cause is the reason of a file-system error, without the absolute path
// that the message already names relative to the repository.
func cause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// replaceDir renders files into a temporary folder in out/ and swaps it
// with out/<env> in one rename; the previous rendering, then in the
// temporary folder, is deleted, and failing to delete it is an error.
func replaceDir(root string, out *dir, env string, files []render.File) (err error) {
	tmp, err := os.MkdirTemp(filepath.Join(root, OutDir), tmpPrefix+env+"-")
	if err != nil {
		return fmt.Errorf("cannot write into %s: %w", OutDir, err)
	}
	tmpName := filepath.Base(tmp)
	defer func() {
		if rerr := removeAll(tmp); rerr != nil {
			err = errors.Join(err, fmt.Errorf("cannot remove %s (the previous %s, swapped out by this render): %v; delete it by hand", out.join(tmpName), out.join(env), cause(rerr)))
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	made := map[string]bool{tmp: true}
	for _, f := range files {
		p := filepath.Join(tmp, filepath.FromSlash(f.Path))
		if dir := filepath.Dir(p); !made[dir] {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			made[dir] = true
		}
		if err := os.WriteFile(p, f.Data, f.Perm()); err != nil {
			return err
		}
		if f.Perm()&umask != 0 { // the umask took bits the file needs
			if err := os.Chmod(p, f.Perm()); err != nil {
				return err
			}
		}
	}
	err = exchange(out.fd(), tmpName, env)
	if errors.Is(err, unix.ENOENT) {
		err = unix.Renameat(out.fd(), tmpName, out.fd(), env) // the first render of this environment
	}
	if err != nil {
		return fmt.Errorf("cannot move the new %s into place: %w", out.join(env), err)
	}
	return nil
}

// umask is the process's file mode creation mask, read once at start (it
// can only be read by setting it).
var umask = func() fs.FileMode {
	m := unix.Umask(0)
	unix.Umask(m)
	return fs.FileMode(m)
}()

// removeAtomically renames an entry of out/ out of sight before deleting
// it, so it is either there whole or gone; failing to delete it is an error.
func removeAtomically(root string, out *dir, name string) (err error) {
	tmp, err := os.MkdirTemp(filepath.Join(root, OutDir), tmpPrefix+"gone-")
	if err != nil {
		return err
	}
	defer func() {
		if rerr := removeAll(tmp); rerr != nil {
			err = errors.Join(err, fmt.Errorf("cannot remove %s (holding %s, of an environment that no longer exists): %v; delete it by hand", out.join(filepath.Base(tmp)), out.join(name), cause(rerr)))
		}
	}()
	if err := unix.Renameat(out.fd(), name, out.fd(), filepath.Base(tmp)+"/"+name); err != nil {
		return fmt.Errorf("cannot remove %s: %w", out.join(name), err)
	}
	return nil
}

// WriteFile writes rel (a slash path under root) through a temporary file
// renamed over it, mode 0644; no folder on the way may be a symlink, and a
// symlink or special file at rel is refused, not followed.
func WriteFile(root, rel string, data []byte) error {
	d, err := openDir(root, path.Dir(rel), true)
	if err != nil {
		return err
	}
	defer d.Close()
	if kind, err := d.kind(path.Base(rel)); err == nil {
		if err := d.typeError(path.Base(rel), kind); err != nil {
			return err
		}
	}
	f, err := os.CreateTemp(filepath.Join(root, filepath.FromSlash(path.Dir(rel))), ".lexgen-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return unix.Renameat(d.fd(), filepath.Base(f.Name()), d.fd(), path.Base(rel))
}

// lock takes an exclusive lock on out/.lexgen.lock, waiting for another
// render to finish.
func lock(out *dir) (func(), error) {
	fd, err := unix.Openat(out.fd(), ".lexgen.lock", unix.O_CREAT|unix.O_RDWR|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, out.explain(".lexgen.lock", "create", err)
	}
	f := os.NewFile(uintptr(fd), out.join(".lexgen.lock"))
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot lock %s: %w", f.Name(), err)
	}
	return func() { f.Close() }, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// removeAll is os.RemoveAll; tests replace it to make a removal fail.
var removeAll = os.RemoveAll
