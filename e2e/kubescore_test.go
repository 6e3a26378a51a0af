//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kubeScoreAllowed are the kube-score checks lexgen's manifests are allowed
// to fail, each with its reason. Nothing else may be CRITICAL.
var kubeScoreAllowed = map[string]string{
	// kube-score wants imagePullPolicy Always so a moved tag is pulled
	// again. lexgen deploys release tags (app.image.tag, a version such as
	// 0.9.0, never "latest") from an ECR repository meant to be
	// tag-immutable, so a tag names one image and the default IfNotPresent
	// saves a registry round trip on every pod start, including when ECR
	// is unreachable.
	"container-image-pull-policy": "release tags are immutable",
}

// kubeScore runs the pinned kube-score (make e2e builds it) over the
// manifests of one out/<env>/kubernetes folder with the allow-list, and
// returns its CRITICAL and WARNING lines and whether it exited 0.
func kubeScore(t *testing.T, dir string) (critical, warning []string, ok bool) {
	t.Helper()
	bin := cacheDir("kube-score", "kube-score")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s: %v (make e2e builds it)", bin, err)
	}
	args := []string{"score", "--output-format", "ci"}
	for id := range kubeScoreAllowed {
		args = append(args, "--ignore-test", id)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if filepath.Base(f) != "kustomization.yaml" {
			args = append(args, f)
		}
	}
	out, errOut, err := run(t, dir, nil, bin, args...)
	if errOut != "" && err == nil {
		t.Logf("kube-score stderr: %s", errOut)
	}
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(l, "[CRITICAL]"):
			critical = append(critical, l)
		case strings.HasPrefix(l, "[WARNING]"):
			warning = append(warning, l)
		}
	}
	return critical, warning, err == nil
}

func renderedKubernetesDirs(t *testing.T) []string {
	t.Helper()
	var dirs []string
	for _, pattern := range []string{"out/*/kubernetes", "golden/render/*/out/*/kubernetes"} {
		m, err := filepath.Glob(filepath.Join(repoRoot, pattern))
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, m...)
	}
	if len(dirs) < 3 {
		t.Fatalf("found only %v", dirs)
	}
	return dirs
}

// TestKubeScore: no CRITICAL from kube-score on any rendered environment,
// past the reasoned allow-list; warnings are printed.
func TestKubeScore(t *testing.T) {
	for _, dir := range renderedKubernetesDirs(t) {
		rel, _ := filepath.Rel(repoRoot, dir)
		critical, warning, ok := kubeScore(t, dir)
		for _, w := range warning {
			t.Logf("%s: %s", rel, w)
		}
		if len(critical) > 0 || !ok {
			t.Errorf("%s: kube-score reports CRITICAL (exit ok %v):\n%s", rel, ok, strings.Join(critical, "\n"))
			continue
		}
		t.Logf("ok   %s: no CRITICAL, %d warnings", rel, len(warning))
	}
}

// TestKubeScoreCanFail: the same run fails on a Deployment without its
// probes and resources, and on the allow-list's own finding when it is not
// allowed.
func TestKubeScoreCanFail(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, filepath.Join(repoRoot, "out", "production", "kubernetes"), dir)
	path := filepath.Join(dir, "deployment.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	skip := ""
	for _, l := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimLeft(l, " ")
		indent := l[:len(l)-len(trimmed)]
		if skip != "" && len(indent) > len(skip) {
			continue
		}
		skip = ""
		if trimmed == "readinessProbe:" || trimmed == "resources:" {
			skip = indent
			continue
		}
		kept = append(kept, l)
	}
	if err := os.WriteFile(path, []byte(strings.Join(kept, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	critical, _, ok := kubeScore(t, dir)
	if ok || len(critical) == 0 {
		t.Fatalf("kube-score passed a Deployment without readiness probe and resources:\n%s", strings.Join(kept, "\n"))
	}
	t.Logf("fails as it should:\n%s", strings.Join(critical, "\n"))

	saved := kubeScoreAllowed
	kubeScoreAllowed = map[string]string{}
	defer func() { kubeScoreAllowed = saved }()
	critical, _, ok = kubeScore(t, filepath.Join(repoRoot, "out", "production", "kubernetes"))
	if ok || len(critical) == 0 {
		t.Fatal("without the allow-list kube-score reports nothing on the image pull policy")
	}
}
