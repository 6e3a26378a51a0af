// Package load reads schema/ and envs/, validates every environment against
// the schema and its policies, and decodes each into a model.Environment.
package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
	"golang.org/x/text/unicode/norm"

	"github.com/lexecon/lexgen/internal/model"
)

// EnvsDir is where environments live, relative to the repository root.
const EnvsDir = "envs"

// MaxFileSize bounds a file in envs/, so a mistake (a generated or pasted
// blob) fails fast with a clear message instead of a slow evaluation.
const MaxFileSize = 1 << 20

// validName is schema.#EnvName, checked before evaluation too because the
// name becomes a path under out/. The schema stays the rule; this only
// keeps a name like "../x" from reaching the file system.
var validName = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,22}[a-z0-9])?$`)

// Repo is a repository's environments as found on disk, before evaluation.
//
// Every file in envs/ is either shared (it defines no environment: only
// defaults, constraints, hidden fields) or the file of exactly one
// environment, named after it: envs/production.cue defines production.
type Repo struct {
	Root   string
	shared []string             // shared files, relative to Root
	envs   map[string]string    // environment name -> its file, relative to Root
	files  map[string]*ast.File // environment files, parsed, by relative name
	diags  Diagnostics          // problems found while discovering

	sources map[string][]byte // every file of envs/ as read (see Sources)

	pricesOnce sync.Once
	prices     *model.Prices
	pricesErr  error
}

// Open parses every file in root/envs and sorts them into shared and
// environment files. Problems that make the set of environments uncertain
// (syntax errors, a file defining the wrong or several environments) are kept
// and reported by Load, for every environment.
func Open(root string) (*Repo, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	r := &Repo{Root: abs, envs: map[string]string{}, files: map[string]*ast.File{}, sources: map[string][]byte{}}
	paths, err := filepath.Glob(filepath.Join(abs, EnvsDir, "*.cue"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no environments: %s holds no .cue files", filepath.Join(abs, EnvsDir))
	}
	sort.Strings(paths)
	firstDef := map[string]Position{} // name -> position of its first definition
	for _, p := range paths {
		rel := filepath.ToSlash(filepath.Join(EnvsDir, filepath.Base(p)))
		src, ds, err := readSource(abs, filepath.Base(p))
		if err != nil {
			return nil, err
		}
		r.diags = append(r.diags, ds...)
		if src == nil {
			continue
		}
		r.sources[rel] = src
		f, err := parser.ParseFile(p, src)
		if err != nil {
			r.diags = append(r.diags, unquotedHyphens(src, fromCUE(abs, err))...)
			continue
		}
		if ds := syntaxLimits(abs, f); ds != nil {
			r.diags = append(r.diags, ds...)
			continue
		}
		if f.PackageName() != EnvsDir {
			r.diags = append(r.diags, Diagnostic{
				Message:   fmt.Sprintf("%s does not start with `package %s`, as every file in envs/ must", rel, EnvsDir),
				Positions: []Position{fileStart(rel)},
			})
			continue
		}
		defined := topLevelFields(f)
		if len(defined) == 0 {
			r.shared = append(r.shared, rel)
			continue
		}
		stem := strings.TrimSuffix(filepath.Base(p), ".cue")
		for _, d := range defined {
			pos := positions(abs, []token.Pos{d.pos})[0]
			switch {
			case !validName.MatchString(d.name):
				r.diags = append(r.diags, Diagnostic{
					Path:      strconv.Quote(d.name),
					Message:   "not a valid environment name: use 1 to 24 lower-case letters, digits and '-', starting with a letter and not ending with '-' (it names folders, namespaces and AWS resources)",
					Positions: []Position{pos},
				})
			case firstDef[d.name] != Position{}:
				r.diags = append(r.diags, Diagnostic{
					Path:      d.name,
					Message:   fmt.Sprintf("environment %q is defined twice; each environment lives in one file, envs/%s.cue", d.name, d.name),
					Positions: []Position{firstDef[d.name], pos},
				})
			case d.name != stem:
				r.diags = append(r.diags, Diagnostic{
					Path:      d.name,
					Message:   fmt.Sprintf("%s defines environment %q; an environment file defines exactly one environment and is named after it (envs/%s.cue)", rel, d.name, d.name),
					Positions: []Position{pos},
				})
			default:
				r.envs[d.name] = rel
				r.files[rel] = f
			}
			if firstDef[d.name] == (Position{}) {
				firstDef[d.name] = pos
			}
		}
	}
	return r, nil
}

type field struct {
	name string
	pos  token.Pos
}

// topLevelFields lists the regular fields a file declares at its top level;
// hidden fields, definitions and pattern constraints do not count.
func topLevelFields(f *ast.File) []field {
	var out []field
	for _, d := range f.Decls {
		fd, ok := d.(*ast.Field)
		if !ok {
			continue
		}
		name, isIdent, err := ast.LabelName(fd.Label)
		if err != nil || name == "" {
			continue // a pattern constraint such as [Name=_]: ...
		}
		if isIdent && (strings.HasPrefix(name, "_") || strings.HasPrefix(name, "#")) {
			continue
		}
		out = append(out, field{name: name, pos: fd.Label.Pos()})
	}
	return out
}

// Locate adds to each diagnostic the line of the environment file that set
// (or encloses) the failing value, when CUE did not already name that line.
func (r *Repo) Locate(file string, ds Diagnostics) Diagnostics {
	f := r.files[file]
	for i, d := range ds {
		if d.Path == "" || f == nil {
			continue
		}
		pos := where(f, strings.Split(d.Path, "."))
		if !pos.IsValid() {
			continue
		}
		known := false
		for _, p := range d.Positions {
			known = known || p.File == file && p.Line == pos.Line()
		}
		if !known {
			ds[i].Positions = orderPositions(append(d.Positions, Position{File: file, Line: pos.Line(), Col: pos.Column()}))
		}
	}
	return ds
}

// Prices loads the price table of schema/prices.cue (once).
func (r *Repo) Prices() (*model.Prices, error) {
	r.pricesOnce.Do(func() {
		insts := load.Instances([]string{"./schema"}, &load.Config{Dir: r.Root})
		if len(insts) != 1 || insts[0].Err != nil {
			r.pricesErr = fmt.Errorf("loading schema/: %v", insts[0].Err)
			return
		}
		if ds := r.strayedSchemaFiles(insts[0]); ds != nil {
			r.pricesErr = ds
			return
		}
		v := cuecontext.New().BuildInstance(insts[0]).LookupPath(cue.ParsePath("prices"))
		if err := v.Validate(cue.Concrete(true)); err != nil {
			r.pricesErr = fmt.Errorf("schema/prices.cue: %v", err)
			return
		}
		r.prices = &model.Prices{}
		r.pricesErr = v.Decode(r.prices)
	})
	return r.prices, r.pricesErr
}

// Names lists the environments in lexical order.
func (r *Repo) Names() []string {
	names := make([]string, 0, len(r.envs))
	for n := range r.envs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Has reports whether name is one of the repository's environments.
func (r *Repo) Has(name string) bool { _, ok := r.envs[name]; return ok }

// Load evaluates the named environments, each on its own (the shared files
// plus its own file), so that one broken environment does not hide another's
// errors. It returns the valid ones, in the order named, and every problem
// found; a caller that must not act on partial input checks the diagnostics
// first. Environments are evaluated in parallel, one CUE context per worker
// (a context is not safe for concurrent use); the result does not depend on
// the number of workers.
func (r *Repo) Load(names []string) ([]*model.Environment, Diagnostics) {
	return r.LoadWorkers(names, runtime.GOMAXPROCS(0))
}

// LoadWorkers is Load with a given number of workers.
func (r *Repo) LoadWorkers(names []string, workers int) ([]*model.Environment, Diagnostics) {
	envs, _, diags := r.loadAll(names, workers)
	return envs, diags
}

// LoadAll is Load that also returns the environments the schema refused,
// decoded as far as they are sound, so that the cross-checks can run on
// them too and every error comes out in one run.
func (r *Repo) LoadAll(names []string) ([]*model.Environment, []*Partial, Diagnostics) {
	return r.loadAll(names, runtime.GOMAXPROCS(0))
}

func (r *Repo) loadAll(names []string, workers int) ([]*model.Environment, []*Partial, Diagnostics) {
	if len(r.diags) > 0 {
		return nil, nil, append(Diagnostics(nil), r.diags...).sortAndDedupe()
	}
	prices, err := r.Prices()
	var pds Diagnostics
	if errors.As(err, &pds) {
		return nil, nil, pds
	}
	if err != nil {
		return nil, nil, Diagnostics{{Message: err.Error()}}
	}
	workers = max(1, min(workers, len(names)))
	type result struct {
		env     *model.Environment
		partial *Partial
		diags   Diagnostics
	}
	results := make([]result, len(names))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ev *evaluator
			var evErr Diagnostics
			for i := range next {
				if ev == nil && evErr == nil {
					ev, evErr = r.newEvaluator(names[i])
				}
				if evErr != nil {
					results[i].diags = evErr
					continue
				}
				results[i].env, results[i].partial, results[i].diags = ev.load(names[i])
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	var envs []*model.Environment
	var partials []*Partial
	var diags Diagnostics
	for _, res := range results {
		diags = append(diags, res.diags...)
		if res.env != nil {
			res.env.Prices = prices
			envs = append(envs, res.env)
		}
		if res.partial != nil {
			res.partial.Env.Prices = prices
			partials = append(partials, res.partial)
		}
	}
	return envs, partials, diags.sortAndDedupe()
}

// evaluator evaluates environments in one CUE context. The schema and the
// shared files are loaded (and the schema compiled) once; each environment
// then only adds its own file, parsed when the repository was opened.
type evaluator struct {
	r      *Repo
	ctx    *cue.Context
	base   *build.Instance // shared files and one environment file
	shared []*ast.File
	// schemaInst is the schema package; schemaVal its #Environment in ctx.
	schemaInst *build.Instance
	schemaVal  cue.Value
	// built counts instances built in ctx; the context is replaced now and
	// then, since it keeps what it has built for its lifetime.
	built int
}

// contextReuse is how many environments one CUE context evaluates before it
// is replaced; it bounds memory for a thousand environments at little cost.
const contextReuse = 100

func (r *Repo) newEvaluator(name string) (*evaluator, Diagnostics) {
	file, ok := r.envs[name]
	if !ok {
		return nil, Diagnostics{{Path: name, Message: "no such environment"}}
	}
	// The binding file is loaded with the others (from memory), so that its
	// import of the schema resolves even if no shared file imports it.
	src, _, err := bindingFile(name)
	if err != nil {
		return nil, Diagnostics{{Path: name, Message: "cannot bind to the schema: " + err.Error()}}
	}
	bindPath := filepath.Join(r.Root, EnvsDir, bindingName)
	// Every file of envs/ comes from the bytes Open read and checked, never
	// from the disk again: what was checked is what is evaluated.
	overlay := map[string]load.Source{bindPath: load.FromBytes(src)}
	for rel, b := range r.sources {
		overlay[filepath.Join(r.Root, filepath.FromSlash(rel))] = load.FromBytes(b)
	}
	args := append(append([]string(nil), r.shared...), file, filepath.Join(EnvsDir, bindingName))
	insts := load.Instances(args, &load.Config{Dir: r.Root, Overlay: overlay})
	if len(insts) != 1 {
		return nil, Diagnostics{{Path: name, Message: fmt.Sprintf("loading %s gave %d CUE instances, want 1", file, len(insts))}}
	}
	if err := insts[0].Err; err != nil {
		return nil, r.Locate(file, fromCUE(r.Root, err))
	}
	var schemaInst *build.Instance
	for _, imp := range insts[0].Imports {
		if imp.ImportPath == schemaImport {
			if ds := r.strayedSchemaFiles(imp); ds != nil {
				return nil, ds
			}
			schemaInst = imp
		}
	}
	// The loaded files, less this environment's own and the binding, are
	// the shared ones.
	var shared []*ast.File
	own := filepath.Join(r.Root, filepath.FromSlash(file))
	for _, f := range insts[0].Files {
		if f.Filename != own && f.Filename != bindPath {
			shared = append(shared, f)
		}
	}
	if len(shared) != len(r.shared) {
		return nil, Diagnostics{{Path: name, Message: fmt.Sprintf("loading %d shared files gave %d", len(r.shared), len(shared))}}
	}
	return &evaluator{r: r, ctx: cuecontext.New(), base: insts[0], shared: shared, schemaInst: schemaInst}, nil
}

// strayedSchemaFiles refuses files of the schema package outside schema/:
// CUE adds to a package the files of the same package in the folders above
// it, so a file at the repository root saying `package schema` would take
// part in every policy, out of sight of schema/'s reviewers.
func (r *Repo) strayedSchemaFiles(inst *build.Instance) Diagnostics {
	var ds Diagnostics
	dir := filepath.Join(r.Root, SchemaDir)
	for _, f := range inst.Files {
		if filepath.Dir(f.Filename) != dir {
			ds = append(ds, Diagnostic{
				Message:   fmt.Sprintf("this file is part of the schema package but lies outside %s/; CUE would add it to every policy, so move it into %s/ or change its package", SchemaDir, SchemaDir),
				Positions: []Position{fileStart(relPath(r.Root, f.Filename))},
			})
		}
	}
	return ds
}

// relPath is a file's path relative to root, with slashes, where it lies
// inside root.
func relPath(root, name string) string {
	if rel, err := filepath.Rel(root, name); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return name
}

// SchemaDir holds the schema package, relative to the repository root.
const SchemaDir = "schema"

// schemaImport is the schema package's import path (cue.mod/module.cue).
const schemaImport = "github.com/lexecon/lexgen/schema"

// bindingFile is the file lexgen adds to every evaluation:
//
//	<name>: schema.#Environment & {name: "<name>"}
//
// It binds the environment to the schema and its name to its file whatever
// envs/ says: no shared file can remove, narrow or skip it. It is built as a
// syntax tree, printed (src, which the loader reads to resolve the import)
// and parsed again (f, evaluated with each environment) so its references
// resolve as in a file someone wrote.
func bindingFile(name string) (src []byte, f *ast.File, err error) {
	alias := ast.NewIdent("lexgenSchema")
	tree := &ast.File{Decls: []ast.Decl{
		&ast.Package{Name: ast.NewIdent(EnvsDir)},
		&ast.ImportDecl{Specs: []*ast.ImportSpec{ast.NewImport(alias, schemaImport)}},
		&ast.Field{
			Label: ast.NewString(name),
			Value: ast.NewBinExpr(token.AND,
				ast.NewSel(ast.NewIdent(alias.Name), "#Environment"),
				ast.NewStruct("name", ast.NewString(name))),
		},
	}}
	if src, err = format.Node(tree); err != nil {
		return nil, nil, err
	}
	f, err = parser.ParseFile(bindingName, src)
	return src, f, err
}

// bindingName names the binding file. It starts with a dot so that it is
// never one of the files in envs/ (which are *.cue) and never an
// environment's name.
const bindingName = ".lexgen-binding.cue"

// value evaluates one environment and validates it: concrete, final, within
// every bound and policy. When it is not valid, it also returns what of it
// decoded (see walker).
func (ev *evaluator) value(name string) (cue.Value, *Partial, Diagnostics) {
	file, ok := ev.r.envs[name]
	if !ok {
		return cue.Value{}, nil, Diagnostics{{Path: name, Message: "no such environment"}}
	}
	if ev.built == contextReuse {
		ev.ctx, ev.built, ev.schemaVal = cuecontext.New(), 0, cue.Value{}
	}
	ev.built++
	defer evaluating(name, file)()
	v, ds := ev.build(name)
	if ds != nil {
		return cue.Value{}, nil, ds
	}
	own := ev.ctx.BuildFile(ev.r.files[file])
	schema := ev.schema()
	v, w := ev.layered(v, own, schema, name)
	if len(w.problems) == 0 {
		return v.LookupPath(cue.MakePath(cue.Str(name))), nil, nil
	}
	ds = plain(w.problems, func(path []string) fieldFacts { return fieldInfo(schema, own, path) })
	ds = ev.r.Locate(file, nameComesFromFile(ds, file, name))
	return cue.Value{}, partial(w.decoded, w, name, file), ds
}

// check validates the environment name of v, whose schema is
// schema.#Environment, and decodes what is sound.
func (ev *evaluator) check(v, schema cue.Value, name string) *walker {
	w := &walker{root: ev.r.Root}
	err := v.Validate(cue.Concrete(true), cue.Final())
	if err == nil {
		// CUE reports some error whenever there is one; only then is
		// the walk needed to find every other (and it costs three times
		// the validation).
		return w
	}
	w.problems = problemsOf(ev.r.Root, err)
	w.decoded, _ = w.walk(v.LookupPath(cue.MakePath(cue.Str(name))), schema, []string{name})
	return w
}

// Defaults come in layers: the schema's, then the shared files', then the
// environment's own; each later one replaces the earlier. CUE has no such
// order: a default (*60 | _) in a shared file and the schema's own (*30)
// cancel each other, and the field is left with no value. So where a field
// is left without a value and a later layer offers a default, lexgen fills
// that default in: the environment file's, else the shared files'. A value
// set outright (60, not *60) is no default: an environment that sets
// another conflicts with it, as CUE says.
type fill struct {
	path  cue.Path
	value cue.Value
}

// layered is v with the defaults of the later layers filled in where CUE
// left a field without a value, and the check of the result.
func (ev *evaluator) layered(v, own, schema cue.Value, name string) (cue.Value, *walker) {
	w := ev.check(v, schema, name)
	if fills := ev.layerDefaults(name, own, w.problems); len(fills) > 0 {
		for _, f := range fills {
			v = v.FillPath(f.path, f.value)
		}
		w = ev.check(v, schema, name)
	}
	return v, w
}

// layerDefaults finds, for each field left without a value, the default
// the environment's own file (own, evaluated alone) or the shared files
// offer.
func (ev *evaluator) layerDefaults(name string, own cue.Value, ps []problem) []fill {
	var shared cue.Value
	var fills []fill
	seen := map[string]bool{}
	for _, p := range ps {
		k := strings.Join(p.Path, ".")
		if len(p.Path) < 2 || p.Path[0] != name || !reIncomplete.MatchString(p.Msg) || seen[k] {
			continue
		}
		seen[k] = true
		path := cue.MakePath(selectors(p.Path)...)
		if !shared.Exists() {
			shared = ev.sharedLayer(name)
		}
		for _, layer := range []cue.Value{own, shared} {
			if d, ok := layer.LookupPath(path).Default(); ok && d.IsConcrete() && d.Err() == nil {
				fills = append(fills, fill{path, d})
				break
			}
		}
	}
	return fills
}

// sharedLayer evaluates the shared files alone, with the environment
// declared and nothing else, so that their pattern constraints
// ([_]: {...}) say what they give it.
func (ev *evaluator) sharedLayer(name string) cue.Value {
	f, err := parser.ParseFile(layerName, "package "+EnvsDir+"\n"+strconv.Quote(name)+": {}\n")
	if err != nil {
		return cue.Value{}
	}
	inst := *ev.base
	inst.Files = append(append([]*ast.File(nil), ev.shared...), f)
	return ev.ctx.BuildInstance(&inst)
}

// layerName names the file that declares the environment for sharedLayer;
// like bindingName, it is never a file of envs/.
const layerName = ".lexgen-layer.cue"

// Partial is an environment the schema refused, decoded as far as it is
// sound: Broken lists the paths (from the environment's name) that are
// missing or wrong, and Env holds zero values there.
type Partial struct {
	Env    *model.Environment
	Broken []string
}

func partial(decoded any, w *walker, name, file string) *Partial {
	raw, err := json.Marshal(decoded)
	if err != nil {
		return nil
	}
	env := &model.Environment{}
	if json.Unmarshal(raw, env) != nil {
		// A sound field of a type the model does not expect: decode
		// nothing rather than guess.
		return nil
	}
	env.Name, env.Source = name, file
	p := &Partial{Env: env}
	paths := w.broken
	for _, pr := range w.problems {
		paths = append(paths, pr.Path)
	}
	for _, path := range paths {
		if b := strings.Join(path, "."); !contains(p.Broken, b) {
			p.Broken = append(p.Broken, b)
		}
	}
	return p
}

// schema is schema.#Environment in the evaluator's context.
func (ev *evaluator) schema() cue.Value {
	if !ev.schemaVal.Exists() && ev.schemaInst != nil {
		ev.schemaVal = ev.ctx.BuildInstance(ev.schemaInst).LookupPath(cue.ParsePath("#Environment"))
	}
	return ev.schemaVal
}

// build evaluates the shared files, the environment's file and the binding
// together; the result holds the environment under its name.
func (ev *evaluator) build(name string) (cue.Value, Diagnostics) {
	_, bind, err := bindingFile(name)
	if err != nil {
		return cue.Value{}, Diagnostics{{Path: name, Message: "cannot bind to the schema: " + err.Error()}}
	}
	inst := *ev.base
	inst.Files = append(append([]*ast.File(nil), ev.shared...), ev.r.files[ev.r.envs[name]], bind)
	return ev.ctx.BuildInstance(&inst), nil
}

// nameComesFromFile replaces the bare conflict the binding reports when an
// environment sets a name other than its own: the name comes from the file
// (envs/<name>.cue) and names folders under out/, the namespace and AWS
// resources.
func nameComesFromFile(ds Diagnostics, file, name string) Diagnostics {
	for i, d := range ds {
		if d.Path == name+".name" {
			ds[i].Message = fmt.Sprintf("the environment's name comes from its file (%s names %q); remove this name field", file, name)
		}
	}
	return ds
}

func (ev *evaluator) load(name string) (*model.Environment, *Partial, Diagnostics) {
	v, part, ds := ev.value(name)
	if ds != nil {
		return nil, part, ds
	}
	file := ev.r.envs[name]
	raw, err := v.MarshalJSON()
	if err != nil {
		return nil, nil, ev.r.Locate(file, fromCUE(ev.r.Root, err))
	}
	env := &model.Environment{}
	if err := json.Unmarshal(raw, env); err != nil {
		return nil, nil, Diagnostics{{Path: name, Message: "cannot decode: " + err.Error()}}
	}
	env.Source = file
	if ds := unknownFields(raw, env, name, ev.schema()); len(ds) > 0 {
		return nil, nil, ev.r.Locate(file, ds)
	}
	return env, nil, nil
}

// unknownFields reports every field of the evaluated environment that the
// Go model has no place for, and every string not in normal form C. The schema's closed definitions refuse such
// fields already; this guards against a way around them (embedding a
// definition in an open struct, say), so a setting is never silently
// dropped on its way to the renderers.
//
// A field the schema does define and the model does not is lexgen's own
// fault: its Go model is older than its schema.
func unknownFields(raw []byte, env *model.Environment, name string, schema cue.Value) Diagnostics {
	var fromCUE, fromModel any
	err := json.Unmarshal(raw, &fromCUE)
	if err == nil {
		raw, err = json.Marshal(env)
	}
	if err == nil {
		err = json.Unmarshal(raw, &fromModel)
	}
	if err != nil {
		return Diagnostics{{Path: name, Message: "cannot compare with the model: " + err.Error()}}
	}
	var ds Diagnostics
	var walk func(path string, c, m any)
	walk = func(path string, c, m any) {
		switch c := c.(type) {
		case string:
			// HCL reads every string in Unicode normal form C, so a value
			// in another form would reach Terraform changed.
			if !norm.NFC.IsNormalString(c) {
				ds = append(ds, Diagnostic{Path: path, Message: fmt.Sprintf("is not in Unicode normal form C; Terraform would read it as %q, so write it that way", norm.NFC.String(c))})
			}
		case map[string]any:
			mm, _ := m.(map[string]any)
			for k, cv := range c {
				mv, ok := mm[k]
				if !ok {
					msg := "field not allowed: the schema defines no field of this name (misspelt?)"
					if schemaHas(schema, strings.TrimPrefix(path+"."+k, name+".")) {
						msg = "the schema defines this field but this lexgen's Go model has no place for it: internal/model/model_gen.go is older than schema/ (run go generate ./... and rebuild lexgen)"
					}
					ds = append(ds, Diagnostic{Path: path + "." + k, Message: msg})
					continue
				}
				walk(path+"."+k, cv, mv)
			}
		case []any:
			ml, _ := m.([]any)
			for i, cv := range c {
				if i < len(ml) {
					walk(path+"."+strconv.Itoa(i), cv, ml[i])
				}
			}
		}
	}
	walk(name, fromCUE, fromModel)
	return ds
}

// schemaHas reports whether the schema value s has a field at the dotted
// path (list indexes match any element).
func schemaHas(s cue.Value, path string) bool {
	for _, k := range strings.Split(path, ".") {
		if _, err := strconv.Atoi(k); err == nil {
			s = s.LookupPath(cue.MakePath(cue.AnyIndex))
			continue
		}
		if v := s.LookupPath(cue.MakePath(cue.Str(k))); v.Exists() {
			s = v
			continue
		}
		s = s.LookupPath(cue.MakePath(cue.Str(k).Optional()))
		if !s.Exists() {
			return false
		}
	}
	return s.Exists()
}
