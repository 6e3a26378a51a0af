package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionText is lexgen's module version and VCS revision (from the build
// information the go command records), and the CUE version it evaluates
// with. A binary built with -buildvcs=false, or outside a checkout, says so
// rather than printing a bare "(devel)".
func versionText() string {
	version, revision, cueVersion := "(devel)", "revision unknown: built without VCS information", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		var rev, at, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if rev != "" {
			revision = "revision " + rev
			if at != "" {
				revision += " of " + at
			}
			if modified == "true" {
				revision += ", with uncommitted changes"
			}
		}
		for _, d := range bi.Deps {
			if d.Path == "cuelang.org/go" {
				cueVersion = d.Version
			}
		}
	}
	return fmt.Sprintf("lexgen %s (%s)\ncue %s\n", version, revision, cueVersion)
}

func newVersion(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print lexgen's version and revision, and the CUE version it evaluates with",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprint(g.stdout, versionText())
			return nil
		},
	}
}
