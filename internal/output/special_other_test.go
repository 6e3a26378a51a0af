//go:build !unix

package output

import "errors"

// mkfifo: no named pipes in the file system here (Windows); the cases
// that need one are skipped.
func mkfifo(p string) error { return errors.ErrUnsupported }
