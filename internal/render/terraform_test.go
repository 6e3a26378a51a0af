package render

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// declaredNames reads the names of the variable blocks of a variables.tf.
func declaredNames(t *testing.T, name string, src []byte) []string {
	t.Helper()
	f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", name, diags)
	}
	var names []string
	for _, b := range f.Body.(*hclsyntax.Body).Blocks {
		if b.Type == "variable" && len(b.Labels) == 1 {
			names = append(names, b.Labels[0])
		}
	}
	return names
}

// mismatch says which names are declared but not written, and written but
// not declared.
func mismatch(declared, written []string) []string {
	var out []string
	for _, n := range declared {
		if !slices.Contains(written, n) {
			out = append(out, n+" is declared in variables.tf but no tfvars writes it")
		}
	}
	for _, n := range written {
		if !slices.Contains(declared, n) {
			out = append(out, n+" is written to the tfvars but variables.tf does not declare it")
		}
	}
	return out
}

// TestCommittedVariablesMatchTheRenderer reads the committed
// infrastructure/terraform/variables.tf, the file Terraform reads, and
// checks that the renderer writes every variable it declares, and declares
// every variable the renderer writes.
func TestCommittedVariablesMatchTheRenderer(t *testing.T) {
	path := filepath.Join("..", "..", VariablesPath)
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	declared := declaredNames(t, path, src)
	var written []string
	for name := range parseHCL(t, "qa.tfvars", Tfvars(testEnv())) {
		written = append(written, name)
	}
	for _, m := range mismatch(declared, written) {
		t.Error(m)
	}
	if len(declared) < 30 {
		t.Errorf("only %d variables declared; the check would pass on an empty file", len(declared))
	}
}

// TestMismatchIsReported feeds the comparison a variables.tf with a
// variable the renderer does not write and without one it does.
func TestMismatchIsReported(t *testing.T) {
	src := []byte("variable \"environment\" {\n  type = string\n}\n\nvariable \"stray\" {\n  type = string\n}\n")
	got := mismatch(declaredNames(t, "variables.tf", src), []string{"environment", "tier"})
	want := []string{
		"stray is declared in variables.tf but no tfvars writes it",
		"tier is written to the tfvars but variables.tf does not declare it",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestFieldVariablesFollowTheModel: a variable that is one model field
// changes with that field, and a path naming no field, or a field no
// one-field variable can carry, stops at once.
func TestFieldVariablesFollowTheModel(t *testing.T) {
	e := testEnv()
	e.Cluster.Nodes.Desired = 77
	e.Database.RestoreFromSnapshot = ""
	values := parseHCL(t, "qa.tfvars", Tfvars(e))
	if got := values["node_desired_size"].AsBigFloat().String(); got != "77" {
		t.Errorf("node_desired_size = %s, want 77", got)
	}
	if !values["db_snapshot_identifier"].IsNull() {
		t.Errorf("db_snapshot_identifier = %#v, want null for an optional field left out", values["db_snapshot_identifier"])
	}
	n := 0
	for _, v := range variables {
		if v.path != "" {
			n++
		}
	}
	if n < 30 {
		t.Errorf("only %d variables are model fields", n)
	}
	for path, want := range map[string]string{
		"cluster.nodes.desried": "the model has no field desried",
		"tags":                  "which a one-field variable cannot carry",
	} {
		func() {
			defer func() {
				if r, _ := recover().(string); !strings.Contains(r, want) {
					t.Errorf("field(%q): panic %q, want one saying %q", path, r, want)
				}
			}()
			field("x", path, "")
		}()
	}
}
