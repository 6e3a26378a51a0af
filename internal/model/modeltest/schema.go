package modeltest

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"cuelang.org/go/cue"

	"github.com/lexecon/lexgen/internal/model"
	"github.com/lexecon/lexgen/internal/model/modelgen"
)

// Choices are the schema's closed sets of values, read from schema/*.cue,
// so a value the schema gains is one the generator picks with no edit here.
type Choices struct {
	InstanceTypes      []string // #InstanceTypes
	DBInstanceClasses  []string // #DBInstanceClasses
	Regions            []string // #Region
	KubernetesVersions []string // #Cluster.kubernetesVersion
	EngineVersions     []string // #Database.engineVersion
	LogLevels          []string // #App.logLevel
	ScheduleDays       []string // #NodeGroup.schedule.days
	LogTypes           []string // #Cluster.logTypes' elements
	MonitoringSeconds  []int    // #Database.monitoringIntervalSeconds
	LogRetentionDays   []int    // #LogRetentionDays
	// Platform is #Platform with every default taken.
	Platform model.Platform
}

// SchemaChoices reads the choices from the schema of this repository, once.
var SchemaChoices = sync.OnceValue(func() *Choices {
	_, file, _, _ := runtime.Caller(0)
	c, err := ReadChoices(filepath.Join(filepath.Dir(file), "..", "..", ".."))
	if err != nil {
		panic(fmt.Sprintf("modeltest: reading the schema's choices: %v", err))
	}
	return c
})

// ReadChoices reads the choices from the schema of the repository at root.
func ReadChoices(root string) (*Choices, error) {
	schema, err := modelgen.Load(root)
	if err != nil {
		return nil, err
	}
	c := &Choices{}
	var errs []error
	strs := func(path string, into *[]string) {
		for _, v := range Enum(lookup(schema, path)) {
			s, err := v.String()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", path, err))
				return
			}
			*into = append(*into, s)
		}
		if len(*into) == 0 {
			errs = append(errs, fmt.Errorf("%s: no choices", path))
		}
	}
	ints := func(path string, into *[]int) {
		for _, v := range Enum(lookup(schema, path)) {
			n, err := v.Int64()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %v", path, err))
				return
			}
			*into = append(*into, int(n))
		}
		if len(*into) == 0 {
			errs = append(errs, fmt.Errorf("%s: no choices", path))
		}
	}
	strs("#InstanceTypes", &c.InstanceTypes)
	strs("#DBInstanceClasses", &c.DBInstanceClasses)
	strs("#Region", &c.Regions)
	strs("#Cluster.kubernetesVersion", &c.KubernetesVersions)
	strs("#Database.engineVersion", &c.EngineVersions)
	strs("#App.logLevel", &c.LogLevels)
	strs("#NodeGroup.schedule?.days", &c.ScheduleDays)
	ints("#Database.monitoringIntervalSeconds", &c.MonitoringSeconds)
	ints("#LogRetentionDays", &c.LogRetentionDays)
	if elem, ok := listElem(lookup(schema, "#Cluster.logTypes")); ok {
		for _, v := range Enum(elem) {
			s, _ := v.String()
			c.LogTypes = append(c.LogTypes, s)
		}
	}
	if len(c.LogTypes) == 0 {
		errs = append(errs, fmt.Errorf("#Cluster.logTypes: no choices"))
	}
	if err := schema.LookupPath(cue.ParsePath("#Platform")).Decode(&c.Platform); err != nil {
		errs = append(errs, fmt.Errorf("#Platform defaults: %v", err))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%v", errs)
	}
	return c, nil
}

// lookup finds a dotted path such as #NodeGroup.schedule?.days in v;
// cue.ParsePath cannot read the optional field's mark.
func lookup(v cue.Value, path string) cue.Value {
	var sels []cue.Selector
	for _, part := range strings.Split(path, ".") {
		switch {
		case strings.HasPrefix(part, "#"):
			sels = append(sels, cue.Def(part))
		case strings.HasSuffix(part, "?"):
			sels = append(sels, cue.Str(strings.TrimSuffix(part, "?")).Optional())
		default:
			sels = append(sels, cue.Str(part))
		}
	}
	return v.LookupPath(cue.MakePath(sels...))
}

// Enum is the concrete values a CUE value allows: the elements of a
// concrete list, or the concrete arms of a disjunction (its error() arm
// and its default mark left out), in the schema's order.
func Enum(v cue.Value) []cue.Value {
	if v.IncompleteKind() == cue.ListKind && v.IsConcrete() {
		var out []cue.Value
		it, err := v.List()
		if err != nil {
			return nil
		}
		for it.Next() {
			out = append(out, it.Value())
		}
		return out
	}
	op, args := v.Expr()
	if op == cue.OrOp {
		var out []cue.Value
		for _, a := range args {
			for _, e := range Enum(a) {
				if !slices.ContainsFunc(out, e.Equals) {
					out = append(out, e)
				}
			}
		}
		return out
	}
	if v.IsConcrete() && v.Err() == nil {
		return []cue.Value{v}
	}
	return nil
}

func listElem(v cue.Value) (cue.Value, bool) {
	if e := v.LookupPath(cue.MakePath(cue.AnyIndex)); e.Exists() {
		return e, true
	}
	_, args := v.Expr()
	for _, a := range args {
		if a.IncompleteKind() != cue.ListKind {
			continue
		}
		if e := a.LookupPath(cue.MakePath(cue.AnyIndex)); e.Exists() {
			return e, true
		}
		for _, b := range func() []cue.Value { _, bs := a.Expr(); return bs }() {
			if e := b.LookupPath(cue.MakePath(cue.AnyIndex)); e.Exists() {
				return e, true
			}
		}
	}
	return cue.Value{}, false
}
