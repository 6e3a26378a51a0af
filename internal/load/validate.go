package load

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"
)

// CUE reports one error a struct: once a field of a struct is wrong, the
// struct is an error, and a misspelt field beside it (a closedness error of
// the same struct) or a missing one (an incomplete value, which CUE ranks
// below a real error) goes unreported until the first is fixed. So lexgen
// does not stop at Validate on the whole environment: it walks the value
// field by field, validates every field on its own, checks every field
// name against the schema (Allows), and keeps every error it finds. The
// same walk decodes what is sound, so that the cross-checks can run on an
// environment the schema refused (check.Finding.Sound).

// walker validates one environment value against the schema.
type walker struct {
	root     string     // the repository, for positions
	problems []problem  // every error found, in walk order
	broken   [][]string // the paths walked that did not validate
	decoded  any        // what of the environment is sound, as JSON-like values
}

// walk validates v, whose schema is s (invalid when unknown), and returns
// what it decodes to (JSON-like, as encoding/json would) and whether every
// part of it is sound.
func (w *walker) walk(v, s cue.Value, path []string) (any, bool) {
	own := func() bool {
		ok := true
		for _, e := range errors.Errors(v.Err()) {
			if slicesEqual(e.Path(), path) {
				w.add(e)
				ok = false
			}
		}
		return ok
	}
	if it, err := v.Fields(); err == nil {
		ok := own()
		out := map[string]any{}
		for it.Next() {
			sel := it.Selector()
			p := append(path[:len(path):len(path)], sel.String())
			if s.Exists() && s.IncompleteKind()&cue.StructKind != 0 && !s.Allows(sel) {
				w.problems = append(w.problems, problem{Path: p, Msg: "field not allowed", Pos: positions(w.root, []token.Pos{it.Value().Pos()})})
				ok = false
				continue
			}
			// What decoded of a broken field is kept too: its own
			// problems mark it broken, the rest of it is sound.
			x, fine := w.walk(it.Value(), schemaField(s, sel), p)
			ok = ok && fine
			if x != nil {
				out[sel.Unquoted()] = x
			}
		}
		return out, ok
	}
	if it, err := v.List(); err == nil {
		ok := own()
		var out []any
		for i := 0; it.Next(); i++ {
			x, fine := w.walk(it.Value(), schemaElem(s, 0), append(path[:len(path):len(path)], strconv.Itoa(i)))
			ok = ok && fine
			out = append(out, x)
		}
		return out, ok
	}
	if err := v.Validate(cue.Concrete(true), cue.Final()); err != nil {
		for _, e := range errors.Errors(err) {
			w.add(e)
		}
		// The problems name the fields CUE blames; what was walked is
		// broken too (a whole environment, when its name is wrong).
		w.broken = append(w.broken, path)
		return nil, false
	}
	d, _ := v.Default()
	raw, err := d.MarshalJSON()
	var x any
	if err == nil {
		err = json.Unmarshal(raw, &x)
	}
	if err != nil {
		w.problems = append(w.problems, problem{Path: path, Msg: "cannot decode: " + err.Error()})
		return nil, false
	}
	return x, true
}

