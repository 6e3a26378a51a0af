// Package reference describes every field of schema.#Environment, read
// from the evaluated CUE value (not written by hand): its type, default,
// allowed values, bounds, rules and the production tier's policies, as a
// Markdown reference and as a JSON Schema for editors.
package reference

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"

	"github.com/lexecon/lexgen/internal/model/modelgen"
)

// Field is one field of an environment.
type Field struct {
	Path     string // dotted, from the environment: cluster.nodes.desired
	Type     string // string, integer, number, boolean, list, struct
	Optional bool   // may be left out entirely (schedule?, backupReplication?)
	Required bool   // no default: the environment (or a shared file) must set it
	Default  any    // the default, when there is one that is a plain value
	// ProductionDefault is the default in the production tier, when it
	// differs from Default.
	ProductionDefault any
	// DefaultFrom names the field whose value is the default, as the
	// schema writes it (desired, for nodes.min), when the default is not a
	// plain value.
	DefaultFrom      string
	Enum             []any    // the values allowed, when they are a list
	Minimum, Maximum *float64 // inclusive bounds
	ExclusiveMinimum *float64
	ExclusiveMaximum *float64
	Patterns         []string // regular expressions the value must match (RE2)
	NotPatterns      []string // ... and must not match
	MaxLength        int      // in characters, 0 when unbounded
	MinItems         int      // for lists
	UniqueItems      bool     // for lists
	Rules            []string // the schema's own words for what is allowed
	Policies         []string // what the production tier demands of it
	Doc              string   // the schema's comment on the field
	Elem             *Field   // a list's elements or a map's values
	Fields           []*Field // a struct's fields, in the schema's order
	Map              bool     // a struct whose keys the user chooses (app.env, tags)
	// Outputs are the parts of out/<env>/ the field reaches (its @out, or
	// the nearest enclosing field's; model.Outputs).
	Outputs []string
}

// Describe reads the schema's #Environment (as load.Repo.Schema returns
// it) into a tree of fields.
func Describe(env cue.Value) (*Field, error) {
	if !env.Exists() {
		return nil, fmt.Errorf("no #Environment in the schema")
	}
	prod := env.FillPath(cue.ParsePath("tier"), "production")
	root := &Field{Type: "struct"}
	describeStruct(root, env, prod, "")
	return root, nil
}

func describeStruct(f *Field, v, prod cue.Value, prefix string) {
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return
	}
	for it.Next() {
		sel := it.Selector()
		name := sel.Unquoted()
		if sel.IsDefinition() || sel.PkgPath() != "" || strings.HasPrefix(name, "_") {
			continue
		}
		if it.IsOptional() && it.Value().IncompleteKind() == cue.BottomKind {
			continue // a name refused outright (app.env: a key of secrets.apiKeys)
		}
		p := name
		if prefix != "" {
			p = prefix + "." + name
		}
		child := describe(it.Value(), prod.LookupPath(cue.MakePath(sel)), p, f.Outputs)
		child.Optional = it.IsOptional()
		if child.Optional {
			child.Required = false
		}
		f.Fields = append(f.Fields, child)
	}
}

func describe(v, prod cue.Value, path string, outs []string) *Field {
	f := &Field{Path: path, Doc: doc(v), Outputs: outs}
	if own, _ := modelgen.OutAttr(v); own != nil {
		f.Outputs = own // a wrong one is modelgen's error to report
	}
	if elem, sel, ok := mapElem(v); ok {
		// A map whose keys the user picks (app.env, tags), perhaps with
		// a default (serviceMonitorLabels).
		f.Type, f.Map = "struct", true
		pe, _, _ := mapElem(prod)
		_ = sel
		f.Elem = describe(elem, pe, path+".*", f.Outputs)
		f.Default = map[string]any{}
		if d, ok := v.Default(); ok && d.IsConcrete() && d.Validate(cue.Concrete(true)) == nil {
			f.Default = plain(d)
		}
		return f
	}
	if n := fieldCount(v); n > 0 {
		f.Type = "struct"
		describeStruct(f, v, prod, path)
		return f
	}
	k := v.IncompleteKind()
	if k == cue.BottomKind {
		// In error until other fields are set (a list below its
		// MinItems, a bound on another field): the kind from the syntax.
		k = kindOf(v)
	}
	switch {
	case k&cue.StructKind != 0:
		// No fixed fields: a map whose keys the user picks, each value
		// as the pattern says.
		f.Type, f.Map = "struct", true
		f.Default = map[string]any{}
		return f
	case k&cue.ListKind != 0:
		f.Type = "list"
		if elem, ok := elemOf(v); ok {
			pe, _ := elemOf(prod)
			f.Elem = describe(elem, pe, path+".*", f.Outputs)
		}
	case k == cue.IntKind:
		f.Type = "integer"
	case k&cue.NumberKind != 0 && k&^cue.NumberKind == 0:
		f.Type = "number"
	case k == cue.StringKind:
		f.Type = "string"
	case k == cue.BoolKind:
		f.Type = "boolean"
	default:
		f.Type = strings.ReplaceAll(k.String(), "|", " or ")
	}
	d, hasDefault := v.Default()
	if hasDefault && d.IsConcrete() && d.Validate(cue.Concrete(true)) == nil {
		f.Default = plain(d)
	} else if v.IsConcrete() && v.Validate(cue.Concrete(true)) == nil {
		f.Default = plain(v)
	}
	if pd, ok := prod.Default(); ok && pd.IsConcrete() && pd.Validate(cue.Concrete(true)) == nil {
		if p := plain(pd); !same(p, f.Default) {
			f.ProductionDefault = p
		}
	}
	f.Required = f.Default == nil && !dependsOnOthers(v)
	if f.Default == nil && !f.Required {
		f.DefaultFrom = defaultRef(v)
	}
	constraints(f, v)
	// The production tier's policies: the rules that only it adds.
	if prod.Exists() {
		pf := &Field{Type: f.Type}
		constraints(pf, prod)
		known := map[string]bool{}
		for _, r := range f.Rules {
			known[r] = true
		}
		for _, r := range pf.Rules {
			if !known[r] {
				f.Policies = append(f.Policies, r)
			}
		}
	}
	return f
}

