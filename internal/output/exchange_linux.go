package output

import "golang.org/x/sys/unix"

// exchange swaps the entries a and b of the folder dirfd in one step
// (renameat2(2) with RENAME_EXCHANGE, Linux 3.15+); ENOENT when b is missing.
func exchange(dirfd int, a, b string) error {
	return unix.Renameat2(dirfd, a, dirfd, b, unix.RENAME_EXCHANGE)
}
