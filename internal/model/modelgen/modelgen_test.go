package modelgen_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/lexecon/lexgen/internal/model/modelgen"
	"github.com/lexecon/lexgen/internal/model/modeltest"
)

const root = "../../.."

// TestModelIsFresh fails when the schema and internal/model/model_gen.go
// disagree: someone changed one without regenerating the other.
func TestModelIsFresh(t *testing.T) {
	want, err := modelgen.Generate(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, modelgen.Output))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go generate ./...\n%s", modelgen.Output, cmp.Diff(string(got), string(want)))
	}
}

// TestNewFieldReachesTheModel adds a field to a copy of the schema: the
// generated model changes, so the freshness test above would fail until
// someone regenerates it.
func TestNewFieldReachesTheModel(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"cue.mod", "schema"} {
		if err := modeltest.CopyDir(filepath.Join(root, d), filepath.Join(dir, d)); err != nil {
			t.Fatal(err)
		}
	}
	extra := "package schema\n\n#App: {\n\t// trialSetting is a field added by a test.\n\ttrialSetting: *3 | int\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "schema", "trial.cue"), []byte(extra), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := modelgen.Generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := os.ReadFile(filepath.Join(root, modelgen.Output))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(src, fresh) {
		t.Fatal("a new schema field left the generated model unchanged")
	}
	if !strings.Contains(string(src), "TrialSetting int `json:\"trialSetting\"`") {
		t.Errorf("the generated model lacks the new field:\n%s", src)
	}
}

// TestTwoStructsOneName refuses a @go type name given to two different
// structs, which would silently merge them.
func TestTwoStructsOneName(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"cue.mod", "schema"} {
		if err := modeltest.CopyDir(filepath.Join(root, d), filepath.Join(dir, d)); err != nil {
			t.Fatal(err)
		}
	}
	extra := "package schema\n\n#App: {\n\tclash: {other: *1 | int} @go(,type=Quantities)\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "schema", "trial.cue"), []byte(extra), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := modelgen.Generate(dir)
	if err == nil || !strings.Contains(err.Error(), "two different structs are both named Quantities") {
		t.Fatalf("got %v, want an error about the name Quantities", err)
	}
}

func TestGoName(t *testing.T) {
	for in, want := range map[string]string{
		"accountId":                "AccountID",
		"vpcId":                    "VPCID",
		"publicAccessCidrs":        "PublicAccessCIDRs",
		"ebsGp3PerGBMonth":         "EBSGp3PerGBMonth",
		"crossRegionTransferPerGB": "CrossRegionTransferPerGB",
		"multiAZ":                  "MultiAZ",
		"repoURL":                  "RepoURL",
		"ec2Capacity":              "EC2Capacity",
		"diskSizeGiB":              "DiskSizeGiB",
		"name":                     "Name",
	} {
		if got := modelgen.GoName(in); got != want {
			t.Errorf("modelgen.GoName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOutAttribute: a field's @out becomes its out tag, sorted; anything
// but a list of known output families is refused with the field's path.
func TestOutAttribute(t *testing.T) {
	for _, c := range []struct{ attr, want string }{
		{"@out(terraform, kubernetes)", "`json:\"trialSetting\" out:\"kubernetes,terraform\"`"},
		{"@out(helm)", `app.trialSetting: @out attribute: "helm" is no output family`},
		{"@out()", "@out() lists no output family"},
		{"@out(readme, readme)", `"readme" is listed twice`},
		{"@out(readme=yes)", "readme=yes: list output families"},
	} {
		dir := t.TempDir()
		for _, d := range []string{"cue.mod", "schema"} {
			if err := modeltest.CopyDir(filepath.Join(root, d), filepath.Join(dir, d)); err != nil {
				t.Fatal(err)
			}
		}
		extra := "package schema\n\n#App: {\n\ttrialSetting: *3 | int " + c.attr + "\n}\n"
		if err := os.WriteFile(filepath.Join(dir, "schema", "trial.cue"), []byte(extra), 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := modelgen.Generate(dir)
		got := string(src)
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: got\n%s\nwant it to contain %s", c.attr, tail(got), c.want)
		}
	}
}

func tail(s string) string {
	if len(s) > 400 {
		return "..." + s[len(s)-400:]
	}
	return s
}
