//go:build !lexgen_portable

package output

import (
	"errors"

	"golang.org/x/sys/unix"
)

// exchange swaps the entries a and b of the folder dirfd in one step
// (renameat2(2) with RENAME_EXCHANGE, Linux 3.15+); ENOENT when b is
// missing. A file system without it (EINVAL, renameat2(2): "RENAME_EXCHANGE
// was specified and the filesystem does not support it"; ENOSYS on an old
// kernel) gets errNoExchange, and the rename-based swap.
func exchange(dirfd int, a, b string) error {
	err := unix.Renameat2(dirfd, a, dirfd, b, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		return errNoExchange
	}
	return err
}

// syncAll makes everything written under d durable in one call: syncfs(2)
// flushes the file system holding d, one call for every file and folder of
// every environment (a per-file fsync would be one call a file).
func syncAll(d *dir) error {
	return unix.Syncfs(d.fd())
}

// syncEachFile says whether each file is synced as it is written (where
// there is no syncAll).
const syncEachFile = false
