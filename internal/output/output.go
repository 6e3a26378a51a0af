// Package output writes rendered files into out/ atomically and compares
// them with what is on disk, for render, render --check and diff.
package output

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
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
		old, err := os.ReadFile(filepath.Join(root, f.Path))
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
	have, err := readTree(filepath.Join(root, dir))
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

// readTree reads every regular file under dir, keyed by its slash-separated
// path relative to dir. A missing dir is an empty tree.
func readTree(dir string) (map[string]diskFile, error) {
	files := map[string]diskFile{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == dir {
				return filepath.SkipDir
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = diskFile{data: data, mode: info.Mode().Perm()}
		return nil
	})
	return files, err
}

// staleEnvs lists entries of out/ that no environment renders. Entries whose
// name starts with a dot are lexgen's own bookkeeping and never stale.
func staleEnvs(root string, t Tree) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, OutDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var stale []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if _, ok := t.Envs[e.Name()]; !ok {
			stale = append(stale, e.Name())
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
	out := filepath.Join(root, OutDir)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return res, fmt.Errorf("cannot create %s: %w", OutDir, err)
	}
	unlock, err := lock(out)
	if err != nil {
		return res, err
	}
	defer unlock()
	if err := removeLeftovers(out); err != nil {
		return res, err
	}
	envs := sortedKeys(t.Envs)
	written := make([]bool, len(envs))
	err = forEach(len(envs), func(i int) error {
		cs, err := compareDir(root, filepath.Join(OutDir, envs[i]), t.Envs[envs[i]])
		if err == nil && len(cs) > 0 {
			err = replaceDir(out, envs[i], t.Envs[envs[i]])
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
			if err := removeAtomically(out, name); err != nil {
				return res, err
			}
			res.Removed = append(res.Removed, OutDir+"/"+name)
		}
	}
	for _, f := range t.Shared {
		p := filepath.Join(root, f.Path)
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, f.Data) {
			continue
		}
		if err := writeFileAtomically(p, f.Data); err != nil {
			return res, err
		}
		res.Shared = append(res.Shared, f.Path)
	}
	return res, nil
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

func removeLeftovers(out string) error {
	entries, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			if err := os.RemoveAll(filepath.Join(out, e.Name())); err != nil {
				return fmt.Errorf("cannot remove a leftover of an earlier render: %w", err)
			}
		}
	}
	return nil
}

func replaceDir(out, env string, files []render.File) error {
	tmp, err := os.MkdirTemp(out, tmpPrefix+env+"-")
	if err != nil {
		return fmt.Errorf("cannot write into %s: %w", out, err)
	}
	defer os.RemoveAll(tmp) // after the swap it holds the old folder
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
	dst := filepath.Join(out, env)
	err = unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, dst, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.ENOENT) {
		err = os.Rename(tmp, dst) // the first render of this environment
	}
	if err != nil {
		return fmt.Errorf("cannot move the new %s into place: %w", dst, err)
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

// removeAtomically renames a folder out of sight before deleting it, so it
// is either there whole or gone.
func removeAtomically(out, name string) error {
	tmp, err := os.MkdirTemp(out, tmpPrefix+"gone-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := os.Rename(filepath.Join(out, name), filepath.Join(tmp, name)); err != nil {
		return fmt.Errorf("cannot remove %s: %w", filepath.Join(out, name), err)
	}
	return nil
}

func writeFileAtomically(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".lexgen-*")
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
	return os.Rename(f.Name(), p)
}

// lock takes an exclusive lock on out/.lexgen.lock, waiting for another
// render to finish.
func lock(out string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(out, ".lexgen.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot write into %s: %w", out, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
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
