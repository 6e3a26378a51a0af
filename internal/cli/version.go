package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersion(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print lexgen's version and the CUE version it evaluates with",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			version, revision, cueVersion := "(devel)", "", "unknown"
			if bi, ok := debug.ReadBuildInfo(); ok {
				if bi.Main.Version != "" {
					version = bi.Main.Version
				}
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" {
						revision = s.Value
					}
				}
				for _, d := range bi.Deps {
					if d.Path == "cuelang.org/go" {
						cueVersion = d.Version
					}
				}
			}
			if revision != "" {
				version += " " + revision
			}
			fmt.Fprintf(g.stdout, "lexgen %s\ncue %s\n", version, cueVersion)
			return nil
		},
	}
}
