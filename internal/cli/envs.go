package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newEnvs(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "envs",
		Short: "List the environments defined in envs/",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := g.repo()
			if err != nil {
				return err
			}
			for _, n := range r.Names() {
				fmt.Fprintln(g.stdout, n)
			}
			return nil
		},
	}
}
