package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newExplain(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "explain ENV PATH",
		Short: "Show a field's final value and every place that contributed to it",
		Long: `explain evaluates one environment and shows, for the field at PATH (such as
database.backupRetentionDays): the final value, every constraint and value that
contributed to it (the schema's type and bounds, policies, shared defaults, the
environment file) with file:line:col, and which one decided.`,
		Args: exactArgs(2, "an environment and a field path"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(cmd, format); err != nil {
				return err
			}
			r, err := g.repo()
			if err != nil {
				return err
			}
			if _, err := selectEnvs(cmd, r, args[:1]); err != nil {
				return err
			}
			x, diags := r.Explain(args[0], args[1])
			if len(diags) > 0 {
				fmt.Fprintln(g.stderr, diags.Error())
				return failed("cannot explain %s.%s", args[0], args[1])
			}
			if format == "json" {
				return g.writeJSON(x)
			}
			fmt.Fprintf(g.stdout, "%s = %s\n", x.Path, x.Value)
			if x.DecidedBy != nil {
				what := "set"
				if x.DecidedBy.Default {
					what = "the default"
				}
				fmt.Fprintf(g.stdout, "decided by %s (%s, %s)\n", x.DecidedBy.Position, x.DecidedBy.Kind, what)
			}
			fmt.Fprintln(g.stdout, "contributions:")
			tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
			for _, c := range x.Contributions {
				fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Position, c.Kind, c.Source)
			}
			return tw.Flush()
		},
	}
	formatFlag(cmd, &format)
	return cmd
}
