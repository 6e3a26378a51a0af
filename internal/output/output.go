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
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

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
// a temporary folder beside it, flushed to disk, and swapped into place
// (swapIn: one atomic exchange on Linux and macOS, two renames elsewhere),
// so a reader, a crash or a power cut finds either the old folder or the
// new one, never a mix. Folders that are already current are not touched.
// A lock on out/.lexgen.lock keeps two renders from interleaving.
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
	// First every changed environment is rendered into a temporary folder
	// beside its own; then all of it is made durable at once; only then is
	// each swapped into place, so that a power cut after a swap finds the
	// new folder whole, never a folder of empty or half-written files.
	tmps := make([]string, len(envs)) // "" where out/<env> is current
	err = forEach(len(envs), func(i int) (err error) {
		cs, err := compareDir(root, filepath.Join(OutDir, envs[i]), t.Envs[envs[i]])
		if err == nil && len(cs) > 0 {
			tmps[i], err = renderDir(root, out, envs[i], t.Envs[envs[i]])
		}
		return err
	})
	changed := slices.ContainsFunc(tmps, func(t string) bool { return t != "" })
	if err == nil && changed {
		err = flushAll(out)
	}
	if err != nil {
		return res, errors.Join(err, removeTemps(root, out, tmps))
	}
	olds := make([]string, len(envs)) // what holds the previous rendering after the swap
	err = forEach(len(envs), func(i int) (err error) {
		if tmps[i] != "" {
			olds[i], err = swapIn(out, tmps[i], envs[i])
			if err != nil {
				olds[i] = tmps[i] // not swapped: the new rendering goes
			}
		}
		return err
	})
	// The renames themselves must survive a power cut before the previous
	// renderings are deleted.
	if changed {
		if serr := out.sync(); serr != nil {
			err = errors.Join(err, fmt.Errorf("cannot flush %s to disk: %w", OutDir, serr))
		}
	}
	for i, old := range olds {
		if old == "" {
			continue
		}
		if rerr := removeAll(filepath.Join(root, OutDir, old)); rerr != nil {
			err = errors.Join(err, fmt.Errorf("cannot remove %s (the previous %s, swapped out by this render): %v; delete it by hand", out.join(old), out.join(envs[i]), cause(rerr)))
		}
	}
	if err != nil {
		return res, err
	}
	written := make([]bool, len(envs))
	for i := range envs {
		written[i] = tmps[i] != ""
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

// removeLeftovers deletes lexgen's temporary folders in out/, and repairs
// a rename-based swap that a killed render left half done (swapByRename).
// One it cannot delete is an error now and at every later render, until a
// person deletes it: nothing is ever left behind silently.
func removeLeftovers(root string, out *dir) error {
	names, err := out.names()
	if err != nil {
		return err
	}
	for _, name := range names {
		if !strings.HasPrefix(name, asidePrefix) {
			continue
		}
		env := strings.TrimPrefix(name, asidePrefix)
		if _, err := out.kind(env); errors.Is(err, fs.ErrNotExist) {
			// Killed between the two renames: the previous rendering
			// goes back into place.
			if err := out.rename(name, env); err != nil {
				return fmt.Errorf("cannot move %s, the previous %s that an earlier render left aside, back into place: %v; rename it by hand", out.join(name), out.join(env), cause(err))
			}
			continue
		}
		if err := removeAll(filepath.Join(root, OutDir, name)); err != nil {
			return fmt.Errorf("cannot remove %s, a leftover of an earlier render: %v; delete it by hand", out.join(name), cause(err))
		}
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

// removeTemps deletes the temporary folders of a render that failed
// before swapping anything.
func removeTemps(root string, out *dir, tmps []string) error {
	var errs []error
	for _, tmp := range tmps {
		if tmp == "" {
			continue
		}
		if err := removeAll(filepath.Join(root, OutDir, tmp)); err != nil {
			errs = append(errs, fmt.Errorf("cannot remove %s: %v; delete it by hand", out.join(tmp), cause(err)))
		}
	}
	return errors.Join(errs...)
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

// renderDir renders files into a new temporary folder in out/ and returns
// its name. Where there is no syncAll, each file and folder is synced as it
// is written.
func renderDir(root string, out *dir, env string, files []render.File) (name string, err error) {
	tmp, err := os.MkdirTemp(filepath.Join(root, OutDir), tmpPrefix+env+"-")
	if err != nil {
		return "", fmt.Errorf("cannot write into %s: %w", OutDir, err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, removeAll(tmp))
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", err
	}
	made := map[string]bool{tmp: true}
	dirs := []string{tmp}
	for _, f := range files {
		p := filepath.Join(tmp, filepath.FromSlash(f.Path))
		if dir := filepath.Dir(p); !made[dir] {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return "", err
			}
			for d := dir; !made[d]; d = filepath.Dir(d) {
				made[d] = true
				dirs = append(dirs, d)
			}
		}
		if err := writeNew(p, f.Data, f.Perm()); err != nil {
			return "", err
		}
	}
	if syncEachFile {
		for _, d := range dirs {
			if err := syncPath(d); err != nil {
				return "", err
			}
		}
	}
	return filepath.Base(tmp), nil
}

// writeNew writes a new file with the permission bits perm, whatever the
// umask, synced to disk where there is no syncAll.
func writeNew(p string, data []byte, perm fs.FileMode) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil && perm&umask != 0 { // the umask took bits the file needs
		err = f.Chmod(perm)
	}
	if err == nil && syncEachFile {
		err = syncFile(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncPath flushes the folder p (one lexgen has just made) to disk;
// Windows cannot (see dir.sync) and journals the folder instead.
func syncPath(p string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return syncFile(f)
}

// swapIn puts the temporary folder tmp in place of out/<env> and returns
// the name that now holds the previous rendering ("" when there was none).
// Where the system swaps two names in one step (Linux, macOS), a reader
// sees the old folder or the new one, never neither; elsewhere it is
// swapByRename.
func swapIn(out *dir, tmp, env string) (old string, err error) {
	err = out.exchange(tmp, env)
	switch {
	case err == nil:
		return tmp, nil
	case errors.Is(err, fs.ErrNotExist):
		// The first render of this environment.
		if err := out.rename(tmp, env); err != nil {
			return "", fmt.Errorf("cannot move the new %s into place: %w", out.join(env), err)
		}
		return "", nil
	case errors.Is(err, errNoExchange):
		return swapByRename(out, tmp, env)
	default:
		return "", fmt.Errorf("cannot move the new %s into place: %w", out.join(env), err)
	}
}

// asidePrefix names the previous rendering while swapByRename moves the
// new one into place: .lexgen-old-<env>.
const asidePrefix = ".lexgen-old-"

// swapByRename swaps with two renames where no call swaps two names (Windows,
// the BSDs, a file system without renameat2's RENAME_EXCHANGE): out/<env>
// is renamed to out/.lexgen-old-<env>, then the new folder to out/<env>.
// Between the two, out/<env> is missing for an instant: a reader then finds
// no folder, never a mix of old and new files. If lexgen is killed there,
// the next lexgen that writes (which takes the same lock first) renames
// .lexgen-old-<env> back (removeLeftovers): the old folder, whole. If the
// second rename fails, the first is undone at once.
func swapByRename(out *dir, tmp, env string) (old string, err error) {
	aside := asidePrefix + env
	if err := out.rename(env, aside); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			aside = "" // the first render of this environment
		} else {
			return "", fmt.Errorf("cannot move the previous %s aside: %w", out.join(env), err)
		}
	}
	if err := out.rename(tmp, env); err != nil {
		if aside != "" {
			if uerr := out.rename(aside, env); uerr != nil {
				err = errors.Join(err, fmt.Errorf("cannot move %s back to %s: %w; rename it by hand", out.join(aside), out.join(env), uerr))
			}
		}
		return "", fmt.Errorf("cannot move the new %s into place: %w", out.join(env), err)
	}
	return aside, nil
}

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
	if err := out.rename(name, filepath.Base(tmp)+"/"+name); err != nil {
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
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := d.rename(filepath.Base(f.Name()), path.Base(rel)); err != nil {
		return err
	}
	return d.sync()
}

// ErrExist is CreateFile's error when the file is already there.
var ErrExist = fs.ErrExist

// CreateFile writes rel (a slash path under root), mode 0644, only if
// nothing is there yet: the data goes to a temporary file that is then
// hard-linked to rel, which fails if rel exists (a link never replaces), so
// a file created meanwhile is never overwritten and rel never holds part
// of data. As for WriteFile, no folder on the way may be a symlink.
func CreateFile(root, rel string, data []byte) error {
	d, err := openDir(root, path.Dir(rel), true)
	if err != nil {
		return err
	}
	defer d.Close()
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
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	err = d.link(filepath.Base(f.Name()), path.Base(rel))
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s already exists: %w", rel, ErrExist)
	}
	if err != nil {
		return err
	}
	return d.sync()
}

// lock takes an exclusive lock on out/.lexgen.lock, waiting for another
// render to finish (flock on Unix, LockFileEx on Windows: lock_*.go).
func lock(out *dir) (func(), error) {
	f, err := out.openLock(".lexgen.lock")
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot lock %s: %w", out.join(".lexgen.lock"), err)
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

// flushAll is syncAll; tests replace it to see what is on disk when it runs.
var flushAll = syncAll

// removeAll is os.RemoveAll; tests replace it to make a removal fail.
var removeAll = os.RemoveAll
