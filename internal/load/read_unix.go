//go:build unix && !lexgen_portable

package load

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/lexecon/lexgen/internal/fsmode"
)

// openSource opens envs/<name> under root for reading, following no
// symlink: envs/ is opened with O_NOFOLLOW, the file looked at (fstatat)
// before it is opened, so that opening has no side effect (a device's open
// may rewind a tape or hang up a line), then opened with O_NOFOLLOW and
// O_NONBLOCK (a FIFO put there meanwhile does not block) and checked again.
// When the entry is not a regular file, the file is nil and notReg says
// what it is.
func openSource(root, name string) (f *os.File, notReg string, err error) {
	dirfd, err := unix.Open(filepath.Join(root, EnvsDir), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		var st unix.Stat_t
		if unix.Lstat(filepath.Join(root, EnvsDir), &st) == nil && uint32(st.Mode)&unix.S_IFMT == unix.S_IFLNK {
			return nil, "", fmt.Errorf("%s is a symbolic link; lexgen reads environments only from a folder envs/ in the repository", EnvsDir)
		}
		return nil, "", &os.PathError{Op: "open", Path: filepath.Join(root, EnvsDir), Err: err}
	}
	defer unix.Close(dirfd)
	var st unix.Stat_t
	if err := unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return nil, "", &os.PathError{Op: "lstat", Path: filepath.Join(root, EnvsDir, name), Err: err}
	}
	if msg := notRegular(fsmode.Type(uint32(st.Mode))); msg != "" {
		return nil, msg, nil
	}
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ELOOP) {
		return nil, notRegular(fs.ModeSymlink), nil
	}
	if err != nil {
		return nil, "", &os.PathError{Op: "open", Path: filepath.Join(root, EnvsDir, name), Err: err}
	}
	f = os.NewFile(uintptr(fd), filepath.Join(root, EnvsDir, name))
	if err := unix.Fstat(fd, &st); err != nil {
		f.Close()
		return nil, "", &os.PathError{Op: "fstat", Path: f.Name(), Err: err}
	}
	if msg := notRegular(fsmode.Type(uint32(st.Mode))); msg != "" {
		f.Close()
		return nil, msg, nil
	}
	return f, "", nil
}
