package load

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
)

// NewOptions says what a new environment starts from.
type NewOptions struct {
	// From copies the values another environment's file sets (evaluated,
	// so each is concrete), instead of starting from examples.
	From string
	// Region puts the environment in this AWS region: aws.region is set,
	// and the VPC and subnets, which belong to one region, are examples in
	// it rather than copies of From's.
	Region string
}

// NameRule says what an environment name may be, in the words of the
// loader's own diagnostic (Open).
const NameRule = "use 1 to 24 lower-case letters, digits and '-', starting with a letter and not ending with '-' (it names folders, namespaces and AWS resources)"

// CheckName refuses a name the loader would refuse, with the same rule.
func CheckName(name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("%q is not a valid environment name: %s", name, NameRule)
	}
	return nil
}

// example is what lexgen new writes for a field the schema requires and no
// file in envs/ sets: a value that passes every bound, and how to say it.
type example struct {
	what  string                  // what the field is, when the schema has no comment on it
	shown string                  // the example as the comment shows it
	value func(env cue.Value) any // the value, from the environment as it stands
}

// subnetExample is one subnet as the schema's #Subnet spells it.
type subnetExample struct {
	ID   string `json:"id"`
	Zone string `json:"zone"`
}

// regionOf is the environment's region as it stands (set, or a shared
// default), for examples that live in one region.
func regionOf(env cue.Value) string {
	v, _ := env.LookupPath(cue.ParsePath("aws.region")).Default()
	r, err := v.String()
	if err != nil {
		return "us-east-1"
	}
	return r
}

func subnets(first int) func(env cue.Value) any {
	return func(env cue.Value) any {
		r := regionOf(env)
		return []subnetExample{
			{ID: fmt.Sprintf("subnet-0123456789abcdef%d", first), Zone: r + "a"},
			{ID: fmt.Sprintf("subnet-0123456789abcdef%d", first+1), Zone: r + "b"},
		}
	}
}

func constant(v any) func(cue.Value) any { return func(cue.Value) any { return v } }

// examples are the values lexgen new fills in, by path in the environment.
// Every field the schema requires must have one: TestNewCoversRequired
// fails when the schema gains a required field that is missing here.
var examples = map[string]example{
	"aws.accountId": {what: "the AWS account the environment runs in", shown: `"123456789012" (12 digits)`, value: constant("123456789012")},
	"aws.region":    {what: "the AWS region", shown: `"us-east-1"`, value: constant("us-east-1")},
	"aws.vpcId":     {what: "the existing VPC", shown: `"vpc-0123456789abcdef0" (vpc- and 8 or 17 hexadecimal digits)`, value: constant("vpc-0123456789abcdef0")},
	"aws.nodeSubnets": {what: "the subnets of the EKS cluster and its nodes",
		shown: `two or more {id: "subnet-...", zone: "<region>a"} in at least two zones of the region`, value: subnets(0)},
	"aws.databaseSubnets": {what: "the subnets of the RDS database",
		shown: `two or more {id: "subnet-...", zone: "<region>a"} in at least two zones of the region`, value: subnets(2)},
	"cluster.nodes.instanceType": {what: "the EC2 instance type of the nodes", shown: `"t3.medium"`, value: constant("t3.medium")},
	"cluster.nodes.desired":      {what: "how many nodes the group starts with (3 t3.medium hold the platform and the app with one drained)", shown: "3", value: constant(3)},
	"database.instanceClass":     {what: "the RDS instance class of the PostgreSQL database", shown: `"db.t3.micro"`, value: constant("db.t3.micro")},
	"app.image.repository":       {what: "the registry path of the application image", shown: `"123456789012.dkr.ecr.us-east-1.amazonaws.com/lexecon"`, value: constant("123456789012.dkr.ecr.us-east-1.amazonaws.com/lexecon")},
	"app.image.tag":              {what: "the release of the application image", shown: `"0.9.0"`, value: constant("0.9.0")},
	"delivery.repoURL":           {what: "the Git repository Argo CD syncs from", shown: `"https://github.com/example/lexecon-infrastructure.git"`, value: constant("https://github.com/example/lexecon-infrastructure.git")},
}

// regional are the fields that belong to one AWS region: with
// NewOptions.Region they are not copied from another environment.
var regional = map[string]bool{"aws.region": true, "aws.vpcId": true, "aws.nodeSubnets": true, "aws.databaseSubnets": true}

// setting is one field lexgen new writes.
type setting struct {
	path     string // dotted, relative to the environment
	expr     ast.Expr
	required bool // the schema requires it and nothing else sets it
	example  bool // the value is an example, not the user's
}

