//go:build e2e

package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A real kube-apiserver (with etcd) on 127.0.0.1, started once for the test
// binary from the binaries `make e2e` builds into .cache/k8s/bin.

var kube struct {
	kubeconfig string
	kubectl    string
	// saPub verifies the service account tokens the apiserver issues.
	saPub []byte
	stop  func()
}

// saIssuer is the issuer of the apiserver's service account tokens; the
// ESO check plans the module with it as the cluster's OIDC issuer.
const saIssuer = "https://kubernetes.default.svc.cluster.local"

func TestMain(m *testing.M) {
	code := m.Run()
	if kube.stop != nil {
		kube.stop()
	}
	os.Exit(code)
}

func k8sBin(t *testing.T, name string) string {
	t.Helper()
	p := cacheDir("k8s", "bin", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s is missing: run make e2e, which builds it from tools/k8s (about 5-10 minutes once)", p)
	}
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// apiserver starts etcd and kube-apiserver once and returns the kubectl
// path and a kubeconfig for an admin.
func apiserver(t *testing.T) (kubectl, kubeconfig string) {
	t.Helper()
	err := once("apiserver", func() error { return startAPIServer(t) })
	if err != nil {
		t.Fatal(err)
	}
	return kube.kubectl, kube.kubeconfig
}

func startAPIServer(t *testing.T) error {
	etcdBin, apiBin := k8sBin(t, "etcd"), k8sBin(t, "kube-apiserver")
	kube.kubectl = k8sBin(t, "kubectl")
	dir, err := os.MkdirTemp("", "lexgen-e2e-kube-")
	if err != nil {
		return err
	}
	var procs []*exec.Cmd
	kube.stop = func() {
		for i := len(procs) - 1; i >= 0; i-- {
			procs[i].Process.Kill()
			procs[i].Wait()
		}
		os.RemoveAll(dir)
	}
	start := func(name string, args ...string) error {
		log, err := os.Create(filepath.Join(dir, filepath.Base(name)+".log"))
		if err != nil {
			return err
		}
		cmd := exec.Command(name, args...)
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			return err
		}
		procs = append(procs, cmd)
		return nil
	}

	client, peer, secure := freePort(t), freePort(t), freePort(t)
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", client)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peer)
	if err := start(etcdBin,
		"--name", "e2e", "--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "e2e="+peerURL, "--unsafe-no-fsync", "--log-level", "error",
	); err != nil {
		return err
	}

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"sa.key":     pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		"sa.pub":     pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}),
		"tokens.csv": []byte("e2e-admin-token,admin,1,\"system:masters\"\n"),
		"kubeconfig": []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: https://127.0.0.1:%d
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: e2e-admin-token
contexts:
- name: e2e
  context: {cluster: e2e, user: admin}
