package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/spf13/cobra"

	"github.com/lexecon/lexgen/internal/load"
	"github.com/lexecon/lexgen/internal/model"
	"github.com/lexecon/lexgen/internal/output"
	"github.com/lexecon/lexgen/internal/render"
)

type loaded struct {
	repo     *load.Repo
	envs     []*model.Environment
	warnings int
}

// tree renders every loaded environment, in parallel (the renderers are
// pure functions of their environment), and the shared files.
func (l *loaded) tree(complete bool) (output.Tree, error) {
	t := output.Tree{Envs: map[string][]render.File{}, Complete: complete}
	rendered, err := renderAll(l.envs, runtime.GOMAXPROCS(0))
	if err != nil {
		return t, err
	}
	for i, e := range l.envs {
		t.Envs[e.Name] = rendered[i]
	}
	shared, err := render.Shared()
	if err != nil {
		return t, err
	}
	t.Shared = shared
	return t, nil
}

// renderAll renders envs with the given number of workers; the result is
// in the order of envs and does not depend on the number of workers.
func renderAll(envs []*model.Environment, workers int) ([][]render.File, error) {
	out := make([][]render.File, len(envs))
	errs := make([]error, len(envs))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(1, min(workers, len(envs))); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = render.Environment(envs[i])
			}
		}()
	}
	for i := range envs {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, errors.Join(errs...)
}

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
	t, err := l.tree(len(args) == 0)
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

// stale fails, listing the files, when out/ is not what the loaded
// environments render to; otherwise it returns the rendering, for the
// caller to use rather than render again.
func (g *globals) stale(root string, l *loaded) (output.Tree, error) {
	t, err := l.tree(true)
	if err != nil {
		return t, failed("%v", err)
	}
	changes, err := output.Compare(root, t)
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