// New returns the text of envs/<name>.cue for a new environment: every
// field that the schema requires and no shared file sets, each with a
// comment saying what it is and an example, valid as written. It changes
// nothing on disk; the caller validates the result (With, Load) and writes it.
func (r *Repo) New(name string, opt NewOptions) ([]byte, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	rel := EnvsDir + "/" + name + ".cue"
	if _, err := os.Lstat(filepath.Join(r.Root, filepath.FromSlash(rel))); !errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			return nil, fmt.Errorf("%s already exists; lexgen new never overwrites a file (edit it, or delete it first)", rel)
		}
		return nil, err
	}
	if len(r.diags) > 0 {
		return nil, append(Diagnostics(nil), r.diags...).sortAndDedupe()
	}
	var set []setting
	if opt.From != "" {
		copied, err := r.copyValues(opt.From, opt.Region != "")
		if err != nil {
			return nil, err
		}
		set = copied
	}
	if opt.Region != "" {
		set = append(set, setting{path: "aws.region", expr: ast.NewString(opt.Region)})
	}
	// What the schema requires of an environment that sets nothing, so
	// that a copied value can be marked required too.
	fresh, _, err := r.fill(name, nil)
	if err != nil {
		return nil, err
	}
	required := map[string]bool{}
	for _, s := range fresh {
		required[s.path] = true
	}
	set, env, err := r.fill(name, set)
	if err != nil {
		return nil, err
	}
	for i := range set {
		set[i].required = required[set[i].path]
	}
	return r.newFile(name, opt, env, set)
}

// fill adds an example for every field that is still required, round by
// round: a default that depends on a required field (nodes.min on
// nodes.desired) resolves once that field is set. It returns the settings
// and the environment they make.
func (r *Repo) fill(name string, set []setting) ([]setting, cue.Value, error) {
	set = append([]setting(nil), set...)
	for round := 0; ; round++ {
		env, ds := r.evaluateCandidate(name, set)
		if ds != nil {
			return nil, env, ds
		}
		// A wrong value (an unknown --region) is an error now, not a
		// field waiting to be filled.
		if err := env.Validate(); err != nil {
			return nil, env, fromCUE(r.Root, err)
		}
		missing := incompleteLeaves(env)
		if len(missing) == 0 {
			return set, env, nil
		}
		if round == 10 {
			return nil, env, fmt.Errorf("lexgen new cannot fill %s", strings.Join(missing, ", "))
		}
		// Fields without an example may only wait on others (nodes.min
		// defaults to nodes.desired); if none has one, the schema asks
		// for something lexgen new does not know.
		added := false
		for _, p := range missing {
			ex, ok := examples[p]
			if !ok {
				continue
			}
			expr, err := toExpr(env, ex.value(env))
			if err != nil {
				return nil, env, err
			}
			set = append(set, setting{path: p, expr: expr, required: true, example: true})
			added = true
		}
		if !added {
			return nil, env, fmt.Errorf("the schema requires %s, for which lexgen new has no example (internal/load/scaffold.go)", strings.Join(missing, ", "))
		}
	}
}

// copyValues lists the leaves that envs/<from>.cue sets, each with its
// evaluated, concrete value; without the regional ones when asked.
func (r *Repo) copyValues(from string, skipRegional bool) ([]setting, error) {
	if !r.Has(from) {
		return nil, fmt.Errorf("--from %s: unknown environment (known: %s)", from, strings.Join(r.Names(), ", "))
	}
	ev, ds := r.newEvaluator(from)
	if ds != nil {
		return nil, ds
	}
	v, _, ds := ev.value(from)
	if ds != nil {
		return nil, ds
	}
	f := r.files[r.envs[from]]
	var set []setting
	for _, d := range f.Decls {
		fd, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		if n, _, _ := ast.LabelName(fd.Label); n != from {
			continue
		}
		for _, p := range leafPaths(fd.Value, "") {
			if p == "name" || (skipRegional && regional[p]) {
				continue
			}
			src := v.LookupPath(cue.ParsePath(p))
			n := src.Syntax(cue.Final(), cue.Concrete(true))
			expr, ok := n.(ast.Expr)
			if !ok {
				return nil, fmt.Errorf("--from %s: cannot copy %s", from, p)
			}
			set = append(set, setting{path: p, expr: expr})
		}
	}
	return set, nil
}

