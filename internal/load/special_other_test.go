//go:build !unix

package load

import (
	"errors"
	"os"
)

// mkfifo: no named pipes in the file system here (Windows); the cases
// that need one are skipped.
func mkfifo(p string) error { return errors.ErrUnsupported }

// mknull: no device files here.
func mknull(p string) error { return errors.ErrUnsupported }

// peakRSS: not measured here.
func peakRSS(ps *os.ProcessState) (int64, bool) { return 0, false }
