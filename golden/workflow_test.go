package golden

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"sigs.k8s.io/yaml"
)

var workflowPath = filepath.Join(repoRoot, ".github", "workflows", "lexgen.yml")

// lintWorkflow runs actionlint (with shellcheck on the run: scripts) over
// one workflow file and returns its findings.
func lintWorkflow(t *testing.T, path string) []string {
	t.Helper()
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Fatal("shellcheck is not on PATH: make setup installs it")
	}
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{Shellcheck: "shellcheck"})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.LintFile(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func TestWorkflowLints(t *testing.T) {
	if errs := lintWorkflow(t, workflowPath); len(errs) > 0 {
		t.Errorf("actionlint:\n%s", strings.Join(errs, "\n"))
	}
	// The same check on a workflow that runs a pull request's title as
	// shell: actionlint must object.
	src, err := os.ReadFile(workflowPath)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(src), `run: go build -o "$RUNNER_TEMP/lexgen" ./cmd/lexgen`,
		`run: echo "${{ github.event.pull_request.title }}" && go build -o $RUNNER_TEMP/lexgen ./cmd/lexgen`, 1)
	if bad == string(src) {
		t.Fatal("the workflow no longer builds lexgen in one step; update this test")
	}
	p := filepath.Join(t.TempDir(), "bad.yml")
	if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if errs := lintWorkflow(t, p); len(errs) == 0 {
		t.Error("actionlint accepted a pull request title run as shell")
	}
}

type workflow struct {
	Jobs map[string]struct {
		Steps []struct {
			Name string            `json:"name"`
			Uses string            `json:"uses"`
			Run  string            `json:"run"`
			Env  map[string]string `json:"env"`
		} `json:"steps"`
	} `json:"jobs"`
}

// TestWorkflowSteps runs the workflow's run: steps, as written, the way
// GitHub runs them (bash -eo pipefail, a detached checkout of the pull
// request with the full history and no local main), on a repository made
// from this one with a pull request that changes production. A fake gh
// stands in for GitHub's API: the review is posted once, then updated.
func TestWorkflowSteps(t *testing.T) {
	for _, tool := range []string{"git", "terraform", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not on PATH", tool)
		}
	}
	raw, err := os.ReadFile(workflowPath)
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(raw, &wf); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	for _, d := range []string{"cmd", "internal", "schema", "envs", "cue.mod", "out", "infrastructure", "go.mod", "go.sum"} {
		copyTree(t, filepath.Join(repoRoot, d), filepath.Join(src, d))
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(repoRoot, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gitEnv := []string{"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com"}
	git := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = dir, append(os.Environ(), gitEnv...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git(src, "init", "-q", "-b", "main")
	git(src, "add", "-A")
	git(src, "commit", "-q", "-m", "base")
	git(src, "checkout", "-q", "-b", "pr")
	prod := filepath.Join(src, "envs", "production.cue")
	text, err := os.ReadFile(prod)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(text), "desired:      4", "desired:      5", 1)
	if changed == string(text) {
		t.Fatal("envs/production.cue no longer sets desired: 4; update this test")
	}
	if err := os.WriteFile(prod, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := lexgen("-C", src, "render"); code != 0 {
		t.Fatalf("render: %s", stderr)
	}
	git(src, "add", "-A")
	git(src, "commit", "-q", "-m", "production: 5 nodes")
	git(src, "checkout", "-q", "main")

	// What actions/checkout with fetch-depth 0 leaves for a pull request.
	ci := filepath.Join(tmp, "ci")
	git(tmp, "clone", "-q", src, ci)
	git(ci, "checkout", "-q", "--detach", "origin/pr")
	git(ci, "branch", "-D", "main")

	// A fake gh: records each call; lists an existing review comment once
	// comments.txt says there is one.
	bin := filepath.Join(tmp, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	ghLog := filepath.Join(tmp, "gh.log")
	// Its paths come from the environment, so the script needs no quoting.
	fake := `#!/usr/bin/env bash
printf '%s\n' "$*" >>"$FAKE_GH_LOG"
if [ "$1" = api ] && [ "$2" = repos/lexecon/infra/issues/7/comments ] && [ -f "$FAKE_GH_COMMENTS" ]; then
	cat "$FAKE_GH_COMMENTS"
fi
`
	if err := os.WriteFile(filepath.Join(bin, "gh"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	runner := filepath.Join(tmp, "runner")
	if err := os.MkdirAll(runner, 0o755); err != nil {
		t.Fatal(err)
	}
	runSteps := func() {
		t.Helper()
		for _, job := range wf.Jobs {
			for _, s := range job.Steps {
				if s.Run == "" {
					continue
				}
				cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s.Run)
				cmd.Dir = ci
				cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
					"RUNNER_TEMP="+runner, "GITHUB_REPOSITORY=lexecon/infra", "GITHUB_BASE_REF=main", "CI=true",
					"FAKE_GH_LOG="+ghLog, "FAKE_GH_COMMENTS="+filepath.Join(tmp, "comments.txt"))
				for k, v := range s.Env {
					switch v {
					case "${{ github.token }}":
						v = "fake-token"
					case "${{ github.event.pull_request.number }}":
						v = "7"
					}
					cmd.Env = append(cmd.Env, k+"="+v)
				}
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("step %q: %v\n%s", s.Name, err, out)
				}
			}
		}
	}

	runSteps()
	review, err := os.ReadFile(filepath.Join(runner, "review.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(review), "`cluster.nodes.desired` | `4` | `5`") {
		t.Errorf("the review does not show production's change:\n%s", review)
	}
	log, _ := os.ReadFile(ghLog)
	if !strings.Contains(string(log), "api -X POST repos/lexecon/infra/issues/7/comments -f body=<!-- lexgen review -->") {
		t.Errorf("the first run did not post a new comment with the marker; gh calls:\n%s", log)
	}

	// A later push: the comment exists and is updated, not posted again.
	if err := os.WriteFile(filepath.Join(tmp, "comments.txt"), []byte("4242\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(ghLog); err != nil {
		t.Fatal(err)
	}
	runSteps()
	log, _ = os.ReadFile(ghLog)
	if !strings.Contains(string(log), "api -X PATCH repos/lexecon/infra/issues/comments/4242 -f body=<!-- lexgen review -->") || strings.Contains(string(log), "-X POST") {
		t.Errorf("the second run did not update comment 4242 alone; gh calls:\n%s", log)
	}
}