// leafPaths lists the dotted paths of the fields a struct literal sets,
// down to values that are not struct literals.
func leafPaths(e ast.Expr, prefix string) []string {
	s, ok := e.(*ast.StructLit)
	if !ok {
		return []string{prefix}
	}
	var out []string
	for _, d := range s.Elts {
		fd, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		n, _, err := ast.LabelName(fd.Label)
		if err != nil || strings.HasPrefix(n, "_") || strings.HasPrefix(n, "#") {
			continue
		}
		p := n
		if prefix != "" {
			p = prefix + "." + n
		}
		out = append(out, leafPaths(fd.Value, p)...)
	}
	return out
}

// incompleteLeaves lists, in schema order, the regular fields of env that
// have no concrete value (nor a default).
func incompleteLeaves(env cue.Value) []string {
	var out []string
	var walk func(v cue.Value, prefix string)
	walk = func(v cue.Value, prefix string) {
		k := v.IncompleteKind()
		if k == cue.StructKind || k == cue.BottomKind {
			// A struct whose cross-checks compare incomplete values is
			// bottom for now; its fields are what is missing.
			// (A list in error is bottom too, with no fields.)
			if it, err := v.Fields(); err == nil && it.Next() {
				for more := true; more; more = it.Next() {
					p := it.Selector().String()
					if prefix != "" {
						p = prefix + "." + p
					}
					walk(it.Value(), p)
				}
				return
			}
		}
		if v.Validate(cue.Concrete(true)) != nil {
			out = append(out, prefix)
		}
	}
	walk(env, "")
	return out
}

// evaluateCandidate evaluates the environment name as envs/<name>.cue
// holding set would make it, without validating it.
func (r *Repo) evaluateCandidate(name string, set []setting) (cue.Value, Diagnostics) {
	src, err := format.Node(candidateFile(name, set, nil))
	if err != nil {
		return cue.Value{}, Diagnostics{{Message: "lexgen new: " + err.Error()}}
	}
	r2, err := r.With(name, src)
	if err != nil {
		return cue.Value{}, Diagnostics{{Message: "lexgen new: " + err.Error()}}
	}
	ev, ds := r2.newEvaluator(name)
	if ds != nil {
		return cue.Value{}, ds
	}
	v, ds := ev.build(name)
	if ds != nil {
		return cue.Value{}, ds
	}
	return v.LookupPath(cue.MakePath(cue.Str(name))), nil
}

