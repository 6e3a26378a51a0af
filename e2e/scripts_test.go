package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The rendered scripts, run for real by bash with fake kubectl, terraform
// and argocd first on PATH. Each fake logs its arguments, one call a line,
// and answers as the test's FAKE_* variables say.

const fakeTool = `#!/usr/bin/env bash
printf '%s' "$(basename "$0")" >>"$FAKE_LOG"
printf ' %s' "$@" >>"$FAKE_LOG"
printf '\n' >>"$FAKE_LOG"
case "$(basename "$0") $*" in
"kubectl config view"*) printf '%s' "${FAKE_CLUSTER:-}" ;;
"kubectl"*" diff "*) echo "diff -u live rendered"; exit "${FAKE_DIFF_EXIT:-1}" ;;
"kubectl"*" apply "*) exit "${FAKE_APPLY_EXIT:-0}" ;;
"kubectl"*" rollout status "*) exit "${FAKE_ROLLOUT_EXIT:-0}" ;;
"kubectl"*" wait "*) exit "${FAKE_WAIT_EXIT:-0}" ;;
"helm"*) exit "${FAKE_HELM_EXIT:-0}" ;;
"terraform"*" plan "*)
	for a in "$@"; do
		case $a in -out=*) echo plan >"${a#-out=}" ;; esac
	done
	exit "${FAKE_TF_EXIT:-0}"
	;;
"terraform"*) exit "${FAKE_TF_EXIT:-0}" ;;
esac
exit 0
`

type scriptRun struct {
	code   int
	stderr string
	calls  []string // one line per call of a fake tool, ROOT written as <root>
}

