package output

import "golang.org/x/sys/unix"

// exchange swaps the entries a and b of the folder dirfd in one step
// (renameatx_np(2) with RENAME_SWAP, macOS 10.12+); ENOENT when b is missing.
func exchange(dirfd int, a, b string) error {
	return unix.RenameatxNp(dirfd, a, dirfd, b, unix.RENAME_SWAP)
}
