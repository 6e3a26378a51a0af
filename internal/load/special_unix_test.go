//go:build unix

package load

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// mkfifo makes a named pipe at p.
func mkfifo(p string) error { return unix.Mkfifo(p, 0o644) }

// mknull makes a character device at p (1, 5: /dev/zero on Linux;
// any device serves: lexgen must not open it).
func mknull(p string) error { return unix.Mknod(p, unix.S_IFCHR|0o644, int(unix.Mkdev(1, 5))) }

// peakRSS is a finished process's peak resident memory in bytes.
func peakRSS(ps *os.ProcessState) (int64, bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, false
	}
	return int64(ru.Maxrss) << 10, true
}