current-context: e2e
`, secure)),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return err
		}
	}
	kube.kubeconfig = filepath.Join(dir, "kubeconfig")
	kube.saPub = files["sa.pub"]
	if err := start(apiBin,
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
		"--secure-port", fmt.Sprint(secure), "--cert-dir", filepath.Join(dir, "certs"),
		"--token-auth-file", filepath.Join(dir, "tokens.csv"),
		"--authorization-mode", "RBAC",
		"--service-account-issuer", saIssuer,
		"--service-account-key-file", filepath.Join(dir, "sa.pub"),
		"--service-account-signing-key-file", filepath.Join(dir, "sa.key"),
		"--service-cluster-ip-range", "10.0.0.0/24",
		// Without it the apiserver exits on a loopback address.
		"--endpoint-reconciler-type", "none",
	); err != nil {
		return err
	}

	deadline := time.Now().Add(90 * time.Second)
	for {
		out, errOut, err := kubectl(t, "get", "--raw", "/readyz")
		if err == nil && strings.TrimSpace(out) == "ok" {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "kube-apiserver.log"))
			return fmt.Errorf("kube-apiserver not ready after 90s: %v %s\n%s", err, errOut, tail(string(log), 3000))
		}
		time.Sleep(500 * time.Millisecond)
	}

	// The upstream CRDs, installed for real.
	crds, err := filepath.Glob(sharedDir("crds", "*.yaml"))
	if err != nil || len(crds) == 0 {
		return fmt.Errorf("no CRDs in %s", sharedDir("crds"))
	}
	for _, crd := range crds {
		if _, errOut, err := kubectl(t, "apply", "--server-side", "-f", crd); err != nil {
			return fmt.Errorf("installing %s: %v\n%s", crd, err, errOut)
		}
	}
	if _, errOut, err := kubectl(t, "wait", "--for", "condition=established", "--timeout=60s", "crd", "--all"); err != nil {
		return fmt.Errorf("CRDs not established: %v\n%s", err, errOut)
	}
	return nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// kubectl runs kubectl against the test apiserver.
func kubectl(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	return run(t, repoRoot, []string{"KUBECONFIG=" + kube.kubeconfig}, kube.kubectl, args...)
}

// serverDryRun applies a kustomization (or a file) with a server-side dry
// run, warnings counted as errors: the apiserver validates every object
// against its schema (built-in or CRD) and admission, Pod Security included.
func serverDryRun(t *testing.T, flag, path string) (string, error) {
	t.Helper()
	out, errOut, err := kubectl(t, "apply", "--server-side", "--field-manager=lexgen-e2e",
		"--dry-run=server", "--warnings-as-errors", flag, path)
	return out + errOut, err
}

// ensureNamespace creates a namespace for real (a dry run cannot create the
// namespace the other objects of the same dry run live in).
func ensureNamespace(t *testing.T, args ...string) {
	t.Helper()
	if _, errOut, err := kubectl(t, append([]string{"apply", "--server-side", "--field-manager=lexgen-e2e"}, args...)...); err != nil {
		t.Fatalf("creating the namespace: %v\n%s", err, errOut)
	}
}

func TestAPIServerAcceptsEveryObject(t *testing.T) {
	apiserver(t)
	ensureNamespace(t, "-f", namespaceFile(t, "argocd"))
	for _, env := range environments(t) {
		t.Run(env, func(t *testing.T) {
			dir := filepath.Join(repoRoot, "out", env, "kubernetes")
			ensureNamespace(t, "-f", filepath.Join(dir, "namespace.yaml"))
			out, err := serverDryRun(t, "-k", dir)
			if err != nil {
				t.Fatalf("the apiserver refused out/%s/kubernetes: %v\n%s", env, err, out)
			}
			// Every file of the kustomization was applied.
			files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
			if n := strings.Count(out, "(server dry run)"); n != len(files)-1 {
				t.Errorf("%d objects accepted, %d manifests rendered:\n%s", n, len(files)-1, out)
			}
			app := filepath.Join(repoRoot, "out", env, "argocd", "application.yaml")
			if out, err := serverDryRun(t, "-f", app); err != nil {
				t.Errorf("the apiserver refused %s: %v\n%s", app, err, out)
			}
			// The platform's Applications (argoproj.io CRDs from
			// ../shared/crds), each with its chart's values.
			platform, _ := filepath.Glob(filepath.Join(repoRoot, "out", env, "platform", "*.yaml"))
			if len(platform) == 0 {
				t.Errorf("out/%s/platform renders no Application", env)
			}
			for _, p := range platform {
				if out, err := serverDryRun(t, "-f", p); err != nil {
					t.Errorf("the apiserver refused %s: %v\n%s", p, err, out)
				}
			}
			t.Logf("accepted:\n%s", out)
		})
	}
}

// TestAPIServerRejectsABrokenPlatformApplication: the platform check above
// fails on an Application the apiserver refuses (a misspelt field of the
// Argo CD CRD, which strict field validation reports).
func TestAPIServerRejectsABrokenPlatformApplication(t *testing.T) {
	apiserver(t)
	ensureNamespace(t, "-f", namespaceFile(t, "argocd"))
	src := filepath.Join(repoRoot, "out", "staging", "platform", "external-secrets.yaml")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), "targetRevision:", "targetRevison:", 1)
	if bad == string(data) {
		t.Fatal("external-secrets.yaml no longer holds targetRevision; update this test")
	}
	p := filepath.Join(t.TempDir(), "external-secrets.yaml")
	if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := serverDryRun(t, "-f", p)
	if err == nil {
		t.Fatalf("the apiserver accepted a misspelt Application:\n%s", out)
	}
	t.Logf("refused as expected: %s", tail(out, 400))
}

// namespaceFile writes a Namespace manifest for name into a temporary file.
func namespaceFile(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(p, []byte("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: "+name+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAPIServerRejectsBrokenObjects: the same check fails on an object the
// apiserver refuses and on a pod template Pod Security warns about.
func TestAPIServerRejectsBrokenObjects(t *testing.T) {
	apiserver(t)
	src := filepath.Join(repoRoot, "out", "staging", "kubernetes")
	for name, edit := range map[string][2]string{
		"port name over 15 characters": {"name: http\n          protocol: TCP", "name: http-port-name-too-long\n          protocol: TCP"},
		"privileged container":         {"allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "kubernetes")
			copyDir(t, src, dir)
			p := filepath.Join(dir, "deployment.yaml")
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			bad := strings.Replace(string(data), edit[0], edit[1], 1)
			if bad == string(data) {
				t.Fatalf("deployment.yaml no longer holds %q; update this test", edit[0])
			}
			if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
				t.Fatal(err)
			}
			ensureNamespace(t, "-f", filepath.Join(dir, "namespace.yaml"))
			out, err := serverDryRun(t, "-k", dir)
			if err == nil {
				t.Fatalf("the apiserver accepted a broken deployment:\n%s", out)
			}
			t.Logf("refused as expected: %s", tail(out, 400))
		})
	}
}