// With returns a copy of r in which envs/<name>.cue holds src, as Open
// would have found it: for checking a file before it is written.
func (r *Repo) With(name string, src []byte) (*Repo, error) {
	rel := EnvsDir + "/" + name + ".cue"
	f, err := parser.ParseFile(filepath.Join(r.Root, filepath.FromSlash(rel)), src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	r2 := &Repo{Root: r.Root, shared: r.shared, diags: r.diags,
		envs: map[string]string{name: rel}, files: map[string]*ast.File{rel: f}, sources: map[string][]byte{rel: src}}
	for k, v := range r.envs {
		r2.envs[k] = v
	}
	for k, v := range r.files {
		r2.files[k] = v
	}
	for k, v := range r.sources {
		r2.sources[k] = v
	}
	return r2, nil
}

// toExpr turns a Go value into CUE syntax, one list element a line.
func toExpr(env cue.Value, v any) (ast.Expr, error) {
	n := env.Context().Encode(v).Syntax(cue.Final(), cue.Concrete(true))
	e, ok := n.(ast.Expr)
	if !ok {
		return nil, fmt.Errorf("lexgen new: cannot write %v", v)
	}
	return e, nil
}

// candidateFile is envs/<name>.cue holding set, nested by path; comments
// come from doc (nil: none) and are attached to each leaf.
func candidateFile(name string, set []setting, doc func(s setting) []string) *ast.File {
	root := &ast.StructLit{}
	structs := map[string]*ast.StructLit{"": root}
	var get func(p string) *ast.StructLit
	get = func(p string) *ast.StructLit {
		if s, ok := structs[p]; ok {
			return s
		}
		parent, label := "", p
		if i := strings.LastIndexByte(p, '.'); i >= 0 {
			parent, label = p[:i], p[i+1:]
		}
		s := &ast.StructLit{}
		get(parent).Elts = append(get(parent).Elts, &ast.Field{Label: ast.NewIdent(label), Value: s})
		structs[p] = s
		return s
	}
	for _, s := range set {
		parent, label := "", s.path
		if i := strings.LastIndexByte(s.path, '.'); i >= 0 {
			parent, label = s.path[:i], s.path[i+1:]
		}
		f := &ast.Field{Label: ast.NewIdent(label), Value: s.expr}
		if l, ok := s.expr.(*ast.ListLit); ok {
			for _, e := range l.Elts {
				ast.SetRelPos(e, token.Newline)
				// One element a line, as {id: "...", zone: "..."}.
				if st, ok := e.(*ast.StructLit); ok {
					st.Lbrace = token.Newline.Pos()
					for _, d := range st.Elts {
						ast.SetRelPos(d, token.Blank)
					}
					st.Rbrace = token.Blank.Pos()
				}
			}
			l.Rbrack = token.Newline.Pos()
		}
		if doc != nil {
			if lines := doc(s); len(lines) > 0 {
				cg := &ast.CommentGroup{Doc: true}
				for _, l := range lines {
					cg.List = append(cg.List, &ast.Comment{Text: "// " + l})
				}
				ast.AddComment(f, cg)
				ast.SetRelPos(f, token.NewSection)
			}
		}
		get(parent).Elts = append(get(parent).Elts, f)
	}
	return &ast.File{Decls: []ast.Decl{
		&ast.Package{Name: ast.NewIdent(EnvsDir)},
		&ast.Field{Label: ast.NewString(name), Value: root},
	}}
}

// newFile prints the new environment's file in schema order, with a
// comment on every field.
func (r *Repo) newFile(name string, opt NewOptions, env cue.Value, set []setting) ([]byte, error) {
	schema, err := r.Schema()
	if err != nil {
		return nil, err
	}
	order := map[string]int{}
	var walk func(v cue.Value, prefix string)
	walk = func(v cue.Value, prefix string) {
		it, err := v.Fields(cue.Optional(true))
		if err != nil {
			return
		}
		for it.Next() {
			p := it.Selector().Unquoted()
			if prefix != "" {
				p = prefix + "." + p
			}
			order[p] = len(order)
			walk(it.Value(), p)
		}
	}
	walk(schema, "")
	// Order the fields by the schema's order, comparing the paths' parts
	// one by one so that a struct's fields stay together.
	rank := func(p string) []int {
		parts := strings.Split(p, ".")
		out := make([]int, len(parts))
		for i := range parts {
			out[i] = order[strings.Join(parts[:i+1], ".")]
		}
		return out
	}
	sort.SliceStable(set, func(i, j int) bool {
		a, b := rank(set[i].path), rank(set[j].path)
		for k := 0; k < len(a) && k < len(b); k++ {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		return len(a) < len(b)
	})
	doc := func(s setting) []string {
		what := firstSentence(env.LookupPath(cue.ParsePath(s.path)))
		ex, known := examples[s.path]
		if what == "" && known {
			what = upperFirst(ex.what) + "."
		}
		switch {
		case s.required && s.example:
			what += " Required; this is an example, set your own, such as " + ex.shown + "."
		case s.required:
			what += " Required, such as " + ex.shown + "."
		}
		return wrap(what, 72)
	}
	f := candidateFile(name, set, doc)
	header := []string{fmt.Sprintf("%s: written by lexgen new.", name)}
	if opt.From != "" {
		header = append(header, fmt.Sprintf("Copied from %s (%s), with the values its file sets.", opt.From, r.envs[opt.From]))
	}
	header = append(header,
		"Every field the schema requires is here, with a comment saying what it",
		"is; example values pass validation but are not yours: replace them",
		"(the VPC and subnet ids above all) before the first apply. Every other",
		"field has a default: lexgen schema (docs/schema.md) lists them all with",
		"their bounds, and lexgen explain "+name+" PATH shows where a value comes from.",
	)
	cg := &ast.CommentGroup{Doc: true}
	for _, l := range wrap(strings.Join(header, " "), 72) {
		cg.List = append(cg.List, &ast.Comment{Text: "// " + l})
	}
	envField := f.Decls[1].(*ast.Field)
	ast.AddComment(envField, cg)
	ast.SetRelPos(envField, token.NewSection)
	return format.Node(f)
}

// firstSentence is the first sentence of the schema's comment on v.
func firstSentence(v cue.Value) string {
	for _, cg := range v.Doc() {
		pos := cg.Pos()
		if !pos.IsValid() || filepath.Base(filepath.Dir(pos.Filename())) != SchemaDir {
			continue
		}
		text := strings.Join(strings.Fields(cg.Text()), " ")
		for i := 0; i+1 < len(text); i++ {
			if text[i] == '.' && text[i+1] == ' ' && i+2 < len(text) && text[i+2] >= 'A' && text[i+2] <= 'Z' {
				return text[:i+1]
			}
		}
		return text
	}
	return ""
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// wrap breaks text into lines of at most width characters, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = w
			continue
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
