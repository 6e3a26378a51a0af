// Command lexgen generates the Lexecon deployment from envs/; see README.md.
package main

import (
	"os"
	"runtime/debug"

	"github.com/lexecon/lexgen/internal/cli"
)

func main() {
	// Measured (make bench): collecting garbage half as often saves a fifth
	// of a thousand-environment render; the soft limit keeps the heap well
	// under 512 MiB all the same. GOGC and GOMEMLIMIT still win if set.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(384 << 20)
	}
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
