package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lexecon/lexgen/internal/model/modeltest"
)

// bareRepo lays out the schema and an envs/ whose one shared file sets
// nothing, so that every field the schema requires is the new
// environment's to set.
func bareRepo(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"cue.mod", "schema"} {
		if err := modeltest.CopyDir(filepath.Join("..", "..", d), filepath.Join(root, d)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, EnvsDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, EnvsDir, "shared.cue"), []byte("package envs\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// newValid runs New and loads what it wrote (in memory) as lexgen would.
func newValid(t *testing.T, r *Repo, name string, opt NewOptions) string {
	t.Helper()
	src, err := r.New(name, opt)
	if err != nil {
		t.Fatalf("New(%s, %+v): %v", name, opt, err)
	}
	r2, err := r.With(name, src)
	if err != nil {
		t.Fatal(err)
	}
	envs, ds := r2.Load([]string{name})
	if ds != nil {
		t.Fatalf("the new environment does not load:\n%v\n%s", ds, src)
	}
	if envs[0].Name != name {
		t.Fatalf("loaded %q, want %q", envs[0].Name, name)
	}
	return string(src)
}

// TestNewCoversRequired: with no shared defaults at all, lexgen new still
// writes a valid environment, so every field the schema requires has an
// example; and without one of them it says which field it cannot fill.
func TestNewCoversRequired(t *testing.T) {
	r, err := Open(bareRepo(t))
	if err != nil {
		t.Fatal(err)
	}
	src := newValid(t, r, "qa", NewOptions{})
	for p := range examples {
		leaf := p[strings.LastIndexByte(p, '.')+1:]
		if !strings.Contains(src, "\t"+leaf+": ") {
			t.Errorf("%s is not in the new file:\n%s", p, src)
		}
	}
	saved := examples["aws.vpcId"]
	delete(examples, "aws.vpcId")
	defer func() { examples["aws.vpcId"] = saved }()
	if _, err := r.New("qa", NewOptions{}); err == nil || !strings.Contains(err.Error(), "the schema requires aws.vpcId") {
		t.Errorf("without an example for aws.vpcId: err = %v", err)
	}
}

// TestNewLeavesSharedDefaults: what a shared file sets is not repeated in
// the new file, so a later change there still reaches it.
func TestNewLeavesSharedDefaults(t *testing.T) {
	r, err := Open("../..")
	if err != nil {
		t.Fatal(err)
	}
	src := newValid(t, r, "qa", NewOptions{})
	for _, leaf := range []string{"accountId:", "region:", "repository:", "repoURL:"} {
		if strings.Contains(src, leaf) {
			t.Errorf("%s is set by envs/shared.cue and should not be in the new file:\n%s", leaf, src)
		}
	}
}

// TestNewFromRegion: --from copies the values the other file sets; with
// --region, the region-specific ones are examples in the new region.
func TestNewFromRegion(t *testing.T) {
	r, err := Open("../..")
	if err != nil {
		t.Fatal(err)
	}
	same := newValid(t, r, "qa", NewOptions{From: "production"})
	for _, want := range []string{`instanceClass: "db.t3.small"`, `multiAZ: true`, `vpcId: "vpc-0f1e2d3c4b5a69788"`, `zone: "us-east-1c"`, `high: 400`} {
		if !strings.Contains(strings.Join(strings.Fields(same), " "), want) {
			t.Errorf("--from production: %s not copied:\n%s", want, same)
		}
	}
	moved := newValid(t, r, "qa", NewOptions{From: "production", Region: "eu-west-1"})
	flat := strings.Join(strings.Fields(moved), " ")
	for _, want := range []string{`region: "eu-west-1"`, `zone: "eu-west-1a"`, `instanceClass: "db.t3.small"`} {
		if !strings.Contains(flat, want) {
			t.Errorf("--region eu-west-1: no %s:\n%s", want, moved)
		}
	}
	for _, gone := range []string{"us-east-1", "vpc-0f1e2d3c4b5a69788"} {
		if strings.Contains(moved, gone) {
			t.Errorf("--region eu-west-1: %s copied from production:\n%s", gone, moved)
		}
	}
}

// TestNewRefuses: a bad name (the loader's rule), a file that exists and an
// unknown region write nothing and say why.
func TestNewRefuses(t *testing.T) {
	r, err := Open("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opt  NewOptions
		want string
	}{
		{"Staging", NewOptions{}, "not a valid environment name"},
		{"eu-", NewOptions{}, "not a valid environment name"},
		{"../x", NewOptions{}, "not a valid environment name"},
		{"staging", NewOptions{}, "envs/staging.cue already exists"},
		{"shared", NewOptions{}, "envs/shared.cue already exists"},
		{"qa", NewOptions{From: "nosuch"}, "unknown environment"},
		{"qa", NewOptions{Region: "mars-1"}, "unknown AWS region"},
	} {
		_, err := r.New(tc.name, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%q, %+v) = %v, want an error with %q", tc.name, tc.opt, err, tc.want)
		}
	}
}
