package render

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/lexecon/lexgen/internal/model"
	"github.com/lexecon/lexgen/internal/model/modeltest"
)

// notRendered lists the model's fields that no rendered byte depends on,
// each with the reason. Everything else must reach out/.
var notRendered = map[string]string{}

// TestEveryFieldReachesTheOutput changes every leaf of the model, one at a
// time, to another value and requires exactly the parts of out/<env>/ the
// schema's @out attribute declares for it (inherited from the enclosing
// field when the leaf has none) to change: a field the schema accepts and
// no renderer uses is a setting silently dropped, and a field meant for the
// tfvars and the Deployment that reaches only the tfvars is half a feature.
// Other values come from random valid environments where they can, so that
// renderers that look values up (prices, say) see a known one.
func TestEveryFieldReachesTheOutput(t *testing.T) {
	base := richEnv()
	before := renderFiles(t, base)
	alternatives := randomValues(200)
	tested := map[string]bool{}
	for _, leaf := range leaves(reflect.TypeOf(model.Environment{}), "", "") {
		path := leaf.path
		tested[path] = true
		doc := toJSON(t, base)
		old, ok := lookup(doc, path)
		if !ok {
			t.Errorf("%s: the test environment leaves it unset; set it in richEnv so it is tested", path)
			continue
		}
		next := another(path, old, alternatives[path])
		set(doc, path, next)
		e := fromJSON(t, doc, base)
		files, err := Environment(e)
		if err != nil {
			t.Errorf("%s: %v -> %v: render failed: %v", path, short(old), short(next), err)
			continue
		}
		changed := changedOutputs(t, before, files)
		reason, exempt := notRendered[path]
		switch {
		case exempt && len(changed) > 0:
			t.Errorf("%s is listed as not rendered (%s), but changing it changes %s: remove it from notRendered", path, reason, strings.Join(changed, ", "))
		case exempt:
		case leaf.out == "":
			t.Errorf("%s declares no output: give it (or the field that holds it) an @out attribute in schema/ listing the parts of out/<env>/ it reaches (it reaches %s now), and run go generate ./...", path, orNone(changed))
		case strings.Join(changed, ",") != leaf.out:
			t.Errorf("%s: changing it from %v to %v changes %s, but the schema's @out says %s%s", path, short(old), short(next), orNone(changed), strings.ReplaceAll(leaf.out, ",", ", "), outputMismatch(leaf.out, changed))
		}
	}
	for path := range notRendered {
		if !tested[path] {
			t.Errorf("notRendered lists %s, which the model does not have", path)
		}
	}
}

// changedOutputs are the families (model.Outputs) of the files that differ
// between before and files, sorted.
func changedOutputs(t *testing.T, before map[string]string, files []File) []string {
	t.Helper()
	seen := map[string]bool{}
	after := map[string]bool{}
	for _, f := range files {
		after[f.Path] = true
		if before[f.Path] != fileKey(f) {
			seen[outputOf(t, f.Path)] = true
		}
	}
	for p := range before {
		if !after[p] {
			seen[outputOf(t, p)] = true
		}
	}
	var out []string
	for o := range seen {
		out = append(out, o)
	}
	sort.Strings(out)
	return out
}

func outputOf(t *testing.T, path string) string {
	o := model.OutputOf(path)
	if o == "" {
		t.Fatalf("%s is in no output family of model.Outputs: add its folder there", path)
	}
	return o
}

func orNone(outs []string) string {
	if len(outs) == 0 {
		return "no rendered byte"
	}
	return strings.Join(outs, ", ")
}

// outputMismatch says what a renderer (or the declaration) is missing.
func outputMismatch(declared string, changed []string) string {
	var missing, extra []string
	for _, d := range strings.Split(declared, ",") {
		if !slices.Contains(changed, d) {
			missing = append(missing, d)
		}
	}
	for _, c := range changed {
		if !slices.Contains(strings.Split(declared, ","), c) {
			extra = append(extra, c)
		}
	}
	var parts []string
	if missing != nil {
		parts = append(parts, "no file under "+strings.Join(missing, ", ")+" changed: a renderer does not use it yet")
	}
	if extra != nil {
		parts = append(parts, "it also reaches "+strings.Join(extra, ", ")+": add that to its @out if it should")
	}
	return ": " + strings.Join(parts, "; ")
}

