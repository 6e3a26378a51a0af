package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
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
// time, to another value and requires some rendered byte to change: a field
// the schema accepts and no renderer uses is a setting silently dropped.
// Other values come from random valid environments where they can, so that
// renderers that look values up (prices, say) see a known one.
func TestEveryFieldReachesTheOutput(t *testing.T) {
	base := richEnv()
	before := renderBytes(t, base)
	alternatives := randomValues(200)
	tested := map[string]bool{}
	for _, path := range leafPaths(reflect.TypeOf(model.Environment{}), "") {
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
		after, err := renderAll(e)
		if err != nil {
			t.Errorf("%s: %v -> %v: render failed: %v", path, short(old), short(next), err)
			continue
		}
		changed := !bytes.Equal(before, after)
		reason, exempt := notRendered[path]
		switch {
		case exempt && changed:
			t.Errorf("%s is listed as not rendered (%s), but changing it changes the output: remove it from notRendered", path, reason)
		case !exempt && !changed:
			t.Errorf("%s: changing it from %v to %v changes no rendered byte: render it, or list it in notRendered with the reason", path, short(old), short(next))
		}
	}
	for path := range notRendered {
		if !tested[path] {
			t.Errorf("notRendered lists %s, which the model does not have", path)
		}
	}
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

func renderAll(e *model.Environment) ([]byte, error) {
	files, err := Environment(e)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	for _, f := range files {
		fmt.Fprintf(&b, "== %s %o\n", f.Path, f.Perm())
		b.Write(f.Data)
	}
	return b.Bytes(), nil
}

func renderBytes(t *testing.T, e *model.Environment) []byte {
	t.Helper()
	b, err := renderAll(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// leafPaths lists the JSON paths of every leaf field of a model type:
// lists as path.0 (their first item), maps as the map itself.
func leafPaths(t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		var out []string
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			out = append(out, leafPaths(f.Type, join(prefix, name))...)
		}
		return out
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Struct {
			return leafPaths(t.Elem(), join(prefix, "0"))
		}
		return []string{join(prefix, "0")}
	default:
		return []string{prefix}
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
	for i := 0; i < n; i++ {
		e := modeltest.Random(r, "rand")
		raw, _ := json.Marshal(e)
		var doc map[string]any
		_ = json.Unmarshal(raw, &doc)
		for _, p := range leafPaths(reflect.TypeOf(model.Environment{}), "") {
			if v, ok := lookup(doc, p); ok {
				out[p] = append(out[p], v)
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
