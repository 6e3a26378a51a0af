package load

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/token"
)

// Contribution is one place that constrains or sets a field.
type Contribution struct {
	Position string `json:"position"` // envs/production.cue:28:3
	Kind     string `json:"kind"`     // environment, shared, schema or policy
	Source   string `json:"source"`   // the CUE text of the conjunct
	Default  bool   `json:"default"`  // it offers a default (marked *)
}

// Explanation says where a field's final value comes from.
type Explanation struct {
	Path          string         `json:"path"`
	Value         string         `json:"value"`
	DecidedBy     *Contribution  `json:"decidedBy"`
	Contributions []Contribution `json:"contributions"`
}

// Explain evaluates environment name and explains the field at path
// (database.backupRetentionDays): its final value, every conjunct that
// contributed with its position, and the one that decided.
func (r *Repo) Explain(name, path string) (*Explanation, Diagnostics) {
	if len(r.diags) > 0 {
		return nil, r.diags
	}
	ev, ds := r.newEvaluator(name)
	if ds != nil {
		return nil, ds
	}
	defer evaluating(name, r.envs[name])()
	root, ds := ev.build(name)
	if ds != nil {
		return nil, ds
	}
	root, _ = ev.layered(root, ev.ctx.BuildFile(r.files[r.envs[name]]), ev.schema(), name)
	sel, err := fieldPath(path)
	if err != nil {
		return nil, Diagnostics{{Path: path, Message: "not a field path: " + err.Error()}}
	}
	full := cue.MakePath(append([]cue.Selector{cue.Str(name)}, sel...)...)
	v := root.LookupPath(full)
	if !v.Exists() {
		return nil, Diagnostics{{Path: name + "." + path, Message: "the model has no such field" + didYouMean(root, name, sel)}}
	}
	final := v
	if d, ok := v.Default(); ok {
		final = d
	}
	if err := final.Validate(cue.Concrete(true), cue.Final()); err != nil {
		return nil, r.Locate(r.envs[name], fromCUE(r.Root, err))
	}
	value := text(final)

	var conjuncts []cue.Value
	if op, args := v.Expr(); op == cue.AndOp {
		conjuncts = args
	} else {
		conjuncts = []cue.Value{v}
	}
	x := &Explanation{Path: name + "." + path, Value: value}
	for _, c := range conjuncts {
		pos := c.Pos()
		if !pos.IsValid() {
			continue
		}
		src := strings.TrimSpace(syntax(c))
		_, hasDefault := c.Default()
		x.Contributions = append(x.Contributions, Contribution{
			Position: r.rel(pos), Kind: kind(r.rel(pos), r.envs[name]), Source: src,
			Default: hasDefault && strings.Contains(src, "*"),
		})
	}
	sort.SliceStable(x.Contributions, func(i, j int) bool {
		return order(x.Contributions[i].Kind) < order(x.Contributions[j].Kind)
	})
	// What decided: the environment's own value, else a shared value, else
	// the default nearest the environment.
	for _, pick := range []func(Contribution) bool{
		func(c Contribution) bool { return c.Kind == "environment" && !c.Default },
		func(c Contribution) bool { return c.Kind == "shared" && !c.Default && c.Source == value },
		func(c Contribution) bool { return c.Default },
	} {
		for i, c := range x.Contributions {
			if x.DecidedBy == nil && pick(c) {
				x.DecidedBy = &x.Contributions[i]
			}
		}
	}
	return x, nil
}

func (r *Repo) rel(p token.Pos) string {
	return fmt.Sprintf("%s:%d:%d", relPath(r.Root, p.Filename()), p.Line(), p.Column())
}

func kind(pos, envFile string) string {
	switch {
	case strings.HasPrefix(pos, envFile+":"):
		return "environment"
	case strings.HasPrefix(pos, EnvsDir+"/"):
		return "shared"
	case strings.HasPrefix(pos, "schema/policy.cue:"):
		return "policy"
	}
	return "schema"
}

func order(kind string) int {
	return map[string]int{"environment": 0, "shared": 1, "schema": 2, "policy": 3}[kind]
}

func syntax(v cue.Value) string {
	b, err := format.Node(v.Syntax(cue.Raw()))
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// text is a concrete value as JSON, strings unquoted.
func text(v cue.Value) string {
	if s, err := v.String(); err == nil {
		return s
	}
	b, err := v.MarshalJSON()
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// fieldPath reads a field path as lexgen prints them (aws.nodeSubnets.0.zone,
// list items by number) or as CUE writes them (aws.nodeSubnets[0].zone,
// tags."a.b").
func fieldPath(path string) ([]cue.Selector, error) {
	if p := cue.ParsePath(path); p.Err() == nil {
		return p.Selectors(), nil
	}
	var sel []cue.Selector
	for _, part := range strings.Split(path, ".") {
		if n, err := strconv.Atoi(part); err == nil && n >= 0 && strconv.Itoa(n) == part {
			sel = append(sel, cue.Index(n))
			continue
		}
		p := cue.ParsePath(part)
		if p.Err() != nil || len(p.Selectors()) != 1 {
			return nil, fmt.Errorf("%q is neither a field name nor a list position", part)
		}
		sel = append(sel, p.Selectors()...)
	}
	return sel, nil
}

// didYouMean names the field a path that does not exist most likely meant
// (app.replicsa: app.replicas), from the fields the environment holds
// where the path first goes astray; "" when none is close.
func didYouMean(root cue.Value, name string, sel []cue.Selector) string {
	at := []cue.Selector{cue.Str(name)}
	for i, s := range sel {
		next := append(at[:len(at):len(at)], s)
		if root.LookupPath(cue.MakePath(next...)).Exists() {
			at = next
			continue
		}
		if s.Type() != cue.StringLabel {
			return ""
		}
		c := closest(s.Unquoted(), fieldNames(root.LookupPath(cue.MakePath(at...))))
		if c == "" {
			return ""
		}
		var fixed []string
		for _, p := range sel[:i] {
			fixed = append(fixed, p.String())
		}
		return fmt.Sprintf(": did you mean %s?", strings.Join(append(fixed, c), "."))
	}
	return ""
}
