package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/lexecon/lexgen/internal/engine"
)

func newCompare(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "compare ENV_A ENV_B",
		Short: "Show every model field that differs between two environments, and the cost difference",
		Args:  exactArgs(2, "two environments"),
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
			if len(names) != 2 {
				return usageErr(cmd, "name two different environments")
			}
			l, err := g.loadValid(r, names)
			if err != nil {
				return err
			}
			cmp, err := engine.Compare(l.Envs[0], l.Envs[1])
			if err != nil {
				return failed("%v", err)
			}
			if format == "json" {
				return g.writeJSON(cmp)
			}
			fields, cd := cmp.Differences, cmp.Cost
			fmt.Fprintf(g.stdout, "%s -> %s: %s differ; monthly cost $%.2f -> $%.2f (%+.2f)\n", cmp.A, cmp.B, plural(len(fields), "field"), cd.A, cd.B, cd.Delta)
			tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
			area := ""
			for _, f := range fields {
				if f.Area != area {
					area = f.Area
					fmt.Fprintf(tw, "\n%s\n", area)
				}
				fmt.Fprintf(tw, "  %s\t%s\t%s\n", f.Path, orNone(f.Old), orNone(f.New))
			}
			return tw.Flush()
		},
	}
	formatFlag(cmd, &format)
	return cmd
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