// elemOf is the constraint on a list's elements: of the list, or of the
// operand of a conjunction or disjunction (a default's list has none)
// that has one.
func elemOf(v cue.Value) (cue.Value, bool) {
	var find func(v cue.Value, depth int) (cue.Value, bool)
	find = func(v cue.Value, depth int) (cue.Value, bool) {
		if e := v.LookupPath(cue.MakePath(cue.AnyIndex)); e.Exists() {
			return e, true
		}
		if depth == 3 {
			return cue.Value{}, false
		}
		_, args := v.Expr()
		for _, a := range args {
			if e, ok := find(a, depth+1); ok {
				return e, true
			}
		}
		return cue.Value{}, false
	}
	return find(v, 0)
}

// mapElem is the constraint on the values of a struct whose keys the user
// picks: asked for a key its patterns admit, of the struct or of an
// operand of the disjunction that gives it a default.
func mapElem(v cue.Value) (cue.Value, cue.Selector, bool) {
	var find func(v cue.Value, depth int) (cue.Value, cue.Selector, bool)
	find = func(v cue.Value, depth int) (cue.Value, cue.Selector, bool) {
		for _, key := range []string{"EXAMPLE", "Example", "example"} {
			sel := cue.Str(key).Optional()
			if e := v.LookupPath(cue.MakePath(sel)); e.Exists() {
				return e, sel, true
			}
		}
		if depth == 3 {
			return cue.Value{}, cue.Selector{}, false
		}
		op, args := v.Expr()
		if op != cue.OrOp && op != cue.AndOp {
			return cue.Value{}, cue.Selector{}, false
		}
		for _, a := range args {
			if e, sel, ok := find(a, depth+1); ok {
				return e, sel, true
			}
		}
		return cue.Value{}, cue.Selector{}, false
	}
	return find(v, 0)
}

// kindOf guesses the kind of a value that is an error on its own, from
// what its syntax names: a list, or the first of number, int, string, bool.
func kindOf(v cue.Value) cue.Kind {
	if v.LookupPath(cue.MakePath(cue.AnyIndex)).Exists() {
		return cue.ListKind
	}
	k := cue.BottomKind
	ast.Walk(v.Syntax(), func(n ast.Node) bool {
		if k != cue.BottomKind {
			return false
		}
		switch n := n.(type) {
		case *ast.ListLit:
			k = cue.ListKind
		case *ast.Ident:
			switch n.Name {
			case "number":
				k = cue.NumberKind
			case "int", "uint":
				k = cue.IntKind
			case "string":
				k = cue.StringKind
			case "bool":
				k = cue.BoolKind
			}
		}
		return true
	}, nil)
	return k
}

// fieldCount is how many regular fields v has (a struct's fields, even
// while cross-checks on incomplete values make the struct itself bottom).
func fieldCount(v cue.Value) int {
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return 0
	}
	n := 0
	for it.Next() {
		if !it.Selector().IsDefinition() && !(it.IsOptional() && it.Value().IncompleteKind() == cue.BottomKind) {
			n++
		}
	}
	return n
}

