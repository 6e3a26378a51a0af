package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/lexecon/lexgen/internal/engine"
	"github.com/lexecon/lexgen/internal/load"
	"github.com/lexecon/lexgen/internal/output"
)

// rendered loads, checks and renders the environments named in args (all
// when none is), in memory, for render, render --check and diff.
func (g *globals) rendered(cmd *cobra.Command, args []string) (*load.Repo, output.Tree, error) {
	r, err := g.repo()
	if err != nil {
		return nil, output.Tree{}, err
	}
	names, err := selectEnvs(cmd, r, args)
	if err != nil {
		return nil, output.Tree{}, err
	}
	l, err := g.loadValid(r, names)
	if err != nil {
		return nil, output.Tree{}, err
	}
	t, err := l.Render(len(args) == 0)
	return r, t, err
}

func newRender(g *globals) *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "render [ENV...]",
		Short: "Write out/<env>/ for the named environments (all when none is named)",
		Long: `render validates the named environments (all when none is named) and writes
each into out/<env>/, replacing the folder atomically and removing files lexgen
no longer renders. When every environment is rendered, folders in out/ of
environments that no longer exist are removed. It also writes
infrastructure/terraform/variables.tf. Invalid input writes nothing.

With --check it writes nothing and exits 1 when out/ differs from what it
would render, listing the missing, changed and extra files.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, t, err := g.rendered(cmd, args)
			if err != nil {
				return err
			}
			if check {
				return g.check(r.Root, t)
			}
			res, err := output.Write(r.Root, t)
			if err != nil {
				return failed("%v", err)
			}
			for _, d := range res.Written {
				fmt.Fprintf(g.stdout, "wrote %s/\n", d)
			}
			for _, d := range res.Unchanged {
				fmt.Fprintf(g.stdout, "unchanged %s/\n", d)
			}
			for _, d := range res.Removed {
				fmt.Fprintf(g.stdout, "removed %s/ (no such environment)\n", d)
			}
			for _, f := range res.Shared {
				fmt.Fprintf(g.stdout, "wrote %s\n", f)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "write nothing; exit 1 if out/ is not what render would write")
	return cmd
}

// stale fails, listing the files, when out/ is not what the checked
// environments render to; otherwise it returns the rendering, for the
// caller to use rather than render again.
func (g *globals) stale(c *engine.Checked) (output.Tree, error) {
	t, changes, err := c.Stale()
	if err != nil {
		return t, failed("%v", err)
	}
	for _, c := range changes {
		fmt.Fprintf(g.stderr, "%-8s %s\n", c.Kind+":", filepath.ToSlash(c.Path))
	}
	if len(changes) > 0 {
		return t, failed("out/ is stale: %s not as envs/ renders them; run 'lexgen render' and commit the result", plural(len(changes), "file"))
	}
	return t, nil
}

func (g *globals) check(root string, t output.Tree) error {
	changes, err := output.Compare(root, t)
	if err != nil {
		return failed("%v", err)
	}
	if len(changes) == 0 {
		fmt.Fprintf(g.stdout, "out/ is up to date (%s)\n", plural(len(t.Envs), "environment"))
		return nil
	}
	for _, c := range changes {
		fmt.Fprintf(g.stderr, "%-8s %s\n", c.Kind+":", filepath.ToSlash(c.Path))
	}
	return failed("%s not as rendered; run 'lexgen render' and commit the result", plural(len(changes), "file"))
}
