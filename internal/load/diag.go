package load

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"
)

// Diagnostic is one problem with the input: where in the model (Path), what
// is wrong (Message) and every source position that contributed.
type Diagnostic struct {
	Path      string     `json:"path,omitempty"` // production.database.backupRetentionDays; empty for a whole file
	Message   string     `json:"message"`        // a sentence a reviewer can act on
	Positions []Position `json:"positions"`      // envs/production.cue:14:3, relative to the repository root
	Warning   bool       `json:"-"`              // risky rather than wrong; never changes the exit code
}

// Position is a place in a file: its path relative to the repository root
// (with slashes), and its line and column, counted from 1.
type Position struct {
	File      string
	Line, Col int
}

// String is file:line:col, as editors and terminals link it.
func (p Position) String() string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// MarshalJSON writes the position as its string, as lexgen always has.
func (p Position) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

// inEnvs reports whether the position is in a file of envs/ (which the
// reader edits), rather than the schema.
func (p Position) inEnvs() bool { return strings.HasPrefix(p.File, EnvsDir+"/") }

// fileStart is the first character of a file, for problems with a whole file.
func fileStart(file string) Position { return Position{File: file, Line: 1, Col: 1} }

func (d Diagnostic) String() string {
	var b strings.Builder
	if d.Warning {
		b.WriteString("warning: ")
	}
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	for _, p := range d.Positions {
		b.WriteString("\n    ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Diagnostics is every problem found in one run; it is an error when non-empty.
type Diagnostics []Diagnostic

func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Sorted is ds ordered by path, then message, without repeats.
func Sorted(ds Diagnostics) Diagnostics { return append(Diagnostics(nil), ds...).sortAndDedupe() }

// sortAndDedupe orders diagnostics by path, then message, and drops exact
// repeats (CUE reports some conflicts once per conjunct, and lexgen's own
// walk of an environment finds some errors twice).
func (ds Diagnostics) sortAndDedupe() Diagnostics {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Message < b.Message
	})
	out := ds[:0]
	for i, d := range ds {
		if i > 0 && d.Path == ds[i-1].Path && d.Message == ds[i-1].Message {
			out[len(out)-1].Positions = orderPositions(append(out[len(out)-1].Positions, d.Positions...))
			continue
		}
		out = append(out, d)
	}
	return out
}

// fromCUE turns CUE's error list into diagnostics with positions relative to
// root and messages in plain words, for errors that have no environment
// value to compare with (syntax errors, loading).
func fromCUE(root string, err error) Diagnostics {
	return plain(problemsOf(root, err), nil)
}

// problemsOf lists CUE's errors as problems, before they are put in words.
func problemsOf(root string, err error) []problem {
	var ps []problem
	for _, e := range errors.Errors(err) {
		format, args := e.Msg()
		ps = append(ps, problem{
			Path: e.Path(),
			Msg:  fmt.Sprintf(format, args...),
			Pos:  positions(root, errors.Positions(e)),
		})
	}
	return ps
}

// positions makes token positions relative to root, in a stable order:
// environment files first, then the schema.
func positions(root string, ps []token.Pos) []Position {
	var out []Position
	for _, p := range ps {
		if !p.IsValid() || p.Filename() == "" || filepath.Base(p.Filename()) == bindingName {
			continue // no position, or lexgen's own binding (nobody can edit it)
		}
		out = append(out, Position{File: relPath(root, p.Filename()), Line: p.Line(), Col: p.Column()})
	}
	return orderPositions(out)
}

// orderPositions sorts positions with the environment files first (what the
// reader edits), then the schema, each by file, line and column, and drops
// repeats.
func orderPositions(ps []Position) []Position {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.inEnvs() != b.inEnvs() {
			return a.inEnvs()
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	out := ps[:0]
	for i, p := range ps {
		if i == 0 || p != ps[i-1] {
			out = append(out, p)
		}
	}
	return out
}
