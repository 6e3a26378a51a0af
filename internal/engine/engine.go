// Package engine is lexgen's pipeline, assembled once: load the
// environments, check them, render them, compare the rendering with out/.
// Every command (internal/cli) and the review (internal/review) call it;
// it prints nothing.
package engine

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/lexecon/lexgen/internal/check"
	"github.com/lexecon/lexgen/internal/cost"
	"github.com/lexecon/lexgen/internal/delta"
	"github.com/lexecon/lexgen/internal/load"
	"github.com/lexecon/lexgen/internal/model"
	"github.com/lexecon/lexgen/internal/output"
	"github.com/lexecon/lexgen/internal/render"
)

// Checked is a set of environments that loaded and passed every check.
type Checked struct {
	Repo *load.Repo
	Envs []*model.Environment
	// Warnings are the cross-checks' warnings, positioned; they never stop
	// anything.
	Warnings load.Diagnostics
}

// Check loads the named environments and cross-checks them. Any error
// returns no environments, so that nothing acts on partly valid input;
// errs and warnings are positioned in the environments' files.
func Check(r *load.Repo, names []string) (c *Checked, errs, warnings load.Diagnostics) {
	envs, partials, diags := r.LoadAll(names)
	if len(diags) > 0 {
		// Cross-check what decoded of the environments the schema
		// refused too, so that every error comes out in one run: only
		// the findings whose fields are all sound.
		for _, p := range partials {
			var ds load.Diagnostics
			for _, f := range check.Environment(p.Env) {
				if !f.Warning && f.Sound(p.Broken) {
					ds = append(ds, load.Diagnostic{Path: f.Path, Message: f.Message})
				}
			}
			diags = append(diags, r.Locate(p.Env.Source, ds)...)
		}
		return nil, load.Sorted(diags), nil
	}
	// Across checks only the environments loaded: all of them when none
	// is named, as in CI.
	across := check.Across(envs)
	for _, e := range envs {
		var ds load.Diagnostics
		for _, f := range append(check.Environment(e), across[e.Name]...) {
			ds = append(ds, load.Diagnostic{Path: f.Path, Message: f.Message, Warning: f.Warning})
		}
		for _, d := range r.Locate(e.Source, ds) {
			if d.Warning {
				warnings = append(warnings, d)
			} else {
				errs = append(errs, d)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs, warnings
	}
	return &Checked{Repo: r, Envs: envs, Warnings: warnings}, nil, warnings
}

// Render renders every environment, in parallel (the renderers are pure
// functions of their environment), and the shared files. complete says the
// environments are all there are, so that output may prune the folders of
// the others.
func (c *Checked) Render(complete bool) (output.Tree, error) {
	t := output.Tree{Envs: map[string][]render.File{}, Complete: complete}
	rendered, err := RenderAll(c.Envs, runtime.GOMAXPROCS(0))
	if err != nil {
		return t, err
	}
	for i, e := range c.Envs {
		t.Envs[e.Name] = rendered[i]
	}
	shared, err := render.Shared()
	if err != nil {
		return t, err
	}
	t.Shared = shared
	return t, nil
}

// Stale renders every environment and compares the rendering with what is
// on disk: the changes are the files out/ holds that it should not, or
// holds otherwise. The rendering is returned for the caller to use rather
// than render again.
func (c *Checked) Stale() (output.Tree, []output.Change, error) {
	t, err := c.Render(true)
	if err != nil {
		return t, nil, err
	}
	changes, err := output.Compare(c.Repo.Root, t)
	return t, changes, err
}

// RenderAll renders envs with the given number of workers; the result is
// in the order of envs and does not depend on the number of workers.
func RenderAll(envs []*model.Environment, workers int) ([][]render.File, error) {
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

// Comparison is every model field that differs between two environments,
// and what each costs a month.
type Comparison struct {
	A           string        `json:"a"`
	B           string        `json:"b"`
	Differences []delta.Field `json:"differences"`
	Cost        CostDelta     `json:"monthlyCost"`
}

// CostDelta is the monthly cost of A and B and the difference, B - A.
type CostDelta struct {
	A     float64 `json:"a"`
	B     float64 `json:"b"`
	Delta float64 `json:"delta"`
}

// Compare compares environment a with b (their names aside).
func Compare(a, b *model.Environment) (*Comparison, error) {
	fields, err := delta.Fields(a, b, "name")
	if err != nil {
		return nil, err
	}
	ca, err := cost.Of(a, a.Prices)
	if err != nil {
		return nil, err
	}
	cb, err := cost.Of(b, b.Prices)
	if err != nil {
		return nil, err
	}
	return &Comparison{A: a.Name, B: b.Name, Differences: fields,
		Cost: CostDelta{A: ca.Total, B: cb.Total, Delta: cost.Cents(cb.Total - ca.Total)}}, nil
}

// Costs estimates each environment's monthly cost at its price table.
func Costs(envs []*model.Environment) ([]cost.Estimate, error) {
	var all []cost.Estimate
	for _, e := range envs {
		est, err := cost.Of(e, e.Prices)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", e.Name, err)
		}
		all = append(all, est)
	}
	return all, nil
}
