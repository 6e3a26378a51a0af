//go:build windows

package output

import (
	"os"

	"golang.org/x/sys/windows"
)

// lockFile takes an exclusive lock on the first byte of f, waiting for
// another holder (LockFileEx with LOCKFILE_EXCLUSIVE_LOCK and without
// LOCKFILE_FAIL_IMMEDIATELY; released when the handle is closed or the
// process ends, Win32 API reference: LockFileEx).
func lockFile(f *os.File) error {
	var ol windows.Overlapped
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, &ol)
}
