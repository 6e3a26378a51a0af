package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lexecon/lexgen/internal/model/modeltest"
)

// TestDefaultLayers: the schema's default (rtoMinutes 30), a shared file's
// default over it (*60 | _) and an environment's own value over that (15)
// compose in that order; before layering, the shared default and the
// schema's cancelled each other and left the field with no value.
func TestDefaultLayers(t *testing.T) {
	for _, c := range []struct {
		name       string
		shared     string // replaces the shared file's rtoMinutes line
		production string // added to production's recovery
		want       map[string]int
	}{
		{"schema default", "rtoMinutes: *30 | _", "", map[string]int{"staging": 30, "production": 30}},
		{"no shared default", "", "", map[string]int{"staging": 30, "production": 30}},
		{"shared changes the default", "rtoMinutes: *60 | _", "", map[string]int{"staging": 60, "production": 60}},
		{"an environment overrides the shared default", "rtoMinutes: *60 | _", "rtoMinutes: 15", map[string]int{"staging": 60, "production": 15}},
		{"an environment's default beats the shared one", "rtoMinutes: *60 | _", "rtoMinutes: *20 | _", map[string]int{"staging": 60, "production": 20}},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			for _, d := range []string{"cue.mod", "schema", "envs"} {
				if err := modeltest.CopyDir(filepath.Join("../..", d), filepath.Join(root, d)); err != nil {
					t.Fatal(err)
				}
			}
			edit(t, filepath.Join(root, "envs", "shared.cue"), "rtoMinutes: *30 | _", c.shared)
			if c.production != "" {
				edit(t, filepath.Join(root, "envs", "production.cue"), "\tcluster: nodes: {", "\trecovery: "+c.production+"\n\tcluster: nodes: {")
			}
			r, err := Open(root)
			if err != nil {
				t.Fatal(err)
			}
			envs, ds := r.Load(r.Names())
			if len(ds) > 0 {
				t.Fatalf("%s", ds)
			}
			for _, e := range envs {
				if got := e.Recovery.RTOMinutes; got != c.want[e.Name] {
					t.Errorf("%s: rtoMinutes %d, want %d", e.Name, got, c.want[e.Name])
				}
			}
		})
	}
}

func edit(t *testing.T, file, old, new string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s holds no %q", file, old)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}