func (w *walker) add(e errors.Error) {
	format, args := e.Msg()
	w.problems = append(w.problems, problem{Path: e.Path(), Msg: fmt.Sprintf(format, args...), Pos: positions(w.root, errors.Positions(e))})
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// schemaField is the schema of the field sel of a struct whose schema is
// s: a field it declares (optional ones too), or its pattern constraint.
func schemaField(s cue.Value, sel cue.Selector) cue.Value {
	if !s.Exists() {
		return s
	}
	if sel.Type() == cue.IndexLabel {
		return schemaElem(s, 0)
	}
	name := cue.Str(sel.Unquoted())
	if f := s.LookupPath(cue.MakePath(name)); f.Exists() {
		return f
	}
	if f := s.LookupPath(cue.MakePath(name.Optional())); f.Exists() {
		return f
	}
	if e, ok := s.Elem(); ok {
		return e
	}
	return cue.Value{}
}

// schemaElem is the schema of the items of a list whose schema is s, looking
// through conjunctions and disjunctions (list.UniqueItems() & [...T] | *[...]).
func schemaElem(s cue.Value, depth int) cue.Value {
	if !s.Exists() || depth > 4 {
		return cue.Value{}
	}
	if e, ok := s.Elem(); ok {
		return e
	}
	_, args := s.Expr()
	for _, a := range args {
		if e := schemaElem(a, depth+1); e.Exists() {
			return e
		}
	}
	return cue.Value{}
}

// schemaAt is the schema of the field at path (below the environment).
func schemaAt(s cue.Value, path []string) cue.Value {
	for _, p := range path {
		if _, err := strconv.Atoi(p); err == nil {
			s = schemaElem(s, 0)
			continue
		}
		s = schemaField(s, cue.Str(unquoteLabel(p)))
	}
	return s
}

// unquoteLabel reads a label as CUE prints it in a path ("аws:owner").
func unquoteLabel(l string) string {
	if u, err := strconv.Unquote(l); err == nil && strings.HasPrefix(l, `"`) {
		return u
	}
	return l
}

// choices lists the values a schema field accepts, in CUE syntax, when it
// is an enumeration (a disjunction of literals, maybe with a default and an
// error("...") of its own); ok is false for anything else.
func choices(v cue.Value, depth int) (out []string, ok bool) {
	if !v.Exists() || depth > 8 {
		return nil, false
	}
	scalar := func(v cue.Value) bool {
		return v.IsConcrete() && v.Kind()&(cue.StringKind|cue.NumberKind|cue.BoolKind) != 0
	}
	op, args := v.Expr()
	switch {
	case op == cue.OrOp:
		for _, a := range args {
			if a.Err() != nil {
				continue // the disjunction's error("...")
			}
			vs, ok := choices(a, depth+1)
			if !ok {
				return nil, false
			}
			for _, x := range vs {
				if !contains(out, x) {
					out = append(out, x)
				}
			}
		}
		return out, len(out) > 0
	case op == cue.AndOp:
		// The choices of the conjuncts that list some (tier: _ in
		// another file lists none), narrowed by each other.
		for _, a := range args {
			vs, ok := choices(a, depth+1)
			if !ok {
				continue
			}
			if out == nil {
				out = vs
				continue
			}
			var both []string
			for _, x := range out {
				if contains(vs, x) {
					both = append(both, x)
				}
			}
			out = both
		}
		return out, len(out) > 0
	case scalar(v):
		return []string{fmt.Sprint(v)}, true
	case op == cue.SelectorOp || op == cue.CallOp || op == cue.NoOp && len(args) == 1 && args[0] != v:
		if d := cue.Dereference(v); d != v {
			return choices(d, depth+1)
		}
		if len(args) == 1 {
			return choices(args[0], depth+1)
		}
	}
	return nil, false
}

// says is the schema's own message for a wrong value of a field: the text
// of its error("...").
func says(v cue.Value, depth int) string {
	if !v.Exists() || depth > 8 {
		return ""
	}
	op, args := v.Expr()
	switch op {
	case cue.OrOp:
		for _, a := range args {
			if err := a.Err(); err != nil {
				if es := errors.Errors(err); len(es) > 0 {
					format, fargs := es[0].Msg()
					return fmt.Sprintf(format, fargs...)
				}
			}
		}
		for _, a := range args {
			if s := says(a, depth+1); s != "" {
				return s
			}
		}
	case cue.AndOp:
		for _, a := range args {
			if s := says(a, depth+1); s != "" {
				return s
			}
		}
	case cue.SelectorOp, cue.NoOp:
		if d := cue.Dereference(v); d != v {
			return says(d, depth+1)
		}
	}
	return ""
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// fieldNames lists the fields a schema struct declares, optional ones too;
// none when there is no schema there (a misspelt parent: the zero Value,
// whose methods CUE does not guard).
func fieldNames(s cue.Value) []string {
	if !s.Exists() {
		return nil
	}
	it, err := s.Fields(cue.Optional(true))
	if err != nil {
		return nil
	}
	var out []string
	for it.Next() {
		out = append(out, it.Selector().Unquoted())
	}
	return out
}

// selectors turns a value path as CUE prints it into selectors.
func selectors(path []string) []cue.Selector {
	var sels []cue.Selector
	for _, p := range path {
		if i, err := strconv.Atoi(p); err == nil {
			sels = append(sels, cue.Index(i))
			continue
		}
		sels = append(sels, cue.Str(unquoteLabel(p)))
	}
	return sels
}

// fieldInfo says what the schema s (#Environment) and the environment's
// own file (own, evaluated alone) hold at path (from the environment's
// name).
func fieldInfo(s, own cue.Value, path []string) fieldFacts {
	var f fieldFacts
	if len(path) < 2 {
		return f
	}
	at := schemaAt(s, path[1:])
	if at.Exists() {
		f.Kind = at.IncompleteKind()
		// A list of one value, or of true and false, is a rule (a
		// policy that pins a value) rather than a choice: its own message
		// says why.
		if enum, _ := choices(at, 0); len(enum) > 1 && f.Kind != cue.BoolKind {
			f.Enum = enum
		}
		f.Says = says(at, 0)
		_, f.Defaulted = at.Default()
		f.Defaulted = f.Defaulted || markedDefault(at.Source())
	}
	f.Siblings = fieldNames(schemaAt(s, path[1:len(path)-1]))
	for i := 2; i < len(path); i++ {
		if !schemaAt(s, path[1:i]).Exists() {
			f.UnknownAt = i
			break
		}
	}
	if own.Exists() {
		g := own.LookupPath(cue.MakePath(selectors(path)...))
		if g.Exists() && g.Err() == nil && g.IsConcrete() {
			f.GotKind = g.Kind()
			switch f.GotKind {
			case cue.StructKind:
			case cue.ListKind:
				f.Got = fmt.Sprint(g)
				it, _ := g.List()
				for it.Next() {
					f.Items = append(f.Items, fmt.Sprint(it.Value()))
				}
			default:
				f.Got = fmt.Sprint(g)
			}
		}
	}
	return f
}

// markedDefault reports whether a schema expression offers a default (*x),
// which it may not be able to work out on its own (*desired).
func markedDefault(n ast.Node) bool {
	found := false
	if n != nil {
		ast.Walk(n, func(n ast.Node) bool {
			if u, ok := n.(*ast.UnaryExpr); ok && u.Op == token.MUL {
				found = true
			}
			return !found
		}, nil)
	}
	return found
}
