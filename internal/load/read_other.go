//go:build !unix || lexgen_portable

package load

import (
	"fmt"
	"os"
	"path/filepath"
)

// openSource opens envs/<name> under root for reading, following no
// symlink, where there is no openat(2) with O_NOFOLLOW (Windows): envs/
// and the file are looked at (Lstat) first, opened through an os.Root
// (which resolves nothing outside envs/), and checked (os.SameFile) to be
// what was looked at, so a symlink swapped in between is refused too. When
// the entry is not a regular file, the file is nil and notReg says what it
// is. The build tag lexgen_portable selects this code on Linux too, for
// its tests.
func openSource(root, name string) (f *os.File, notReg string, err error) {
	envs := filepath.Join(root, EnvsDir)
	seenDir, err := os.Lstat(envs)
	if err != nil {
		return nil, "", err
	}
	if seenDir.Mode().Type()&os.ModeSymlink != 0 {
		return nil, "", fmt.Errorf("%s is a symbolic link; lexgen reads environments only from a folder envs/ in the repository", EnvsDir)
	}
	r, err := os.OpenRoot(envs)
	if err != nil {
		return nil, "", err
	}
	defer r.Close()
	if opened, err := r.Stat("."); err != nil || !os.SameFile(seenDir, opened) {
		return nil, "", fmt.Errorf("%s changed while lexgen opened it; run lexgen again", EnvsDir)
	}
	seen, err := r.Lstat(name)
	if err != nil {
		return nil, "", err
	}
	if msg := notRegular(seen.Mode().Type()); msg != "" {
		return nil, msg, nil
	}
	f, err = r.Open(name)
	if err != nil {
		return nil, "", err
	}
	if opened, err := f.Stat(); err != nil || !os.SameFile(seen, opened) {
		f.Close()
		return nil, "", fmt.Errorf("%s/%s changed while lexgen opened it (a symbolic link put in its place?); run lexgen again", EnvsDir, name)
	}
	return f, "", nil
}
