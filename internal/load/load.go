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
	firstDef := map[string]string{} // name -> position of its first definition
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
			r.diags = append(r.diags, fromCUE(abs, err)...)
			continue
		}
		if ds := syntaxLimits(abs, f); ds != nil {
			r.diags = append(r.diags, ds...)
			continue
		}
		if f.PackageName() != EnvsDir {
			r.diags = append(r.diags, Diagnostic{
				Message:   fmt.Sprintf("%s does not start with `package %s`, as every file in envs/ must", rel, EnvsDir),
				Positions: []string{rel + ":1:1"},
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
					Positions: []string{pos},
				})
			case firstDef[d.name] != "":
				r.diags = append(r.diags, Diagnostic{
					Path:      d.name,
					Message:   fmt.Sprintf("environment %q is defined twice; each environment lives in one file, envs/%s.cue", d.name, d.name),
					Positions: []string{firstDef[d.name], pos},
				})
			case d.name != stem:
				r.diags = append(r.diags, Diagnostic{
					Path:      d.name,
					Message:   fmt.Sprintf("%s defines environment %q; an environment file defines exactly one environment and is named after it (envs/%s.cue)", rel, d.name, d.name),
					Positions: []string{pos},
				})
			default:
				r.envs[d.name] = rel
				r.files[rel] = f
			}
			if firstDef[d.name] == "" {
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
		line := fmt.Sprintf("%s:%d:", file, pos.Line())
		known := false
		for _, p := range d.Positions {
			known = known || strings.HasPrefix(p, line)
		}
		if !known {
			ds[i].Positions = orderPositions(append(d.Positions, fmt.Sprintf("%s%d", line, pos.Column())))
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
	if len(r.diags) > 0 {
		return nil, append(Diagnostics(nil), r.diags...).sortAndDedupe()
	}
	prices, err := r.Prices()
	var pds Diagnostics
	if errors.As(err, &pds) {
		return nil, pds
	}
	if err != nil {
		return nil, Diagnostics{{Message: err.Error()}}
	}
	workers = max(1, min(workers, len(names)))
	type result struct {
		env   *model.Environment
		diags Diagnostics
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
				results[i].env, results[i].diags = ev.load(names[i])
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	var envs []*model.Environment
	var diags Diagnostics
	for _, res := range results {
		diags = append(diags, res.diags...)
		if res.env != nil {
			res.env.Prices = prices
			envs = append(envs, res.env)
		}
	}
	return envs, diags.sortAndDedupe()
}

// evaluator evaluates environments in one CUE context. The schema and the
// shared files are loaded (and the schema compiled) once; each environment
// then only adds its own file, parsed when the repository was opened.
type evaluator struct {
	r      *Repo
	ctx    *cue.Context
	base   *build.Instance // shared files and one environment file
	shared []*ast.File
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
	for _, imp := range insts[0].Imports {
		if imp.ImportPath == schemaImport {
			if ds := r.strayedSchemaFiles(imp); ds != nil {
				return nil, ds
			}
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
	return &evaluator{r: r, ctx: cuecontext.New(), base: insts[0], shared: shared}, nil
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
				Positions: []string{relPath(r.Root, f.Filename) + ":1:1"},
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
// every bound and policy.
func (ev *evaluator) value(name string) (cue.Value, Diagnostics) {
	file, ok := ev.r.envs[name]
	if !ok {
		return cue.Value{}, Diagnostics{{Path: name, Message: "no such environment"}}
	}
	if ev.built == contextReuse {
		ev.ctx, ev.built = cuecontext.New(), 0
	}
	ev.built++
	defer evaluating(name, file)()
	v, ds := ev.build(name)
	if ds != nil {
		return cue.Value{}, ds
	}
	if err := v.Validate(cue.Concrete(true), cue.Final()); err != nil {
		return cue.Value{}, ev.r.Locate(file, nameComesFromFile(fromCUE(ev.r.Root, err), file, name))
	}
	return v.LookupPath(cue.MakePath(cue.Str(name))), nil
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

func (ev *evaluator) load(name string) (*model.Environment, Diagnostics) {
	v, ds := ev.value(name)
	if ds != nil {
		return nil, ds
	}
	file := ev.r.envs[name]
	raw, err := v.MarshalJSON()
	if err != nil {
		return nil, ev.r.Locate(file, fromCUE(ev.r.Root, err))
	}
	env := &model.Environment{}
	if err := json.Unmarshal(raw, env); err != nil {
		return nil, Diagnostics{{Path: name, Message: "cannot decode: " + err.Error()}}
	}
	env.Source = file
	if ds := unknownFields(raw, env, name); len(ds) > 0 {
		return nil, ev.r.Locate(file, ds)
	}
	return env, nil
}

// unknownFields reports every field of the evaluated environment that the
// Go model has no place for, and every string not in normal form C. The schema's closed definitions refuse such
// fields already; this guards against a way around them (embedding a
// definition in an open struct, say), so a setting is never silently
// dropped on its way to the renderers.
func unknownFields(raw []byte, env *model.Environment, name string) Diagnostics {
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
					ds = append(ds, Diagnostic{Path: path + "." + k, Message: "field not allowed: the schema defines no field of this name (misspelt?)"})
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
