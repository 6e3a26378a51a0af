package load

import (
	"fmt"
	"runtime/metrics"
	"sort"
	"sync"
	"time"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"
)

// Limits bound what evaluating one environment may take, so that every
// input finishes fast and small. CUE evaluation cannot be interrupted, so a
// watcher (Watch) checks them from outside while environments evaluate.
type Limits struct {
	// Memory is the most heap the process may hold while environments
	// evaluate. A thousand environments take under 400 MiB (README,
	// make bench); a few lines of self-doubling structs take all there is.
	Memory uint64
	// Time is the longest one environment may take to evaluate; one takes
	// milliseconds.
	Time time.Duration
	// Every is how often the watcher looks.
	Every time.Duration
}

// DefaultLimits are generous for any real environment.
var DefaultLimits = Limits{Memory: 2 << 30, Time: 30 * time.Second, Every: 20 * time.Millisecond}

// inProgress is every environment being evaluated now, in this process,
// with its file and when it started.
var inProgress = struct {
	sync.Mutex
	m map[*evaluation]struct{}
}{m: map[*evaluation]struct{}{}}

type evaluation struct {
	name, file string
	start      time.Time
}

// evaluating records that an environment is being evaluated until the
// returned function is called.
func evaluating(name, file string) (done func()) {
	e := &evaluation{name: name, file: file, start: time.Now()}
	inProgress.Lock()
	inProgress.m[e] = struct{}{}
	inProgress.Unlock()
	return func() {
		inProgress.Lock()
		delete(inProgress.m, e)
		inProgress.Unlock()
	}
}

// Watch checks the limits while environments evaluate. When one is
// exceeded it calls exceeded once, with a diagnostic for each environment
// being evaluated, and stops; exceeded is expected to end the process (the
// evaluation cannot be stopped otherwise), before anything is written. stop
// ends the watch.
func Watch(l Limits, exceeded func(Diagnostics)) (stop func()) {
	quit := make(chan struct{})
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		tick := time.NewTicker(l.Every)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case now := <-tick.C:
				metrics.Read(sample)
				heap := uint64(0)
				if sample[0].Value.Kind() == metrics.KindUint64 {
					heap = sample[0].Value.Uint64()
				}
				if ds := overLimits(l, now, heap); ds != nil {
					exceeded(ds)
					return
				}
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(quit) }) }
}

// overLimits reports the environments being evaluated when a limit is
// exceeded, and nothing while none is.
func overLimits(l Limits, now time.Time, heap uint64) Diagnostics {
	inProgress.Lock()
	evs := make([]*evaluation, 0, len(inProgress.m))
	for e := range inProgress.m {
		evs = append(evs, e)
	}
	inProgress.Unlock()
	if len(evs) == 0 {
		return nil
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].name < evs[j].name })
	var ds Diagnostics
	for _, e := range evs {
		took := now.Sub(e.start)
		switch {
		case heap > l.Memory:
			ds = append(ds, Diagnostic{Path: e.name, Positions: []Position{fileStart(e.file)}, Message: fmt.Sprintf(
				"evaluating this environment took more than %d MiB of memory, and lexgen stopped it; an environment takes a few MiB, so look in its file and the shared files for values that refer to themselves or double at every step", l.Memory>>20)})
		case took > l.Time:
			ds = append(ds, Diagnostic{Path: e.name, Positions: []Position{fileStart(e.file)}, Message: fmt.Sprintf(
				"evaluating this environment took more than %s, and lexgen stopped it; an environment takes milliseconds, so look in its file and the shared files for very long lists or values that refer to themselves", l.Time)})
		}
	}
	return ds
}

// Syntax limits, checked on each file before CUE evaluates it: no list or
// struct in envs/ comes near them, and beyond them evaluation grows slow
// (a list is checked for duplicates pair by pair).
const (
	maxListItems    = 1000
	maxStructFields = 1000
	maxDepth        = 64
)

// syntaxLimits reports lists and structs written longer or deeper than any
// environment needs.
func syntaxLimits(root string, f *ast.File) Diagnostics {
	var ds Diagnostics
	depth := 0
	report := func(n ast.Node, msg string) {
		ds = append(ds, Diagnostic{Message: msg, Positions: positions(root, []token.Pos{n.Pos()})})
	}
	ast.Walk(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.ListLit:
			if len(x.Elts) > maxListItems {
				report(n, fmt.Sprintf("this list has %d items; a list in an environment holds at most %d", len(x.Elts), maxListItems))
				return false
			}
		case *ast.StructLit:
			if len(x.Elts) > maxStructFields {
				report(n, fmt.Sprintf("this struct has %d fields; a struct in an environment holds at most %d", len(x.Elts), maxStructFields))
				return false
			}
		}
		switch n.(type) {
		case *ast.ListLit, *ast.StructLit, *ast.ParenExpr, *ast.BinaryExpr, *ast.UnaryExpr, *ast.CallExpr, *ast.Comprehension:
			depth++
			if depth > maxDepth {
				report(n, fmt.Sprintf("values here are nested more than %d deep; an environment needs a few levels", maxDepth))
				depth--
				return false
			}
		}
		return true
	}, func(n ast.Node) {
		switch n.(type) {
		case *ast.ListLit, *ast.StructLit, *ast.ParenExpr, *ast.BinaryExpr, *ast.UnaryExpr, *ast.CallExpr, *ast.Comprehension:
			depth--
		}
	})
	if len(ds) > 3 {
		ds = ds[:3] // the first few say enough
	}
	return ds
}