// richEnv is testEnv with every optional part set, so that every field is
// there to change.
func richEnv() *model.Environment {
	e := testEnv()
	e.Cluster.Nodes.SpotInstanceTypes = []string{"t3.medium"}
	e.Cluster.Nodes.CapacityType = "SPOT"
	e.Cluster.Nodes.Schedule = &model.Schedule{TimeZone: "Europe/Berlin", Days: "MON-FRI", DownAt: "20:00", UpAt: "07:00", NightSize: 1}
	e.Database.BackupReplication = &model.BackupReplication{Region: "us-west-2", RetentionDays: 7}
	e.Database.BackupPlan = &model.BackupPlan{Schedule: "cron(0 6 ? * * *)", DeleteAfterDays: 200, ColdStorageAfterDays: 40, CopyRegion: "eu-west-1"}
	e.Database.RestoreFromSnapshot = "rds:lexecon-production-2026-11-20-03-00"
	e.Database.MaxAllocatedStorageGiB = 100
	e.App.Env = map[string]string{"FEATURE_FLAG": "on"}
	e.Tags = map[string]string{"CostCenter": "42"}
	e.ExpectedMonthlyCost = &model.CostRange{Low: 100, High: 200}
	return e
}

func fileKey(f File) string { return fmt.Sprintf("%o\n", f.Perm()) + string(f.Data) }

// renderFiles renders e as path -> mode and bytes.
func renderFiles(t *testing.T, e *model.Environment) map[string]string {
	t.Helper()
	files, err := Environment(e)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, f := range files {
		m[f.Path] = fileKey(f)
	}
	return m
}

// leaf is one leaf field of the model: its JSON path and the outputs its
// @out declares (the nearest enclosing field's when it has none).
type leaf struct{ path, out string }

// leaves lists every leaf field of a model type; out is what the
// enclosing field declares.
func leaves(t reflect.Type, prefix, out string) []leaf {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		var ls []leaf
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			o := out
			if own, ok := f.Tag.Lookup("out"); ok {
				o = own
			}
			ls = append(ls, leaves(f.Type, join(prefix, name), o)...)
		}
		return ls
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Struct {
			return leaves(t.Elem(), join(prefix, "0"), out)
		}
		return []leaf{{join(prefix, "0"), out}}
	default:
		return []leaf{{prefix, out}}
	}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func toJSON(t *testing.T, e *model.Environment) map[string]any {
	t.Helper()
	raw, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func fromJSON(t *testing.T, doc map[string]any, base *model.Environment) *model.Environment {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	e := &model.Environment{}
	if err := json.Unmarshal(raw, e); err != nil {
		t.Fatal(err)
	}
	e.Source, e.Prices = base.Source, base.Prices
	return e
}

func lookup(doc any, path string) (any, bool) {
	for _, k := range strings.Split(path, ".") {
		switch d := doc.(type) {
		case map[string]any:
			v, ok := d[k]
			if !ok {
				return nil, false
			}
			doc = v
		case []any:
			i, _ := strconv.Atoi(k)
			if i >= len(d) {
				return nil, false
			}
			doc = d[i]
		default:
			return nil, false
		}
	}
	return doc, doc != nil
}

func set(doc any, path string, v any) {
	keys := strings.Split(path, ".")
	parent, _ := lookup(doc, strings.Join(keys[:len(keys)-1], "."))
	if len(keys) == 1 {
		parent = doc
	}
	switch p := parent.(type) {
	case map[string]any:
		p[keys[len(keys)-1]] = v
	case []any:
		i, _ := strconv.Atoi(keys[len(keys)-1])
		p[i] = v
	}
}

// randomValues collects, for every leaf path, the values random valid
// environments give it.
func randomValues(n int) map[string][]any {
	r := rand.New(rand.NewSource(1))
	out := map[string][]any{}
	all := leaves(reflect.TypeOf(model.Environment{}), "", "")
	for i := 0; i < n; i++ {
		e := modeltest.Random(r, "rand")
		raw, _ := json.Marshal(e)
		var doc map[string]any
		_ = json.Unmarshal(raw, &doc)
		for _, l := range all {
			if v, ok := lookup(doc, l.path); ok {
				out[l.path] = append(out[l.path], v)
			}
		}
	}
	return out
}

// another returns a value for path other than old: one a random valid
// environment has if there is one, else a changed copy of old.
func another(path string, old any, seen []any) any {
	for _, v := range seen {
		if !reflect.DeepEqual(v, old) && reflect.TypeOf(v) == reflect.TypeOf(old) {
			return v
		}
	}
	switch o := old.(type) {
	case bool:
		return !o
	case float64:
		return o + 1
	case string:
		return o + "1"
	case map[string]any:
		m := map[string]any{}
		for k, v := range o {
			m[k] = v
		}
		m["LEXGEN_PROBE"] = "probe"
		return m
	}
	panic(fmt.Sprintf("%s: no other value for %T", path, old))
}

func short(v any) string {
	s := fmt.Sprint(v)
	if m, ok := v.(map[string]any); ok {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s = "map with " + strings.Join(keys, ", ")
	}
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return s
}
