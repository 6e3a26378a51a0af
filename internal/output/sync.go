//go:build !darwin || lexgen_portable

package output

import "os"

// syncFile flushes a file lexgen has just written to disk (fsync(2);
// FlushFileBuffers on Windows); on macOS it is exchange_darwin.go's.
func syncFile(f *os.File) error { return f.Sync() }
