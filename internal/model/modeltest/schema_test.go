package modeltest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// allowedLists are the only lists of values modeltest may spell out, each
// with the reason the schema cannot supply it.
var allowedLists = map[string]string{
	strings.Join(days, ","):      "day names inside a pattern (#Database.maintenanceWindow), not a set of values",
	strings.Join(nodeTypes, ","): "a subset of #InstanceTypes chosen for capacity (checked below)",
	strings.Join(timeZones, ","): "examples of a pattern (schedule.timeZone)",
	"cue.mod,schema":             "the folders WriteRepo copies, not values",
}

// literalLists returns every slice literal of two or more constants in the
// Go source src, its values joined by commas.
func literalLists(t *testing.T, name string, src []byte) []string {
	f, err := parser.ParseFile(token.NewFileSet(), name, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok || len(lit.Elts) < 2 {
			return true
		}
		if _, ok := lit.Type.(*ast.ArrayType); !ok {
			return true
		}
		var vals []string
		for _, e := range lit.Elts {
			b, ok := e.(*ast.BasicLit)
			if !ok {
				return true
			}
			v := b.Value
			if s, err := strconv.Unquote(v); err == nil {
				v = s
			}
			vals = append(vals, v)
		}
		out = append(out, strings.Join(vals, ","))
		return true
	})
	return out
}

// TestNoListTheSchemaHolds fails when modeltest spells out a list of values
// (instance types, regions, versions) instead of reading it from the
// schema, where it would go stale the day the schema gains a value.
func TestNoListTheSchemaHolds(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range literalLists(t, name, src) {
			if _, ok := allowedLists[l]; !ok {
				t.Errorf("%s holds the list [%s]: read it from the schema (Choices), or add it to allowedLists with the reason the schema cannot supply it", name, l)
			}
		}
	}
	c := SchemaChoices()
	for _, k := range c.KubernetesVersions {
		if kubeProxy[k] == "" {
			t.Errorf("the schema allows Kubernetes %s, and kubeProxy has no kube-proxy version for it: add the EKS user guide's", k)
		}
	}
	for _, typ := range nodeTypes {
		if !slices.Contains(c.InstanceTypes, typ) {
			t.Errorf("nodeTypes holds %s, which is not one of the schema's #InstanceTypes %v", typ, c.InstanceTypes)
		}
	}
}

// TestLiteralListsFindsARepeatedList runs the check above on the list
// modeltest used to repeat from schema/cluster.cue: it must be caught.
func TestLiteralListsFindsARepeatedList(t *testing.T) {
	old := []byte(`package modeltest
var instanceTypes = []string{"t3.small", "t3.medium", "t3.large"}
`)
	got := literalLists(t, "old.go", old)
	if !slices.Equal(got, []string{"t3.small,t3.medium,t3.large"}) {
		t.Fatalf("got %q", got)
	}
	if _, ok := allowedLists[got[0]]; ok {
		t.Fatal("the repeated list is allowed")
	}
}

// TestNewSchemaValueIsPicked adds a region to a copy of the schema: the
// choices hold it with no edit to modeltest.
func TestNewSchemaValueIsPicked(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"cue.mod", "schema"} {
		if err := CopyDir(filepath.Join("..", "..", "..", d), filepath.Join(dir, d)); err != nil {
			t.Fatal(err)
		}
	}
	aws := filepath.Join(dir, "schema", "aws.cue")
	src, err := os.ReadFile(aws)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(src), `#Region: "us-east-1" |`, `#Region: "us-east-1" | "sa-east-1" |`, 1)
	if changed == string(src) {
		t.Fatal("schema/aws.cue no longer declares #Region as this test expects")
	}
	if err := os.WriteFile(aws, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := ReadChoices(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(c.Regions, "sa-east-1") {
		t.Errorf("the new region is not among the choices: %v", c.Regions)
	}
	if want := SchemaChoices().Regions; len(c.Regions) != len(want)+1 {
		t.Errorf("got %d regions, want %d", len(c.Regions), len(want)+1)
	}
}
