package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/lexecon/lexgen/internal/output"
)

func newFmt(g *globals) *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "fmt [--check]",
		Short: "Format the CUE files in envs/ (as cue fmt does); --check only lists those that would change",
		Long: `fmt rewrites each file in envs/ in CUE's canonical format and lists the files
it changed. With --check it changes nothing, lists the files that are not
formatted and exits 1 if there are any (for CI). A file that does not parse is
reported, and then no file is changed.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := g.repo()
			if err != nil {
				return err
			}
			changed, diags := r.Format()
			if len(diags) > 0 {
				// Bad input changes nothing, not even the files that parse.
				fmt.Fprintln(g.stderr, diags.Error())
				return failed("%s in envs/; nothing formatted", plural(len(diags), "error"))
			}
			for _, f := range changed {
				if check {
					fmt.Fprintln(g.stdout, f.Path)
					continue
				}
				if err := output.WriteFile(r.Root, f.Path, f.Data); err != nil {
					return failed("%v", err)
				}
				fmt.Fprintln(g.stdout, "formatted "+f.Path)
			}
			if check && len(changed) > 0 {
				return failed("%s not formatted; run 'lexgen fmt'", plural(len(changed), "file"))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "change nothing; list the files that are not formatted and exit 1 if any")
	return cmd
}
