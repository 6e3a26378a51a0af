package golden

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/lexecon/lexgen/internal/load"
	"github.com/lexecon/lexgen/internal/model"
	"github.com/lexecon/lexgen/internal/model/modeltest"
)

// TestRandomEnvironmentsValidate writes random environments (as the
// benchmarks and fuzz targets make them) into envs/ and checks that the
// schema accepts every one and that each decodes to exactly the model it was
// written from: the generator stays within the schema's bounds, and the
// schema's defaults do not change stated values.
func TestRandomEnvironmentsValidate(t *testing.T) {
	root := workspace(t, "")
	r := rand.New(rand.NewSource(7))
	want := map[string]*model.Environment{}
	for i := 0; i < 40; i++ {
		e := modeltest.Random(r, fmt.Sprintf("rand-%02d", i))
		src, err := modeltest.CUE(e)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "envs", e.Name+".cue"), src, 0o644); err != nil {
			t.Fatal(err)
		}
		want[e.Name] = e
	}
	repo, err := load.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	envs, ds := repo.Load(repo.Names())
	if ds != nil {
		t.Fatalf("random environments refused:\n%v", ds)
	}
	for _, got := range envs {
		w, ok := want[got.Name]
		if !ok {
			continue // the base environments
		}
		if diff := cmp.Diff(w, got, cmpopts.IgnoreFields(model.Environment{}, "Prices")); diff != "" {
			t.Errorf("%s (-generated +decoded):\n%s", got.Name, diff)
		}
	}
	if code, _, stderr := lexgen("-C", root, "render"); code != 0 {
		t.Errorf("render: exit %d\n%s", code, stderr)
	}
}
