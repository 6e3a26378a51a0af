package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newValidate(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate [ENV...]",
		Short: "Check environments against the schema and its policies",
		Long: `validate evaluates each named environment (all when none is named) on its own
against schema/ and reports every error with its value path and the source
positions that contributed. It writes nothing.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := g.repo()
			if err != nil {
				return err
			}
			names, err := selectEnvs(cmd, r, args)
			if err != nil {
				return err
			}
			l, err := g.loadValid(r, names)
			if err != nil {
				return err
			}
			warned := ""
			if l.warnings > 0 {
				warned = " (" + plural(l.warnings, "warning") + ")"
			}
			fmt.Fprintf(g.stdout, "%s valid: %s%s\n", plural(len(l.envs), "environment"), joinNames(names), warned)
			return nil
		},
	}
}