// defaultRef is the reference a default is written as in the schema's
// source (*desired), or "".
func defaultRef(v cue.Value) string {
	src := v.Source()
	if src == nil {
		return ""
	}
	ref := ""
	ast.Walk(src, func(n ast.Node) bool {
		if u, ok := n.(*ast.UnaryExpr); ok && u.Op == token.MUL && ref == "" {
			switch x := u.X.(type) {
			case *ast.Ident:
				ref = x.Name
			case *ast.SelectorExpr:
				if id, ok := x.X.(*ast.Ident); ok {
					name, _, _ := ast.LabelName(x.Sel)
					ref = id.Name + "." + name
				}
			}
			return false
		}
		return ref == ""
	}, nil)
	return ref
}

// dependsOnOthers says the default is another field's value (nodes.min
// defaults to nodes.desired): not required, but not a plain value either.
func dependsOnOthers(v cue.Value) bool {
	src := v.Syntax()
	found := false
	ast.Walk(src, func(n ast.Node) bool {
		if u, ok := n.(*ast.UnaryExpr); ok && u.Op == token.MUL {
			found = true
			return false
		}
		return true
	}, nil)
	return found
}

// constraints fills f's enum, bounds, patterns, lengths and rules from
// v's syntax: CUE's own simplification of everything that constrains the
// field, defaults marked.
func constraints(f *Field, v cue.Value) {
	// The syntax is an expression, or a file of imports, the expression and
	// let clauses for the definitions it refers to (#SubnetSet).
	node := v.Syntax()
	raw, _ := node.(ast.Expr)
	if file, isFile := node.(*ast.File); isFile {
		for _, d := range file.Decls {
			if e, isEmbed := d.(*ast.EmbedDecl); isEmbed {
				raw = e.Expr
			}
		}
	}
	if raw == nil {
		return
	}
	isList := f.Type == "list"
	seen := map[string]bool{}
	ast.Walk(node, func(n ast.Node) bool {
		if isList {
			// A list's own constraints are its builtins; its elements'
			// are described as Elem.
			if c, ok := n.(*ast.CallExpr); ok {
				if sel, ok := c.Fun.(*ast.SelectorExpr); ok {
					name, _, _ := ast.LabelName(sel.Sel)
					switch name {
					case "MinItems":
						if len(c.Args) == 1 {
							if i, err := strconv.Atoi(litValue(c.Args[0])); err == nil {
								f.MinItems = i
							}
						}
					case "UniqueItems":
						f.UniqueItems = true
					}
				}
			}
			return true
		}
		switch n := n.(type) {
		case *ast.ImportDecl:
			return false
		case *ast.LetClause:
			// A definition the value refers to (a region inside a zone's
			// pattern): its constraints are not this field's.
			return false
		case *ast.CallExpr:
			switch fun := n.Fun.(type) {
			case *ast.Ident:
				if fun.Name == "error" && len(n.Args) == 1 {
					if s, ok := stringLit(n.Args[0]); ok && !seen[s] {
						seen[s] = true
						f.Rules = append(f.Rules, s)
					}
					return false
				}
			case *ast.SelectorExpr:
				name, _, _ := ast.LabelName(fun.Sel)
				switch name {
				case "MaxRunes":
					if len(n.Args) == 1 {
						if i, err := strconv.Atoi(litValue(n.Args[0])); err == nil {
							f.MaxLength = i
						}
					}
				case "MinItems":
					if len(n.Args) == 1 {
						if i, err := strconv.Atoi(litValue(n.Args[0])); err == nil {
							f.MinItems = i
						}
					}
				case "UniqueItems":
					f.UniqueItems = true
				}
			}
		case *ast.UnaryExpr:
			if n.Op == token.MUL {
				return false // a default, not a constraint
			}
			lit, isLit := n.X.(*ast.BasicLit)
			if !isLit {
				return true
			}
			switch n.Op {
			case token.MAT, token.NMAT:
				if s, ok := stringLit(lit); ok {
					if n.Op == token.MAT {
						f.Patterns = appendNew(f.Patterns, s)
					} else {
						f.NotPatterns = appendNew(f.NotPatterns, s)
					}
				}
			case token.GEQ, token.GTR, token.LEQ, token.LSS:
				x, err := strconv.ParseFloat(lit.Value, 64)
				if err != nil {
					return true
				}
				switch n.Op {
				case token.GEQ:
					f.Minimum = tighter(f.Minimum, x, true)
				case token.GTR:
					f.ExclusiveMinimum = tighter(f.ExclusiveMinimum, x, true)
				case token.LEQ:
					f.Maximum = tighter(f.Maximum, x, false)
				case token.LSS:
					f.ExclusiveMaximum = tighter(f.ExclusiveMaximum, x, false)
				}
			}
		case *ast.StructLit:
			// A wrapper ({ int & >=1 }, a let clause's {#x: ...}) is
			// looked into; a struct value is described on its own.
			return isWrapper(n)
		case *ast.ListLit:
			return false
		}
		return true
	}, nil)
	f.Enum = enum(raw)
	if f.Enum == nil {
		if final, ok := v.Syntax(cue.Final()).(ast.Expr); ok {
			f.Enum = enum(final)
		}
	}
	if f.Enum != nil && f.Default == nil && len(f.Enum) == 1 {
		f.Enum = nil
	}
}

