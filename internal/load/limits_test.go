package load

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lexecon/lexgen/internal/model/modeltest"
)

// doublingFile is a shared file whose string doubles forty times: a
// terabyte if evaluated to the end.
func doublingFile() string {
	var b strings.Builder
	b.WriteString("package envs\n\n_s0: \"0123456789abcdef\"\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "_s%d: _s%d + _s%d\n", i, i-1, i-1)
	}
	b.WriteString("[_]: tags: {size: \"\\(len(_s40))\"}\n")
	return b.String()
}

// TestLimitsStopADoublingValue runs lexgen's watcher in a child process
// (the evaluation cannot be stopped, so the watcher ends the process) over
// a repository with a doubling value, and requires exit 1, a diagnostic per
// environment, and a bounded peak memory.
func TestLimitsStopADoublingValue(t *testing.T) {
	if dir := os.Getenv("LEXGEN_LIMITS_CHILD"); dir != "" {
		Watch(Limits{Memory: 256 << 20, Time: time.Minute, Every: 5 * time.Millisecond}, func(ds Diagnostics) {
			fmt.Fprintln(os.Stderr, ds.Error())
			os.Exit(1)
		})
		r, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		_, ds := r.LoadWorkers(r.Names(), 1)
		fmt.Fprintln(os.Stderr, "finished:", ds.Error())
		os.Exit(0)
	}
	root := t.TempDir()
	for _, d := range []string{"cue.mod", "schema", "envs"} {
		if err := modeltest.CopyDir(filepath.Join("..", "..", d), filepath.Join(root, d)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "envs", "doubling.cue"), []byte(doublingFile()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLimitsStopADoublingValue$")
	cmd.Env = append(os.Environ(), "LEXGEN_LIMITS_CHILD="+root)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("child exited %d (%v), want 1; stderr:\n%s", code, err, stderr.String())
	}
	want := "production: evaluating this environment took more than 256 MiB of memory"
	if !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
	}
	// Peak memory is a measure, not a time: a doubling step past the limit
	// may allocate twice the limit before the watcher looks.
	if rss, ok := peakRSS(cmd.ProcessState); ok && rss > 1<<30 {
		t.Errorf("the child's peak resident memory was %d MiB, want under 1024", rss>>20)
	}
}

func TestOverLimits(t *testing.T) {
	l := Limits{Memory: 100, Time: 30 * time.Second}
	now := time.Now()
	if ds := overLimits(l, now, 1000); ds != nil {
		t.Fatalf("nothing evaluating, yet: %v", ds)
	}
	done := evaluating("staging", "envs/staging.cue")
	defer done()
	if ds := overLimits(l, now, 50); ds != nil {
		t.Errorf("within the limits, yet: %v", ds)
	}
	ds := overLimits(l, now.Add(31*time.Second), 50)
	if len(ds) != 1 || ds[0].Path != "staging" || !strings.Contains(ds[0].Message, "more than 30s") || ds[0].Positions[0].String() != "envs/staging.cue:1:1" {
		t.Errorf("over time: %v", ds)
	}
	if ds := overLimits(l, now, 101); len(ds) != 1 || !strings.Contains(ds[0].Message, "MiB of memory") {
		t.Errorf("over memory: %v", ds)
	}
}

func TestSyntaxLimits(t *testing.T) {
	long := "package envs\n\n_l: [" + strings.Repeat("1, ", maxListItems+1) + "]\n"
	deep := "package envs\n\n_d: " + strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1) + "\n"
	ok := "package envs\n\n_l: [" + strings.Repeat("1, ", maxListItems) + "]\n_d: " + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + "\n"
	for _, c := range []struct{ name, src, want string }{
		{"long list", long, "this list has 1001 items"},
		{"deep", deep, "nested more than 64 deep"},
		{"at the limits", ok, ""},
	} {
		root := t.TempDir()
		if err := os.MkdirAll(filepath.Join(root, "envs"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "envs", "shared.cue"), []byte(c.src), 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Open(root)
		if err != nil {
			t.Fatal(err)
		}
		got := r.diags.Error()
		if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%s: diagnostics %q, want %q", c.name, got, c.want)
		}
	}
}

// TestSchemaFilesOutsideSchemaRefused: CUE adds files of a package in the
// folders above it to the package, so a root-level `package schema` file
// could empty schema/tiers.cue's list; lexgen refuses it.
func TestSchemaFilesOutsideSchemaRefused(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"cue.mod", "schema", "envs"} {
		if err := modeltest.CopyDir(filepath.Join("..", "..", d), filepath.Join(root, d)); err != nil {
			t.Fatal(err)
		}
	}
	stray := "package schema\n\nproductionEnvironments: [...string]\n"
	if err := os.WriteFile(filepath.Join(root, "stray.cue"), []byte(stray), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	_, ds := r.Load(r.Names())
	want := "stray.cue:1:1"
	if len(ds) == 0 || !strings.Contains(ds.Error(), "outside schema/") || !strings.Contains(ds.Error(), want) {
		t.Errorf("a schema file at the root: diagnostics %q, want one at %s saying it lies outside schema/", ds.Error(), want)
	}
}

// TestEvaluatesWhatWasRead: the files checked when the repository was
// opened are the files evaluated, even if the disk changes in between.
func TestEvaluatesWhatWasRead(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"cue.mod", "schema", "envs"} {
		if err := modeltest.CopyDir(filepath.Join("..", "..", d), filepath.Join(root, d)); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"staging.cue", "shared.cue"} {
		if err := os.WriteFile(filepath.Join(root, "envs", f), []byte("package envs\n\nstaging: tier: 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, ds := r.Load(r.Names()); len(ds) > 0 {
		t.Errorf("files changed on disk after Open reached the evaluation:\n%s", ds.Error())
	}
}

// TestStaleModelIsNamed: a field the schema has and lexgen's Go model does
// not (model_gen.go not regenerated) is reported as lexgen's stale model,
// not as the user's misspelt field; a field the schema lacks still is.
func TestStaleModelIsNamed(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"cue.mod", "schema", "envs"} {
		if err := modeltest.CopyDir(filepath.Join("..", "..", d), filepath.Join(root, d)); err != nil {
			t.Fatal(err)
		}
	}
	trial := "package schema\n\n#App: {\n\ttrialSetting: *3 | int\n}\n"
	if err := os.WriteFile(filepath.Join(root, "schema", "trial.cue"), []byte(trial), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	_, ds := r.Load([]string{"staging"})
	got := ds.Error()
	if !strings.Contains(got, "staging.app.trialSetting") || !strings.Contains(got, "model_gen.go is older than schema/") {
		t.Errorf("a stale model is not named as such:\n%s", got)
	}
	if strings.Contains(got, "misspelt") {
		t.Errorf("a field the schema defines is called misspelt:\n%s", got)
	}
}
