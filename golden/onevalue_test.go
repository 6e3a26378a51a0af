package golden

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOneValueChangesOnlyItsLines changes one value in envs/ and checks that
// exactly the lines that depend on it change, in exactly the files that
// hold them: a reviewer's diff shows the change and nothing else.
func TestOneValueChangesOnlyItsLines(t *testing.T) {
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
	edited := strings.Replace(string(src), `logLevel: "debug"`, `logLevel: "warning"`, 1)
	if edited == string(src) {
		t.Fatal("the base staging.cue no longer sets logLevel; update this test")
	}
	if err := os.WriteFile(p, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := lexgen("-C", root, "render"); code != 0 {
		t.Fatalf("render: exit %d\n%s", code, stderr)
	}
	after := readTree(t, filepath.Join(root, "out"))

	got := map[string][]string{} // file -> its changed lines, new side
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
	}
	want := map[string][]string{
		"staging/kubernetes/configmap.yaml": {"LOG_LEVEL: warning"},
		// The checksum that rolls the pods when the configuration changes.
		"staging/kubernetes/deployment.yaml": {"checksum/config: " + checksumLine(t, after["staging/kubernetes/deployment.yaml"])},
		"staging/README.md":                  {"| Log level | warning |"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changed lines (-want +got):\n%s", diff)
	}
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
