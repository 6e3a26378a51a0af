package reference

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/lexecon/lexgen/internal/load"
	"github.com/lexecon/lexgen/internal/model/modeltest"
)

const root = "../.."

func describeRepo(t *testing.T) *Field {
	t.Helper()
	r, err := load.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	env, err := r.Schema()
	if err != nil {
		t.Fatal(err)
	}
	f, err := Describe(env)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestDocsAreCurrent fails when docs/schema.md or
// docs/environment.schema.json is not what lexgen schema prints for the
// schema as it is: regenerate them with the commands in the message.
func TestDocsAreCurrent(t *testing.T) {
	f := describeRepo(t)
	js, err := JSONSchema(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file, cmd string
		want      []byte
	}{
		{"docs/schema.md", "lexgen schema > docs/schema.md", Markdown(f)},
		{"docs/environment.schema.json", "lexgen schema --format jsonschema > docs/environment.schema.json", js},
	} {
		got, err := os.ReadFile(filepath.Join(root, c.file))
		if err != nil {
			t.Fatalf("%v: run %s", err, c.cmd)
		}
		if !bytes.Equal(got, c.want) {
			t.Errorf("%s is stale: run make docs (%s) and commit it", c.file, c.cmd)
		}
	}
}

// TestEveryFieldDescribed: the reference names every leaf the evaluated
// environments hold, so a field added to the schema cannot be missed.
func TestEveryFieldDescribed(t *testing.T) {
	md := string(Markdown(describeRepo(t)))
	r, err := load.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	raw, ds := r.Export("production")
	if ds != nil {
		t.Fatal(ds)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(p string, v any)
	walk = func(p string, v any) {
		if p != "" && strings.Contains(md, "| `"+p+"` |") {
			return // a row: a leaf, a list or a map of the user's keys
		}
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				q := k
				if p != "" {
					q = p + "." + k
				}
				walk(q, c)
			}
			return
		case []any:
			if len(v) > 0 {
				walk(p+".*", v[0])
				return
			}
		}
		t.Errorf("docs/schema.md has no row for %s", p)
	}
	walk("", v)
}

func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "docs", "environment.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func exported(t *testing.T, r *load.Repo, name string) any {
	t.Helper()
	raw, ds := r.Export(name)
	if ds != nil {
		t.Fatalf("%s: %v", name, ds)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestJSONSchemaAcceptsValidEnvironments: every environment lexgen finds
// valid, exported to JSON, is valid under the JSON Schema: the repository's,
// the golden base's and 40 random ones (internal/model/modeltest).
func TestJSONSchemaAcceptsValidEnvironments(t *testing.T) {
	s := compile(t)
	random := filepath.Join(t.TempDir(), "random")
	if err := modeltest.WriteRepo(root, random, 40, 17); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{root, filepath.Join(root, "golden", "base"), random} {
		if _, err := os.Stat(filepath.Join(dir, "cue.mod")); err != nil {
			// golden/base holds envs/ only: the repository's schema serves.
			tmp := t.TempDir()
			for _, d := range []string{"cue.mod", "schema"} {
				if err := modeltest.CopyDir(filepath.Join(root, d), filepath.Join(tmp, d)); err != nil {
					t.Fatal(err)
				}
			}
			if err := modeltest.CopyDir(filepath.Join(dir, "envs"), filepath.Join(tmp, "envs")); err != nil {
				t.Fatal(err)
			}
			dir = tmp
		}
		r, err := load.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range r.Names() {
			if err := s.Validate(exported(t, r, name)); err != nil {
				t.Errorf("%s/envs/%s.cue: valid for lexgen, not for the JSON Schema:\n%v", filepath.Base(dir), name, err)
			}
		}
	}
}

// TestJSONSchemaRejectsBadValues: the JSON Schema refuses what the CUE
// schema refuses, each case one change to the production environment.
func TestJSONSchemaRejectsBadValues(t *testing.T) {
	s := compile(t)
	r, err := load.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(exported(t, r, "production")); err != nil {
		t.Fatalf("production itself: %v", err)
	}
	for _, c := range []struct {
		name   string
		change func(env map[string]any)
		want   string // in the validation error
	}{
		{"a bound", func(e map[string]any) { at(e, "cluster", "nodes")["desired"] = 0.0 }, "/cluster/nodes/desired"},
		{"an enum", func(e map[string]any) { at(e, "app")["logLevel"] = "verbose" }, "/app/logLevel"},
		{"a misspelt field", func(e map[string]any) { at(e, "database")["backupRetention"] = 30.0 }, "backupRetention"},
		{"a pattern", func(e map[string]any) { at(e, "aws")["vpcId"] = "vpc-xyz" }, "/aws/vpcId"},
		{"a missing field", func(e map[string]any) { delete(at(e, "database"), "instanceClass") }, "instanceClass"},
		{"a type", func(e map[string]any) { at(e, "app", "replicas")["max"] = "8" }, "/app/replicas/max"},
		{"too few items", func(e map[string]any) {
			a := at(e, "aws")
			a["nodeSubnets"] = a["nodeSubnets"].([]any)[:1]
		}, "/aws/nodeSubnets"},
		{"a bucket name S3 reserves", func(e map[string]any) { at(e, "delivery", "terraformState")["bucket"] = "xn--lexecon" }, "/delivery/terraformState/bucket"},
		{"a tag value", func(e map[string]any) { e["tags"] = map[string]any{"team": "a;b"} }, "/tags/team"},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := exported(t, r, "production").(map[string]any)
			c.change(env)
			err := s.Validate(env)
			if err == nil {
				t.Fatalf("accepted")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error does not name %s:\n%v", c.want, err)
			}
		})
	}
}

func at(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

// TestReaches: a field's reaches column is its own @out, else the nearest
// enclosing field's, list elements included.
func TestReaches(t *testing.T) {
	byPath := map[string]*Field{}
	var walk func(f *Field)
	walk = func(f *Field) {
		byPath[f.Path] = f
		for _, c := range f.Fields {
			walk(c)
		}
		if f.Elem != nil {
			walk(f.Elem)
		}
	}
	walk(describeRepo(t))
	for path, want := range map[string]string{
		"cluster.nodes.desired":          "readme, terraform",     // from cluster
		"app.env":                        "kubernetes",            // its own, under app's
		"database.port":                  "kubernetes, terraform", // its own, under database's
		"aws.nodeSubnets.*.zone":         "readme",                // #Subnet's
		"platform.prometheus.chart.name": "platform, readme",      // from prometheus
		"delivery.argocd.project":        "argocd, platform",      // its own
		"delivery.terraformState.bucket": "readme, terraform",     // from terraformState
	} {
		f, ok := byPath[path]
		if !ok {
			t.Errorf("no field %s", path)
			continue
		}
		if got := strings.Join(f.Outputs, ", "); got != want {
			t.Errorf("%s reaches %q, want %q", path, got, want)
		}
	}
}
