package load

import (
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
	Path      string   `json:"path,omitempty"` // production.database.backupRetentionDays; empty for a whole file
	Message   string   `json:"message"`        // a sentence a reviewer can act on
	Positions []string `json:"positions"`      // envs/production.cue:14:3, relative to the repository root
	Warning   bool     `json:"-"`              // risky rather than wrong; never changes the exit code
}

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
		b.WriteString(p)
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

// dropConsequences keeps, of several errors at one path, the one that says
// what is wrong. Where two environment-side values conflict, the other errors
// are consequences (a custom message of the schema would otherwise claim the
// value is malformed when it is only contradicted).
func (ds Diagnostics) dropConsequences() Diagnostics {
	conflict := map[string]bool{}
	for _, d := range ds {
		if strings.HasPrefix(d.Message, "conflicting values ") && allInEnvs(d.Positions) {
			conflict[d.Path] = true
		}
	}
	// Elsewhere a conflict beside another error at the same path is the
	// value failing to match a default, which is no news: the other error
	// says what is wrong with it.
	other := map[string]bool{}
	for _, d := range ds {
		if !strings.HasPrefix(d.Message, "conflicting values ") {
			other[d.Path] = true
		}
	}
	// An error about an operand that is already an error (_|_) repeats
	// the one that made it so.
	firsthand := map[string]bool{}
	for _, d := range ds {
		if !strings.Contains(d.Message, "_|_") {
			firsthand[d.Path] = true
		}
	}
	// A list that conflicts with its default only in length is no news
	// when one of its elements has an error of its own.
	elementError := func(path string) bool {
		for _, d := range ds {
			if strings.HasPrefix(d.Path, path+".") {
				return true
			}
		}
		return false
	}
	out := ds[:0]
	for _, d := range ds {
		if strings.HasPrefix(d.Message, "incompatible list lengths") && elementError(d.Path) {
			continue
		}
		isConflict := strings.HasPrefix(d.Message, "conflicting values ")
		if conflict[d.Path] && !(isConflict && allInEnvs(d.Positions)) || !conflict[d.Path] && isConflict && other[d.Path] {
			continue
		}
		if strings.Contains(d.Message, "_|_") && firsthand[d.Path] {
			continue
		}
		out = append(out, d)
	}
	return out
}

func allInEnvs(ps []string) bool {
	for _, p := range ps {
		if !strings.HasPrefix(p, "envs/") {
			return false
		}
	}
	return len(ps) > 0
}

// sortAndDedupe orders diagnostics by position, then path and message, and
// drops exact repeats (CUE reports some conflicts once per conjunct).
func (ds Diagnostics) sortAndDedupe() Diagnostics {
	ds = ds.dropConsequences()
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
			continue
		}
		out = append(out, d)
	}
	return out
}

// fromCUE turns CUE's error list into diagnostics with positions relative to
// root and messages reworded where CUE's own wording assumes CUE knowledge.
func fromCUE(root string, err error) Diagnostics {
	var ds Diagnostics
	for _, e := range errors.Errors(err) {
		format, args := e.Msg()
		msg := fmt.Sprintf(format, args...)
		if strings.HasPrefix(msg, "2 errors in empty disjunction") || strings.Contains(msg, " errors in empty disjunction") {
			// The header of a list whose members are reported on their own.
			continue
		}
		ds = append(ds, Diagnostic{
			Path:      strings.Join(e.Path(), "."),
			Message:   reword(msg),
			Positions: positions(root, errors.Positions(e)),
		})
	}
	return ds
}

func reword(msg string) string {
	switch {
	case msg == "field not allowed":
		return "field not allowed: the schema defines no field of this name (misspelt?)"
	case msg == "field is required but not present":
		return "required field is missing"
	case strings.HasPrefix(msg, "incomplete value "):
		return "needs a concrete value; it is only constrained to " + strings.TrimPrefix(msg, "incomplete value ")
	case strings.HasPrefix(msg, "non-concrete value "):
		return "needs a concrete value; it is only constrained to " + strings.TrimPrefix(msg, "non-concrete value ")
	}
	return msg
}

// positions renders token positions as file:line:col relative to root, in a
// stable order: environment files first, then the schema.
func positions(root string, ps []token.Pos) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range ps {
		if !p.IsValid() || p.Filename() == "" || filepath.Base(p.Filename()) == bindingName {
			continue // no position, or lexgen's own binding (nobody can edit it)
		}
		name := p.Filename()
		if rel, err := filepath.Rel(root, name); err == nil && !strings.HasPrefix(rel, "..") {
			name = filepath.ToSlash(rel)
		}
		s := fmt.Sprintf("%s:%d:%d", name, p.Line(), p.Column())
		if seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return orderPositions(out)
}

// orderPositions sorts positions with the environment files first (what the
// reader edits), then the schema, each by file, line and column.
func orderPositions(ps []string) []string {
	var envs, others []string
	for _, p := range ps {
		if strings.HasPrefix(p, "envs/") {
			envs = append(envs, p)
		} else {
			others = append(others, p)
		}
	}
	sortPositions(envs)
	sortPositions(others)
	return append(envs, others...)
}

func sortPositions(ps []string) {
	sort.Slice(ps, func(i, j int) bool {
		fi, li, ci := splitPos(ps[i])
		fj, lj, cj := splitPos(ps[j])
		if fi != fj {
			return fi < fj
		}
		if li != lj {
			return li < lj
		}
		return ci < cj
	})
}

func splitPos(s string) (file string, line, col int) {
	i := strings.LastIndexByte(s, ':')
	j := strings.LastIndexByte(s[:i], ':')
	fmt.Sscanf(s[j+1:], "%d:%d", &line, &col)
	return s[:j], line, col
}
