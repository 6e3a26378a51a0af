package golden

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOneValueChangesOnlyItsLines changes one value in envs/ at a time and
// checks that exactly the lines that depend on it change, in exactly the
// files that hold them: a reviewer's diff shows the change and nothing else.
// A line is listed as it reads after the change; "checksum" stands for the
// Deployment's new checksum/config annotation.
func TestOneValueChangesOnlyItsLines(t *testing.T) {
	for _, c := range []struct {
		name, from, to string
		want           map[string][]string // file -> its changed lines; README.md by count only
		readme         int                 // README.md lines that change (figures and cost rows)
	}{
		{"log level", `logLevel: "debug"`, `logLevel: "warning"`, map[string][]string{
			"staging/kubernetes/configmap.yaml":  {"LOG_LEVEL: warning"},
			"staging/kubernetes/deployment.yaml": {"checksum"},
		}, 1},
		// The image: the Deployment's image and version labels, and the
		// README's row; no other object carries the tag.
		{"image tag", `image: tag: "0.9.0"`, `image: tag: "0.9.1"`, map[string][]string{
			"staging/kubernetes/deployment.yaml": {
				"app.kubernetes.io/version: 0.9.1", "app.kubernetes.io/version: 0.9.1",
				"image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/lexecon:0.9.1",
			},
		}, 1},
		// min and max default to desired, so all three move.
		{"node count", "desired:      3", "desired:      4", map[string][]string{
			"staging/terraform/staging.tfvars": {"node_desired_size                = 4", "node_max_size                    = 4", "node_min_size                    = 4"},
		}, 5},
		{"database class", `instanceClass:       "db.t3.micro"`, `instanceClass:       "db.t3.small"`, map[string][]string{
			"staging/terraform/staging.tfvars": {`db_instance_class                = "db.t3.small"`},
		}, 4},
		{"backup retention", "backupRetentionDays: 7", "backupRetentionDays: 14", map[string][]string{
			"staging/terraform/staging.tfvars": {"db_backup_retention_period       = 14"},
		}, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := changeOneValue(t, c.from, c.to)
			texts := map[string]string{}
			for f, v := range got {
				if name, ok := strings.CutPrefix(f, "\x00"); ok {
					texts[name] = v[0]
					delete(got, f)
				}
			}
			if n := len(got["staging/README.md"]); n != c.readme {
				t.Errorf("README.md: %d lines changed, want %d: %q", n, c.readme, got["staging/README.md"])
			}
			delete(got, "staging/README.md")
			for f, lines := range c.want {
				for i, l := range lines {
					if l == "checksum" {
						lines[i] = "checksum/config: " + checksumLine(t, texts[f])
					}
				}
				sort.Strings(lines)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("changed lines (-want +got):\n%s", diff)
			}
		})
	}
}

// changeOneValue renders the base, replaces from with to in
// envs/staging.cue, renders again and returns each changed file's changed
// lines (new side, trimmed, sorted); under "\x00"+file, the file's new text.
func changeOneValue(t *testing.T, from, to string) map[string][]string {
	t.Helper()
	root := workspace(t, "")
	if code, _, stderr := lexgen("-C", root, "render"); code != 0 {
		t.Fatalf("render: exit %d\n%s", code, stderr)
	}
	before := readTree(t, filepath.Join(root, "out"))
	p := filepath.Join(root, "envs", "staging.cue")
	src, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(src), from, to, 1)
	if edited == string(src) {
		t.Fatalf("the base staging.cue no longer holds %q; update this test", from)
	}
	if err := os.WriteFile(p, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := lexgen("-C", root, "render"); code != 0 {
		t.Fatalf("render: exit %d\n%s", code, stderr)
	}
	after := readTree(t, filepath.Join(root, "out"))
	got := map[string][]string{}
	for f, data := range after {
		if strings.HasPrefix(f, ".") || before[f] == data {
			continue
		}
		old := map[string]int{}
		for _, l := range strings.Split(before[f], "\n") {
			old[l]++
		}
		for _, l := range strings.Split(data, "\n") {
			if old[l] > 0 {
				old[l]--
				continue
			}
			got[f] = append(got[f], strings.TrimSpace(l))
		}
		sort.Strings(got[f])
		got["\x00"+f] = []string{data}
	}
	return got
}

func checksumLine(t *testing.T, deployment string) string {
	t.Helper()
	for _, l := range strings.Split(deployment, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "checksum/config: "); ok {
			return v
		}
	}
	t.Fatal("no checksum/config annotation")
	return ""
}