// isWrapper is a struct that only wraps an expression ({ int & >=1 }), or
// the {#x: ...} of a let clause CUE writes for a definition referred to.
func isWrapper(s *ast.StructLit) bool {
	for _, d := range s.Elts {
		switch d := d.(type) {
		case *ast.EmbedDecl, *ast.LetClause:
		case *ast.Field:
			if name, _, _ := ast.LabelName(d.Label); !strings.HasPrefix(name, "#") {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// enum lists the literal alternatives of a disjunction, ignoring error()
// branches and defaults' markers; nil when any alternative is not a
// literal, or there is no disjunction.
func enum(e ast.Expr) []any {
	var alts []ast.Expr
	var flatten func(e ast.Expr) bool
	flatten = func(e ast.Expr) bool {
		switch x := e.(type) {
		case *ast.ParenExpr:
			return flatten(x.X)
		case *ast.BinaryExpr:
			if x.Op == token.OR {
				return flatten(x.X) && flatten(x.Y)
			}
			if x.Op == token.AND {
				// (enum | error) & (*default | _): the enum is the side
				// that is not "default or anything".
				if anything(x.Y) {
					return flatten(x.X)
				}
				if anything(x.X) {
					return flatten(x.Y)
				}
			}
			return false
		case *ast.UnaryExpr:
			if x.Op == token.MUL {
				return flatten(x.X)
			}
			return false
		case *ast.CallExpr:
			if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "error" {
				return true
			}
			return false
		case *ast.BasicLit:
			alts = append(alts, x)
			return true
		case *ast.Ident:
			if x.Name == "true" || x.Name == "false" {
				return false // a boolean is described by its type
			}
			return false
		}
		return false
	}
	if !flatten(e) || len(alts) < 2 {
		return nil
	}
	var out []any
	seen := map[string]bool{}
	for _, a := range alts {
		lit := a.(*ast.BasicLit)
		if seen[lit.Value] {
			continue
		}
		seen[lit.Value] = true
		var v any
		if err := json.Unmarshal([]byte(lit.Value), &v); err != nil {
			if s, ok := stringLit(lit); ok {
				v = s
			} else {
				return nil
			}
		}
		out = append(out, v)
	}
	return out
}

// anything is (*X | _): a default over any value.
func anything(e ast.Expr) bool {
	if p, ok := e.(*ast.ParenExpr); ok {
		e = p.X
	}
	b, ok := e.(*ast.BinaryExpr)
	if !ok || b.Op != token.OR {
		return false
	}
	id, ok := b.Y.(*ast.Ident)
	return ok && id.Name == "_"
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil {
		// CUE string syntax beyond Go's (\(…) would not be a literal).
		s, err = strconv.Unquote(strings.ReplaceAll(lit.Value, `\u00`, `\x`))
		if err != nil {
			return "", false
		}
	}
	return s, true
}

func litValue(e ast.Expr) string {
	if lit, ok := e.(*ast.BasicLit); ok {
		return lit.Value
	}
	return ""
}

func appendNew(xs []string, s string) []string {
	for _, x := range xs {
		if x == s {
			return xs
		}
	}
	return append(xs, s)
}

// tighter keeps the tighter of two bounds: the larger minimum, the
// smaller maximum.
func tighter(cur *float64, x float64, isMin bool) *float64 {
	if cur == nil || (isMin && x > *cur) || (!isMin && x < *cur) {
		return &x
	}
	return cur
}

// plain is a concrete value as Go sees it in JSON.
func plain(v cue.Value) any {
	raw, err := v.MarshalJSON()
	if err != nil {
		return nil
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil
	}
	return out
}

func same(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// doc is the schema's comment on v, as one paragraph per comment.
func doc(v cue.Value) string {
	var parts []string
	for _, cg := range v.Doc() {
		pos := cg.Pos()
		if pos.IsValid() && filepath.Base(filepath.Dir(pos.Filename())) != "schema" {
			continue
		}
		text := strings.Join(strings.Fields(cg.Text()), " ")
		if text != "" {
			parts = append(parts, text)
		}
	}
	return strings.Join(parts, " ")
}
