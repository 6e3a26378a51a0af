package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCommands runs the reviewer's commands on the base environments and
// compares their whole output with golden/commands/<name>.golden.
func TestCommands(t *testing.T) {
	root := workspace(t, "")
	for name, args := range map[string][]string{
		"cost":                  {"cost"},
		"cost-json":             {"cost", "--format", "json", "production"},
		"compare":               {"compare", "staging", "production"},
		"compare-json":          {"compare", "--format", "json", "staging", "production"},
		"explain-set":           {"explain", "production", "database.backupRetentionDays"},
		"explain-shared":        {"explain", "staging", "aws.region"},
		"explain-schema":        {"explain", "staging", "app.replicas.max"},
		"explain-json":          {"explain", "--format", "json", "production", "cluster.nodes.min"},
		"explain-no-such-path":  {"explain", "production", "database.backupDays"},
		"explain-misspelt-path": {"explain", "production", "app.replicsa"},
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := lexgen(append([]string{"-C", root}, args...)...)
			got := "$ lexgen " + strings.Join(args, " ") + "\n" + stdout
			if code != 0 {
				got += "[exit " + string(rune('0'+code)) + "]\n" + stderr
			}
			file := filepath.Join("commands", name+".golden")
			if *update {
				os.MkdirAll("commands", 0o755)
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v: run go test ./golden -update and review the file", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", file, diff)
			}
		})
	}
}
