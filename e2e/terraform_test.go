package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const installTerraform = "install Terraform >= 1.5 (the machine image has 1.11 at /usr/local/bin/terraform)"

// tfEnv isolates terraform from the machine's configuration: its own CLI
// config file, no update checks, no prompts.
func tfEnv(t *testing.T, rc string) []string {
	t.Helper()
	if rc == "" {
		rc = filepath.Join(t.TempDir(), "empty.tfrc")
		if err := os.WriteFile(rc, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return []string{"TF_CLI_CONFIG_FILE=" + rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0"}
}

func TestTerraformFmt(t *testing.T) {
	tf := need(t, "terraform", installTerraform)
	env := tfEnv(t, "")
	dirs := []string{filepath.Join(repoRoot, "infrastructure", "terraform")}
	for _, e := range environments(t) {
		dirs = append(dirs, filepath.Join(repoRoot, "out", e, "terraform"))
	}
	golden, _ := filepath.Glob(filepath.Join(repoRoot, "golden", "render", "*", "out", "*", "terraform"))
	dirs = append(dirs, golden...)
	for _, dir := range dirs {
		if out, errOut, err := run(t, dir, env, tf, "fmt", "-check", "-recursive", "-diff"); err != nil {
			t.Errorf("terraform fmt would change %s: %v\n%s%s", dir, err, out, errOut)
		}
	}

	// The check fails on a badly formatted file.
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "x.tfvars"), []byte("a=1\nlong_name = 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, bad, env, tf, "fmt", "-check", bad); err == nil {
		t.Error("terraform fmt -check accepted an unformatted file")
	}
}

// planVariables plans variables.tf alone (no provider, nothing to
// download) with one tfvars file and returns every warning and error
// Terraform reports. Terraform only warns about a tfvars value that no
// variable declares, so warnings count as failures too.
func planVariables(t *testing.T, tfvars string) []string {
	t.Helper()
	tf := need(t, "terraform", installTerraform)
	env := tfEnv(t, "")
	dir := t.TempDir()
	vars, err := os.ReadFile(filepath.Join(repoRoot, "infrastructure", "terraform", "variables.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "variables.tf"), vars, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, err := run(t, dir, env, tf, "init", "-input=false"); err != nil {
		t.Fatalf("terraform init: %v\n%s%s", err, out, errOut)
	}
	out, errOut, err := run(t, dir, env, tf, "plan", "-json", "-input=false", "-var-file="+tfvars)
	var problems []string
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var msg struct {
			Level   string `json:"@level"`
			Message string `json:"@message"`
		}
		if err := json.Unmarshal(sc.Bytes(), &msg); err != nil {
			problems = append(problems, "unreadable line: "+sc.Text())
			continue
		}
		if msg.Level == "warn" || msg.Level == "error" {
			problems = append(problems, msg.Level+": "+msg.Message)
		}
	}
	if err != nil && len(problems) == 0 {
		problems = append(problems, fmt.Sprintf("terraform plan: %v\n%s", err, errOut))
	}
	return problems
}

func TestTfvarsMatchVariablesTF(t *testing.T) {
	for _, e := range environments(t) {
		t.Run(e, func(t *testing.T) {
			tfvars := filepath.Join(repoRoot, "out", e, "terraform", e+".tfvars")
			if problems := planVariables(t, tfvars); len(problems) > 0 {
				t.Errorf("%s:\n%s", tfvars, strings.Join(problems, "\n"))
			}
		})
	}
}

// TestTfvarsCheckCanFail: the same check rejects a value of the wrong type
// and a value no variable declares.
func TestTfvarsCheckCanFail(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(repoRoot, "out", "staging", "terraform", "staging.tfvars"))
	if err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(string) string{
		"wrong type": func(s string) string {
			return strings.Replace(s, "node_desired_size", "node_desired_size = \"two\"\n#", 1)
		},
		"undeclared": func(s string) string { return s + "node_count = 2\n" },
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "bad.tfvars")
			if err := os.WriteFile(p, []byte(edit(string(good))), 0o644); err != nil {
				t.Fatal(err)
			}
			if problems := planVariables(t, p); len(problems) == 0 {
				t.Error("a broken tfvars file passed the check")
			} else {
				t.Logf("rejected as expected: %s", problems[0])
			}
		})
	}
}