// fakeBin makes a folder with the fake tools (those named) and another with
// links to the few real commands the scripts use, and returns a PATH of just
// those two, so that no real kubectl, terraform or argocd is ever found.
func fakeBin(t *testing.T, tools ...string) string {
	t.Helper()
	bin, sys := t.TempDir(), t.TempDir()
	for _, tool := range tools {
		if err := os.WriteFile(filepath.Join(bin, tool), []byte(fakeTool), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, cmd := range []string{"bash", "sh", "env", "dirname", "basename", "cat"} {
		real, err := exec.LookPath(cmd)
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		if err := os.Symlink(real, filepath.Join(sys, cmd)); err != nil {
			t.Fatal(err)
		}
	}
	return bin + ":" + sys
}

// runScript runs out/<env>/scripts/<script> from dir (a temporary folder
// when empty) with stdin closed and only vars in its environment.
func runScript(t *testing.T, env, script, dir string, vars []string, args ...string) scriptRun {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	cmd := exec.Command(filepath.Join(repoRoot, "out", env, "scripts", script), args...)
	cmd.Dir = dir
	return runLogged(t, cmd, vars)
}

// runLogged runs cmd with a fresh call log and collects what it did.
func runLogged(t *testing.T, cmd *exec.Cmd, vars []string) scriptRun {
	t.Helper()
	logFile := filepath.Join(t.TempDir(), "calls.log")
	cmd.Env = append([]string{"FAKE_LOG=" + logFile, "HOME=" + t.TempDir()}, vars...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	res := scriptRun{stderr: out.String()}
	if exit, ok := err.(*exec.ExitError); ok {
		res.code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(logFile)
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if l != "" {
			res.calls = append(res.calls, strings.ReplaceAll(l, repoRoot, "<root>"))
		}
	}
	return res
}

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

const (
	stagingARN    = "arn:aws:eks:us-east-1:123456789012:cluster/lexecon-staging"
	productionARN = "arn:aws:eks:us-east-1:123456789012:cluster/lexecon-production"
	viewContext   = "kubectl config view --minify -o jsonpath={.contexts[0].context.cluster}"
	viewOps       = "kubectl config view --minify --context ops -o jsonpath={.contexts[0].context.cluster}"
)

func expect(t *testing.T, r scriptRun, code int, calls []string, stderr ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d\n%s", r.code, code, r.stderr)
	}
	if diff := cmp.Diff(calls, r.calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	for _, s := range stderr {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("output lacks %q:\n%s", s, r.stderr)
		}
	}
}

func TestDeployScript(t *testing.T) {
	path := fakeBin(t, "kubectl", "terraform", "argocd")
	base := func(cluster string, more ...string) []string {
		return append([]string{"PATH=" + path, "FAKE_CLUSTER=" + cluster}, more...)
	}
	stagingKust := "<root>/out/staging/kubernetes"
	prodKust := "<root>/out/production/kubernetes"

	t.Run("staging is synced by Argo CD", func(t *testing.T) {
		r := runScript(t, "staging", "deploy.sh", "", base(stagingARN))
		expect(t, r, 0, []string{viewContext, "kubectl diff -k " + stagingKust},
			"Argo CD application lexecon-staging syncs staging", "pass --direct")
	})
	t.Run("staging --direct", func(t *testing.T) {
		r := runScript(t, "staging", "deploy.sh", "", base(stagingARN), "--direct")
		expect(t, r, 0, []string{
			viewContext,
			"kubectl diff -k " + stagingKust,
			"kubectl apply --server-side --field-manager=lexgen -k " + stagingKust,
			"kubectl --namespace staging rollout status deployment/lexecon-staging --timeout 5m",
		}, "staging deployed")
	})
	t.Run("production --approve", func(t *testing.T) {
		r := runScript(t, "production", "deploy.sh", "", base(productionARN, "CI=true"), "--approve", "--timeout", "10m")
		expect(t, r, 0, []string{
			viewContext,
			"kubectl diff -k " + prodKust,
			"kubectl apply --server-side --field-manager=lexgen -k " + prodKust,
			"kubectl --namespace production rollout status deployment/lexecon-production --timeout 10m",
		}, "production deployed")
	})
	t.Run("production in CI without --approve", func(t *testing.T) {
		r := runScript(t, "production", "deploy.sh", "", base(productionARN, "CI=true"))
		expect(t, r, 4, []string{viewContext, "kubectl diff -k " + prodKust}, "requires approval", "pass --approve")
	})
	t.Run("production without a terminal", func(t *testing.T) {
		r := runScript(t, "production", "deploy.sh", "", base(productionARN))
		expect(t, r, 4, []string{viewContext, "kubectl diff -k " + prodKust}, "requires approval")
	})
	t.Run("production approved at the terminal", func(t *testing.T) {
		need(t, "script", "apt-get install bsdutils")
		r := runWithTerminal(t, "production", "production", base(productionARN))
		expect(t, r, 0, []string{
			viewContext,
			"kubectl diff -k " + prodKust,
			"kubectl apply --server-side --field-manager=lexgen -k " + prodKust,
			"kubectl --namespace production rollout status deployment/lexecon-production --timeout 5m",
		}, "Type the environment name")
	})
	t.Run("production refused at the terminal", func(t *testing.T) {
		need(t, "script", "apt-get install bsdutils")
		r := runWithTerminal(t, "production", "staging", base(productionARN))
		expect(t, r, 4, []string{viewContext, "kubectl diff -k " + prodKust}, "not approved (typed 'staging', expected 'production')")
	})
	t.Run("wrong cluster", func(t *testing.T) {
		r := runScript(t, "production", "deploy.sh", "", base(stagingARN), "--approve")
		expect(t, r, 3, []string{viewContext},
			"points at cluster '"+stagingARN+"', not at "+productionARN,
			"aws eks update-kubeconfig --region us-east-1 --name lexecon-production")
	})
	t.Run("no context at all", func(t *testing.T) {
		r := runScript(t, "staging", "deploy.sh", "", base(""))
		expect(t, r, 3, []string{viewContext}, "points at cluster 'none'")
	})
	t.Run("an explicit context at another cluster", func(t *testing.T) {
		r := runScript(t, "staging", "deploy.sh", "", base(productionARN), "--context", "ops", "--direct")
		expect(t, r, 3, []string{viewOps}, "kube context ops points at cluster '"+productionARN+"', not at "+stagingARN)
	})
	t.Run("an explicit context", func(t *testing.T) {
		r := runScript(t, "staging", "deploy.sh", "", base(stagingARN), "--context", "ops", "--direct")
		expect(t, r, 0, []string{
			viewOps,
			"kubectl --context ops diff -k " + stagingKust,
			"kubectl --context ops apply --server-side --field-manager=lexgen -k " + stagingKust,
			"kubectl --context ops --namespace staging rollout status deployment/lexecon-staging --timeout 5m",
		}, "using kube context ops")
	})
	t.Run("rollout fails", func(t *testing.T) {
		r := runScript(t, "production", "deploy.sh", "", base(productionARN, "FAKE_ROLLOUT_EXIT=1"), "--approve")
		if r.code != 1 || !strings.Contains(r.stderr, "roll back with: out/production/scripts/rollback.sh") {
			t.Errorf("exit %d, want 1 and the rollback command:\n%s", r.code, r.stderr)
		}
	})
	t.Run("diff fails", func(t *testing.T) {
		r := runScript(t, "staging", "deploy.sh", "", base(stagingARN, "FAKE_DIFF_EXIT=2"), "--direct")
		expect(t, r, 1, []string{viewContext, "kubectl diff -k " + stagingKust}, "kubectl diff failed (exit 2)")
	})
	t.Run("the seed's version argument", func(t *testing.T) {
		r := runScript(t, "staging", "deploy.sh", "", base(stagingARN), "0.9.0")
		expect(t, r, 2, nil, "unexpected argument '0.9.0'", "app.image.tag in envs/staging.cue")
	})
	t.Run("no kubectl", func(t *testing.T) {
		r := runScript(t, "staging", "deploy.sh", "", []string{"PATH=" + fakeBin(t, "terraform")})
		expect(t, r, 5, nil, "kubectl is not installed")
	})
	t.Run("help", func(t *testing.T) {
		r := runScript(t, "staging", "deploy.sh", "", base(stagingARN), "--help")
		expect(t, r, 0, nil, "Usage: out/staging/scripts/deploy.sh", "Exit codes:")
	})
}

// runWithTerminal runs production's deploy.sh under script(1), so it has a
// terminal, and types answer at its prompt.
func runWithTerminal(t *testing.T, env, answer string, vars []string) scriptRun {
	t.Helper()
	path := filepath.Join(repoRoot, "out", env, "scripts", "deploy.sh")
	cmd := exec.Command("script", "-qec", shellJoin([]string{path}), "/dev/null")
	cmd.Stdin = strings.NewReader(answer + "\n")
	return runLogged(t, cmd, vars)
}

func TestRollbackScript(t *testing.T) {
	path := fakeBin(t, "kubectl", "argocd")
	vars := []string{"PATH=" + path, "FAKE_CLUSTER=" + stagingARN}
	t.Run("previous revision", func(t *testing.T) {
		r := runScript(t, "staging", "rollback.sh", "", vars)
		expect(t, r, 0, []string{
			viewContext,
			"kubectl --namespace staging rollout undo deployment/lexecon-staging",
			"kubectl --namespace staging rollout status deployment/lexecon-staging --timeout 5m",
		}, "Argo CD self-heal will re-apply", "git revert")
	})
	t.Run("to a revision, pausing auto-sync", func(t *testing.T) {
		r := runScript(t, "staging", "rollback.sh", "", vars, "--to-revision", "3", "--pause-autosync")
		expect(t, r, 0, []string{
			viewContext,
			"argocd app set lexecon-staging --app-namespace argocd --sync-policy none",
			"kubectl --namespace staging rollout undo deployment/lexecon-staging --to-revision=3",
			"kubectl --namespace staging rollout status deployment/lexecon-staging --timeout 5m",
		}, "auto-sync of lexecon-staging is off", "--sync-policy automated --self-heal --auto-prune")
	})
	t.Run("bad revision", func(t *testing.T) {
		for _, rev := range []string{"abc", "0", "-1", "3;id"} {
			r := runScript(t, "staging", "rollback.sh", "", vars, "--to-revision", rev)
			expect(t, r, 2, nil, "positive whole number")
		}
	})
	t.Run("rollout fails", func(t *testing.T) {
		r := runScript(t, "staging", "rollback.sh", "", append(vars, "FAKE_ROLLOUT_EXIT=1"))
		if r.code != 1 || !strings.Contains(r.stderr, "did not finish rolling back") {
			t.Errorf("exit %d:\n%s", r.code, r.stderr)
		}
	})
	t.Run("wrong cluster", func(t *testing.T) {
		r := runScript(t, "production", "rollback.sh", "", vars)
		expect(t, r, 3, []string{viewContext}, "not at "+productionARN)
	})
}

// TestBootstrapPlatformScript: Argo CD from its pinned chart with the
// rendered values, then the platform's Applications wave by wave, each
// waited for before the next wave; production asks first; a wave that does
// not become Healthy stops the script.
func TestBootstrapPlatformScript(t *testing.T) {
	path := fakeBin(t, "kubectl", "helm")
	apply := func(env, app string) string {
		return "kubectl apply --server-side --field-manager=lexgen -f <root>/out/" + env + "/platform/" + app + ".yaml"
	}
	wait := func(env, app string) string {
		return "kubectl --namespace argocd wait application/" + env + "-" + app + " --for=jsonpath={.status.health.status}=Healthy --timeout 10m"
	}
	helm := func(env string) string {
		return "helm upgrade --install argocd argo-cd --repo https://argoproj.github.io/argo-helm --version 8.2.5 --values <root>/out/" + env +
			"/platform/argocd/values.yaml --namespace argocd --create-namespace --wait --timeout 10m"
	}
	t.Run("staging", func(t *testing.T) {
		r := runScript(t, "staging", "bootstrap-platform.sh", "", []string{"PATH=" + path, "FAKE_CLUSTER=" + stagingARN})
		expect(t, r, 0, []string{
			viewContext,
			helm("staging"),
			apply("staging", "external-secrets"), apply("staging", "kube-prometheus-stack"),
			wait("staging", "external-secrets"), wait("staging", "kube-prometheus-stack"),
			apply("staging", "reloader"), apply("staging", "cluster-autoscaler"),
			wait("staging", "reloader"), wait("staging", "cluster-autoscaler"),
		}, "next: kubectl apply -f out/staging/argocd/application.yaml")
	})
	t.Run("production asks first", func(t *testing.T) {
		r := runScript(t, "production", "bootstrap-platform.sh", "", []string{"PATH=" + path, "FAKE_CLUSTER=" + productionARN})
		expect(t, r, 4, []string{viewContext}, "requires approval")
		r = runScript(t, "production", "bootstrap-platform.sh", "", []string{"PATH=" + path, "FAKE_CLUSTER=" + productionARN}, "--approve")
		if r.code != 0 || len(r.calls) != 10 || r.calls[1] != helm("production") {
			t.Errorf("exit %d, calls %q\n%s", r.code, r.calls, r.stderr)
		}
	})
	t.Run("a wave that is not Healthy stops it", func(t *testing.T) {
		r := runScript(t, "staging", "bootstrap-platform.sh", "", []string{"PATH=" + path, "FAKE_CLUSTER=" + stagingARN, "FAKE_WAIT_EXIT=1"})
		expect(t, r, 1, []string{
			viewContext,
			helm("staging"),
			apply("staging", "external-secrets"), apply("staging", "kube-prometheus-stack"),
			wait("staging", "external-secrets"),
		}, "Application staging-external-secrets is not Healthy")
	})
	t.Run("helm fails", func(t *testing.T) {
		r := runScript(t, "staging", "bootstrap-platform.sh", "", []string{"PATH=" + path, "FAKE_CLUSTER=" + stagingARN, "FAKE_HELM_EXIT=1"})
		expect(t, r, 1, []string{viewContext, helm("staging")}, "helm could not install Argo CD")
	})
	t.Run("no helm", func(t *testing.T) {
		r := runScript(t, "staging", "bootstrap-platform.sh", "", []string{"PATH=" + fakeBin(t, "kubectl"), "FAKE_CLUSTER=" + stagingARN})
		expect(t, r, 5, nil, "helm is not installed")
	})
	t.Run("wrong cluster", func(t *testing.T) {
		r := runScript(t, "production", "bootstrap-platform.sh", "", []string{"PATH=" + path, "FAKE_CLUSTER=" + stagingARN}, "--approve")
		expect(t, r, 3, []string{viewContext}, "not at "+productionARN)
	})
}

func TestTerraformScript(t *testing.T) {
	path := fakeBin(t, "terraform")
	vars := []string{"PATH=" + path}
	init := func(env string) string {
		return "terraform -chdir=<root>/infrastructure/terraform init -input=false -reconfigure -backend-config=<root>/out/" + env + "/terraform/backend.hcl"
	}
	t.Run("plan from anywhere", func(t *testing.T) {
		dir := t.TempDir()
		r := runScript(t, "staging", "terraform.sh", dir, vars, "plan")
		expect(t, r, 0, []string{
			init("staging"),
			"terraform -chdir=<root>/infrastructure/terraform plan -input=false -var-file=<root>/out/staging/terraform/staging.tfvars -out=" + dir + "/staging.tfplan",
		}, "plan saved to "+dir+"/staging.tfplan")
		if _, err := os.Stat(filepath.Join(dir, "staging.tfplan")); err != nil {
			t.Error(err)
		}
	})
	t.Run("apply without a plan", func(t *testing.T) {
		r := runScript(t, "staging", "terraform.sh", "", vars, "apply")
		expect(t, r, 1, nil, "no saved plan at", "terraform.sh plan first")
	})
	t.Run("apply a saved plan", func(t *testing.T) {
		dir := t.TempDir()
		plan := filepath.Join(dir, "s.tfplan")
		os.WriteFile(plan, []byte("plan"), 0o644)
		r := runScript(t, "staging", "terraform.sh", dir, vars, "apply", "--plan-file", "s.tfplan")
		expect(t, r, 0, []string{init("staging"), "terraform -chdir=<root>/infrastructure/terraform apply -input=false " + plan}, "staging applied")
	})
	t.Run("production apply needs approval", func(t *testing.T) {
		dir := t.TempDir()
		plan := filepath.Join(dir, "production.tfplan")
		os.WriteFile(plan, []byte("plan"), 0o644)
		r := runScript(t, "production", "terraform.sh", dir, append(vars, "CI=true"), "apply")
		expect(t, r, 4, []string{init("production")}, "requires approval")
		r = runScript(t, "production", "terraform.sh", dir, append(vars, "CI=true"), "apply", "--approve")
		expect(t, r, 0, []string{init("production"), "terraform -chdir=<root>/infrastructure/terraform apply -input=false " + plan})
	})
	t.Run("terraform fails", func(t *testing.T) {
		r := runScript(t, "staging", "terraform.sh", "", append(vars, "FAKE_TF_EXIT=1"), "plan")
		expect(t, r, 1, []string{init("staging")}, "terraform init failed")
	})
	t.Run("usage", func(t *testing.T) {
		expect(t, runScript(t, "staging", "terraform.sh", "", vars), 2, nil, "say plan or apply")
		expect(t, runScript(t, "staging", "terraform.sh", "", vars, "destroy"), 2, nil, "unexpected argument 'destroy'")
		expect(t, runScript(t, "staging", "terraform.sh", "", vars, "--help"), 0, nil, "Exit codes:")
	})
}

// TestScriptsLint runs shellcheck and bash -n over every rendered script,
// and shows both fail on a broken one.
func TestScriptsLint(t *testing.T) {
	sc := need(t, "shellcheck", "apt-get install shellcheck")
	scripts, _ := filepath.Glob(filepath.Join(repoRoot, "out", "*", "scripts", "*.sh"))
	if len(scripts) < 6 {
		t.Fatalf("found %d scripts, want 3 per environment", len(scripts))
	}
	for _, s := range scripts {
		if out, err := exec.Command(sc, "--severity=style", s).CombinedOutput(); err != nil {
			t.Errorf("shellcheck %s: %v\n%s", s, err, out)
		}
		if out, err := exec.Command("bash", "-n", s).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s", s, err, out)
		}
		if info, err := os.Stat(s); err != nil || info.Mode()&0o100 == 0 {
			t.Errorf("%s is not executable", s)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.sh")
	os.WriteFile(bad, []byte("#!/usr/bin/env bash\necho $1\nif true; then\n"), 0o755)
	if exec.Command(sc, bad).Run() == nil {
		t.Error("shellcheck accepted an unquoted expansion")
	}
	if exec.Command("bash", "-n", bad).Run() == nil {
		t.Error("bash -n accepted an unterminated if")
	}
}
