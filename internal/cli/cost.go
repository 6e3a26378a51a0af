package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lexecon/lexgen/internal/engine"
)

func newCost(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "cost [ENV...]",
		Short: "Estimate each environment's monthly AWS cost, line by line",
		Long: `cost multiplies out each environment (all when none is named) with the list
prices in schema/prices.cue: quantity x unit price = monthly, the assumption of
each line, and a total, beside the expectedMonthlyCost the environment states.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(cmd, format); err != nil {
				return err
			}
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
			all, err := engine.Costs(l.Envs)
			if err != nil {
				return failed("%v", err)
			}
			if format == "json" {
				return g.writeJSON(all)
			}
			for i, est := range all {
				if i > 0 {
					fmt.Fprintln(g.stdout)
				}
				if err := est.WriteText(g.stdout); err != nil {
					return err
				}
			}
			return nil
		},
	}
	formatFlag(cmd, &format)
	return cmd
}
