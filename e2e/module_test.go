package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

var varRef = regexp.MustCompile(`\bvar\.([A-Za-z0-9_]+)`)

// unusedVariables lists the variables declared in dir/variables.tf that no
// other .tf file of dir refers to, and the references to undeclared ones.
func unusedVariables(t *testing.T, dir string) (unused, undeclared []string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(dir, "variables.tf"))
	if err != nil {
		t.Fatal(err)
	}
	f, diags := hclsyntax.ParseConfig(src, "variables.tf", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	declared := map[string]bool{}
	for _, b := range f.Body.(*hclsyntax.Body).Blocks {
		if b.Type == "variable" {
			declared[b.Labels[0]] = false
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	for _, p := range files {
		if filepath.Base(p) == "variables.tf" {
			continue
		}
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range varRef.FindAllStringSubmatch(string(src), -1) {
			if _, ok := declared[m[1]]; !ok {
				undeclared = append(undeclared, filepath.Base(p)+": var."+m[1])
				continue
			}
			declared[m[1]] = true
		}
	}
	for name, used := range declared {
		if !used {
			unused = append(unused, name)
		}
	}
	sort.Strings(unused)
	return unused, undeclared
}

func TestModuleUsesEveryVariable(t *testing.T) {
	unused, undeclared := unusedVariables(t, filepath.Join(repoRoot, "infrastructure", "terraform"))
	if len(unused) > 0 {
		t.Errorf("declared but never used: %s", strings.Join(unused, ", "))
	}
	if len(undeclared) > 0 {
		t.Errorf("used but not declared: %s", strings.Join(undeclared, ", "))
	}

	// The check sees an unused and an undeclared variable.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "variables.tf"), []byte("variable \"a\" {}\nvariable \"b\" {}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "main.tf"), []byte("locals { x = var.a\n y = var.c }\n"), 0o644)
	unused, undeclared = unusedVariables(t, dir)
	if strings.Join(unused, ",") != "b" || len(undeclared) != 1 {
		t.Errorf("on a broken module: unused %v, undeclared %v", unused, undeclared)
	}
}
