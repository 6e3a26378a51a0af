//go:build !lexgen_portable

package output

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// exchange swaps the entries a and b of the folder dirfd in one step
// (renameatx_np(2) with RENAME_SWAP, macOS 10.12+); ENOENT when b is
// missing; a file system without it (ENOTSUP) gets errNoExchange, and the
// rename-based swap.
func exchange(dirfd int, a, b string) error {
	err := unix.RenameatxNp(dirfd, a, dirfd, b, unix.RENAME_SWAP)
	if errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EINVAL) {
		return errNoExchange
	}
	return err
}

// macOS has no syncfs. Its fsync(2) moves a file's data to the drive but
// not out of the drive's cache; the F_FULLFSYNC fcntl "asks the drive to
// flush all buffered data to permanent storage" (fsync(2), macOS manual),
// for the whole drive, which takes milliseconds. So each file and folder
// gets a plain fsync as it is written (syncFile, syncEachFile) and the
// drive one F_FULLFSYNC before the swap (syncAll), not one per file.
func syncAll(d *dir) error {
	_, err := unix.FcntlInt(uintptr(d.fd()), unix.F_FULLFSYNC, 0)
	return err
}

// syncFile is fsync(2) itself: os.File.Sync on macOS is F_FULLFSYNC.
func syncFile(f *os.File) error { return unix.Fsync(int(f.Fd())) }

const syncEachFile = true
