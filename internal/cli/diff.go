package cli

import (
	"github.com/spf13/cobra"

	"github.com/lexecon/lexgen/internal/output"
)

func newDiff(g *globals) *cobra.Command {
	var exitCode bool
	cmd := &cobra.Command{
		Use:   "diff [ENV...]",
		Short: "Show as a unified diff what render would change",
		Long: `diff renders the named environments (all when none is named) in memory and
prints a unified diff from what is on disk to what render would write. It
writes nothing and exits 0, or 1 with --exit-code when there are differences.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, t, err := g.rendered(cmd, args)
			if err != nil {
				return err
			}
			changes, err := output.Compare(r.Root, t)
			if err != nil {
				return failed("%v", err)
			}
			for _, c := range changes {
				g.stdout.Write(output.Diff(c))
			}
			if exitCode && len(changes) > 0 {
				return &exitError{code: exitInvalid}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&exitCode, "exit-code", false, "exit 1 when there are differences")
	return cmd
}
