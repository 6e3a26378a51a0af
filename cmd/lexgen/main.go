// Command lexgen generates the Lexecon deployment from envs/; see README.md.
package main

import (
	"os"

	"github.com/lexecon/lexgen/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
