//go:build e2e

package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"sigs.k8s.io/yaml"
)

// The secret path with the real External Secrets controller (ESO v0.16.2,
// built by `make e2e` from tools/eso into .cache/eso): the rendered
// SecretStore, service account and ExternalSecret are applied unchanged to
// the test apiserver; ESO assumes the IAM role through the fake STS and
// reads the secrets from the fake Secrets Manager, both of which know only
// what the Terraform plan creates and allow only what its policies allow.

// esoCases are the rendered folders the check covers: both environments of
// out/ and the golden case that turns every option on.
func esoCases(t *testing.T) map[string]string {
	t.Helper()
	cases := map[string]string{}
	for _, env := range environments(t) {
		cases[env] = filepath.Join(repoRoot, "out", env)
	}
	cases["options"] = filepath.Join(repoRoot, "golden", "render", "options", "out", "qa")
	return cases
}

// rdsPasswordCharacters are the characters an RDS master password may
// hold: "any printable ASCII character except "/", """, or "@"" (RDS API
// reference, CreateDBInstance, MasterUserPassword). The space is printable
// ASCII and not excluded there, so it is kept.
func rdsPasswordCharacters() string {
	var b strings.Builder
	for c := byte(0x20); c <= 0x7e; c++ {
		if c != '/' && c != '"' && c != '@' {
			b.WriteByte(c)
		}
	}
	return b.String()
}

func reverse(s string) string {
	r := []byte(s)
	slices.Reverse(r)
	return string(r)
}

// esoWorld is one environment as AWS would hold it after `terraform apply`
// and RDS: the secrets Terraform and RDS create and the roles of the plan.
type esoWorld struct {
	fake                             *fakeAWS
	namespace, dir                   string
	username, host, dbname, password string
	port                             int
	masterName, appName              string
	apiKeys                          map[string]string
	oidcIssuer                       string
}

func (w *esoWorld) masterValue(password string) string {
	// The shape RDS writes into the secret it manages.
	b, _ := json.Marshal(struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}{w.username, password})
	return string(b)
}

// planFor plans the module for one rendered folder with the test's OIDC
// issuer; edit, if set, changes the module copy first.
func planFor(t *testing.T, dir string, edit func(module string)) *tfPlan {
	t.Helper()
	mod := module(t)
	if edit != nil {
		edit(mod)
	}
	issuer := fmt.Sprintf("locals {\n  oidc_issuer = %q\n}\n", strings.TrimPrefix(saIssuer, "https://"))
	if err := os.WriteFile(filepath.Join(mod, "oidc_issuer_override.tf"), []byte(issuer), 0o644); err != nil {
		t.Fatal(err)
	}
	env := filepath.Base(dir)
	return parsePlan(t, planJSON(t, mod, filepath.Join(dir, "terraform", env+".tfvars")))
}

func newWorld(t *testing.T, dir string, plan *tfPlan) *esoWorld {
	t.Helper()
	apiserver(t)
	pub := kube.saPub
	account := plan.variable(t, "aws_account_id").(string)
	db := plan.planned(t, "aws_db_instance.this")
	region := db["region"].(string)
	issuer := strings.TrimPrefix(saIssuer, "https://")
	secretARN := func(name string) string {
		// AWS appends a hyphen and six random characters to the name.
		return "arn:aws:secretsmanager:" + region + ":" + account + ":secret:" + name + "-Ab12Cd"
	}
	w := &esoWorld{
		dir:        dir,
		namespace:  kustomizationNamespace(t, filepath.Join(dir, "kubernetes")),
		username:   db["username"].(string),
		host:       db["identifier"].(string) + ".c8x2kq1abcde." + region + ".rds.amazonaws.com",
		dbname:     db["db_name"].(string),
		port:       int(db["port"].(float64)),
		password:   rdsPasswordCharacters(),
		masterName: "rds!db-3f6c1e0a-7b2d-4c8e-9a51-0d2e4f6a8b1c",
		appName:    plan.planned(t, "aws_secretsmanager_secret.app")["name"].(string),
		apiKeys:    map[string]string{},
		oidcIssuer: issuer,
	}
	databaseName := plan.planned(t, "aws_secretsmanager_secret.database")["name"].(string)
	kmsKey := "arn:aws:kms:" + region + ":" + account + ":key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
	oidcARN := "arn:aws:iam::" + account + ":oidc-provider/" + issuer
	bind := map[string]string{
		"aws_secretsmanager_secret.app.arn":                     secretARN(w.appName),
		"aws_secretsmanager_secret.database.arn":                secretARN(databaseName),
		"aws_db_instance.this.master_user_secret[0].secret_arn": secretARN(w.masterName),
		"aws_kms_key.secrets.arn":                               kmsKey,
		"aws_iam_openid_connect_provider.cluster.arn":           oidcARN,
	}
	f := newFakeAWS(t, account, region, oidcARN, pub)
	roles, skipped := plan.iamRoles(t, account, bind)
	for _, s := range skipped {
		t.Logf("role left out of the fake IAM: %s", s)
	}
	f.roles = roles

	// What secrets.tf writes into the connection secret, as jsonencode
	// writes it (keys sorted, the port a number).
	conn, _ := json.Marshal(map[string]any{
		"host": w.host, "port": w.port, "dbname": w.dbname, "username": w.username,
		"sslmode": "require", "master_secret_arn": bind["aws_db_instance.this.master_user_secret[0].secret_arn"],
	})
	// What an operator puts into the app secret before the first deploy.
	for _, k := range plan.variable(t, "app_secret_keys").([]any) {
		w.apiKeys[k.(string)] = "key-" + filepath.Base(dir) + "-" + k.(string) + "-!$&'()*+,;=%"
	}
	app, _ := json.Marshal(w.apiKeys)
	f.secrets = []*fakeSecret{
		{ARN: secretARN(w.appName), Name: w.appName, KMSKey: kmsKey, Value: string(app)},
		{ARN: secretARN(databaseName), Name: databaseName, KMSKey: kmsKey, Value: string(conn)},
		{
			ARN: secretARN(w.masterName), Name: w.masterName, KMSKey: kmsKey, Value: w.masterValue(w.password),
			// The tags RDS puts on the secret it manages for an instance.
			Tags: map[string]string{
				"aws:rds:primaryDBInstanceArn":     "arn:aws:rds:" + region + ":" + account + ":db:" + db["identifier"].(string),
				"aws:secretsmanager:owningService": "rds",
			},
		},
	}
	w.fake = f
	return w
}

func kustomizationNamespace(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct{ Namespace string }
	if err := yaml.Unmarshal(data, &k); err != nil || k.Namespace == "" {
		t.Fatalf("no namespace in %s/kustomization.yaml: %v", dir, err)
	}
	return k.Namespace
}

// installESOCRDs installs the CRDs of ESO v0.16.2 that shared/crds does not
// hold (generators, push secrets...): the controller watches them all.
func installESOCRDs(t *testing.T) {
	t.Helper()
	apiserver(t)
	err := once("eso-crds", func() error {
		crds, _ := filepath.Glob(cacheDir("eso", "crds", "*.yaml"))
		if len(crds) == 0 {
			return fmt.Errorf("no CRDs in %s: run make e2e, which copies them from the ESO module", cacheDir("eso", "crds"))
		}
		for _, crd := range crds {
			if _, err := os.Stat(sharedDir("crds", filepath.Base(crd))); err == nil {
				continue
			}
			if _, errOut, err := kubectl(t, "apply", "--server-side", "-f", crd); err != nil {
				return fmt.Errorf("installing %s: %v\n%s", crd, err, errOut)
			}
		}
		_, errOut, err := kubectl(t, "wait", "--for", "condition=established", "--timeout=60s", "crd", "--all")
		if err != nil {
			return fmt.Errorf("CRDs not established: %v\n%s", err, errOut)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// startESO runs the ESO controller for one namespace against the test
// apiserver, with the fake AWS as its STS and Secrets Manager endpoints
// (AWS_STS_ENDPOINT and AWS_SECRETSMANAGER_ENDPOINT, read by ESO v0.16.2's
// pkg/provider/aws/auth/resolver.go). It returns the log's path.
func startESO(t *testing.T, w *esoWorld) string {
	t.Helper()
	bin := cacheDir("eso", "bin", "external-secrets")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s is missing: run make e2e, which builds it from tools/eso", bin)
	}
	logPath := filepath.Join(t.TempDir(), "eso.log")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--metrics-addr=0", "--namespace="+w.namespace, "--loglevel=debug",
		"--enable-cluster-store-reconciler=false", "--enable-cluster-external-secret-reconciler=false",
		"--enable-cluster-push-secret-reconciler=false", "--enable-push-secret-reconciler=false")
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "AWS_") && !strings.HasPrefix(e, "KUBECONFIG=") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	cmd.Env = append(cmd.Env, "KUBECONFIG="+kube.kubeconfig,
		"AWS_STS_ENDPOINT="+w.fake.URL(), "AWS_SECRETSMANAGER_ENDPOINT="+w.fake.URL(),
		"AWS_EC2_METADATA_DISABLED=true")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		log.Close()
	})
	return logPath
}

// applyRendered applies a copy of the rendered kubernetes folder (edited by
// edit, if set) after removing what an earlier case left in the namespace.
func applyRendered(t *testing.T, w *esoWorld, edit func(dir string)) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "kubernetes")
	copyDir(t, filepath.Join(w.dir, "kubernetes"), dir)
	if edit != nil {
		edit(dir)
	}
	ensureNamespace(t, "-f", filepath.Join(dir, "namespace.yaml"))
	for _, kind := range []string{"externalsecrets.external-secrets.io", "secretstores.external-secrets.io", "deployments", "replicasets"} {
		if _, errOut, err := kubectl(t, "delete", kind, "--all", "-n", w.namespace, "--wait=true"); err != nil {
			t.Fatalf("cleaning %s: %v\n%s", kind, err, errOut)
		}
	}
	if _, errOut, err := kubectl(t, "delete", "secret", "lexecon-secrets", "-n", w.namespace, "--ignore-not-found"); err != nil {
		t.Fatalf("cleaning the Secret: %v\n%s", err, errOut)
	}
	if out, errOut, err := kubectl(t, "apply", "--server-side", "--field-manager=lexgen-e2e", "-k", dir); err != nil {
		t.Fatalf("applying the rendered manifests: %v\n%s%s", err, out, errOut)
	}
}

// syncOutcome waits until ESO has either written the Secret, or marked the
// ExternalSecret not ready after AWS refused a call (a not-ready store at
// start-up is not an outcome: ESO retries), and returns the Secret's data
// (nil if none) and the ExternalSecret's Ready condition.
func syncOutcome(t *testing.T, w *esoWorld, logPath string, since string) (map[string]string, string) {
	t.Helper()
	deadline := time.Now().Add(120 * time.Second)
	for {
		var es struct {
			Status struct {
				Conditions            []struct{ Type, Status, Reason, Message string }
				SyncedResourceVersion string `json:"syncedResourceVersion"`
			}
		}
		out, _, err := kubectl(t, "get", "externalsecret", "lexecon-secrets", "-n", w.namespace, "-o", "json")
		if err == nil && json.Unmarshal([]byte(out), &es) == nil {
			for _, c := range es.Status.Conditions {
				if c.Type != "Ready" {
					continue
				}
				ready := fmt.Sprintf("%s %s: %s", c.Status, c.Reason, c.Message)
				if c.Status == "True" && es.Status.SyncedResourceVersion != since {
					return secretData(t, w), ready
				}
				denied := slices.ContainsFunc(w.fake.Calls(), func(c awsCall) bool { return !c.Allowed })
				if c.Status == "False" && denied {
					return secretData(t, w), ready
				}
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			t.Fatalf("ESO neither synced nor failed in 120s; ExternalSecret: %s\nAWS calls:\n%s\nESO log:\n%s",
				out, callList(w.fake.Calls()), tail(string(log), 4000))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func secretData(t *testing.T, w *esoWorld) map[string]string {
	t.Helper()
	out, _, err := kubectl(t, "get", "secret", "lexecon-secrets", "-n", w.namespace, "-o", "json")
	if err != nil {
		return nil
	}
	var s struct{ Data map[string]string }
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	data := map[string]string{}
	for k, v := range s.Data {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			t.Fatal(err)
		}
		data[k] = string(b)
	}
	return data
}

func callList(calls []awsCall) string {
	var b strings.Builder
	for _, c := range calls {
		b.WriteString("  " + c.String() + "\n")
	}
	return b.String()
}

// checkDatabaseURL parses DATABASE_URL with pgx's parser and compares every
// part with what AWS holds.
func checkDatabaseURL(t *testing.T, w *esoWorld, url, password string) {
	t.Helper()
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		t.Fatalf("pgconn.ParseConfig(DATABASE_URL): %v", err)
	}
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"user", cfg.User, w.username},
		{"password", cfg.Password, password},
		{"host", cfg.Host, w.host},
		{"port", int(cfg.Port), w.port},
		{"database", cfg.Database, w.dbname},
		// sslmode=require: TLS, no plaintext fallback, no certificate
		// check (pgconn's configTLS).
		{"sslmode is require", cfg.TLSConfig != nil && cfg.TLSConfig.InsecureSkipVerify && len(cfg.Fallbacks) == 0, true},
	} {
		if c.got != c.want {
			t.Errorf("DATABASE_URL %s = %q, want %q", c.what, c.got, c.want)
		}
	}
}

// secretPath runs one case: plan, fake AWS, ESO, rendered objects; it
// returns the world and the outcome.
func secretPath(t *testing.T, dir string, plan *tfPlan, editManifests func(string)) (*esoWorld, map[string]string, string, string) {
	t.Helper()
	installESOCRDs(t)
	startControllerManager(t)
	w := newWorld(t, dir, plan)
	applyRendered(t, w, editManifests)
	logPath := startESO(t, w)
	data, ready := syncOutcome(t, w, logPath, "")
	return w, data, ready, logPath
}

func TestESOSecretPath(t *testing.T) {
	for name, dir := range esoCases(t) {
		t.Run(name, func(t *testing.T) {
			w, data, ready, logPath := secretPath(t, dir, planFor(t, dir, nil), nil)
			calls := w.fake.Calls()
			if data == nil {
				log, _ := os.ReadFile(logPath)
				t.Fatalf("no Secret lexecon-secrets; ExternalSecret Ready %s\nAWS calls:\n%sESO log:\n%s", ready, callList(calls), tail(string(log), 3000))
			}
			t.Logf("ExternalSecret Ready %s; %d AWS calls:\n%s", ready, len(calls), callList(calls))
			checkDatabaseURL(t, w, data["DATABASE_URL"], w.password)
			for k, v := range w.apiKeys {
				if data[k] != v {
					t.Errorf("Secret %s = %q, want %q", k, data[k], v)
				}
			}
			for _, c := range calls {
				if !c.Allowed {
					t.Errorf("ESO made a call the planned policies refuse: %s", c)
				}
			}
			// The calls the path depends on were made.
			for _, want := range []string{"sts:AssumeRoleWithWebIdentity", "secretsmanager:BatchGetSecretValue", "secretsmanager:GetSecretValue"} {
				if !slices.ContainsFunc(calls, func(c awsCall) bool { return c.Action == want }) {
					t.Errorf("no %s call recorded", want)
				}
			}
			if t.Failed() {
				return
			}
			checkRotation(t, w)
			for _, c := range w.fake.Calls() {
				if !c.Allowed {
					t.Errorf("after the rotation, ESO made a call the planned policies refuse: %s", c)
				}
			}
		})
	}
}

// TestESOSecretPathCanFail: the same check on today's broken inputs. The
// policy before issue 12 (no secretsmanager:BatchGetSecretValue), and a
// service account annotated with another role: no Secret, and the denied
// call is recorded.
func TestESOSecretPathCanFail(t *testing.T) {
	dir := filepath.Join(repoRoot, "out", "staging")
	t.Run("policy without BatchGetSecretValue", func(t *testing.T) {
		plan := planFor(t, dir, func(mod string) {
			p := filepath.Join(mod, "secrets.tf")
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			bad := strings.Replace(string(src), `"secretsmanager:BatchGetSecretValue", `, "", 1)
			if bad == string(src) {
				t.Fatal("secrets.tf no longer grants secretsmanager:BatchGetSecretValue as this test expects; update it")
			}
			os.WriteFile(p, []byte(bad), 0o644)
		})
		w, data, ready, _ := secretPath(t, dir, plan, nil)
		expectDenied(t, w, data, ready, "secretsmanager:BatchGetSecretValue")
	})
	t.Run("trust policy for another namespace", func(t *testing.T) {
		plan := planFor(t, dir, func(mod string) {
			p := filepath.Join(mod, "secrets.tf")
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			bad := strings.Replace(string(src), "system:serviceaccount:${var.k8s_namespace}:", "system:serviceaccount:other:", 1)
			if bad == string(src) {
				t.Fatal("secrets.tf no longer names the service account's subject as this test expects; update it")
			}
			os.WriteFile(p, []byte(bad), 0o644)
		})
		w, data, ready, _ := secretPath(t, dir, plan, nil)
		expectDenied(t, w, data, ready, "sts:AssumeRoleWithWebIdentity")
	})
	t.Run("wrong role on the service account", func(t *testing.T) {
		plan := planFor(t, dir, nil)
		w, data, ready, _ := secretPath(t, dir, plan, func(k string) {
			p := filepath.Join(k, "serviceaccount-external-secrets.yaml")
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			bad := regexp.MustCompile(`(eks.amazonaws.com/role-arn: \S+)`).ReplaceAllString(string(src), "${1}-typo")
			if bad == string(src) {
				t.Fatal("no role annotation in serviceaccount-external-secrets.yaml")
			}
			os.WriteFile(p, []byte(bad), 0o644)
		})
		expectDenied(t, w, data, ready, "sts:AssumeRoleWithWebIdentity")
	})
}

// TestESOSecretPathCatchesBadEncoding: the template before the fix
// (urlquery alone, a space written as "+") gives a DATABASE_URL that pgx
// reads back with another password, and the check sees it.
func TestESOSecretPathCatchesBadEncoding(t *testing.T) {
	dir := filepath.Join(repoRoot, "out", "staging")
	w, data, ready, _ := secretPath(t, dir, planFor(t, dir, nil), func(k string) {
		p := filepath.Join(k, "externalsecret.yaml")
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		bad := regexp.MustCompile(`\|\s+replace\s+"\+"\s+"%20"`).ReplaceAllString(string(src), "")
		if bad == string(src) {
			t.Fatal(`externalsecret.yaml no longer holds replace "+" "%20"; update this test`)
		}
		os.WriteFile(p, []byte(bad), 0o644)
	})
	if data == nil {
		t.Fatalf("no Secret; ExternalSecret Ready %s", ready)
	}
	cfg, err := pgconn.ParseConfig(data["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Password == w.password {
		t.Fatal("urlquery alone passed the password check: the check cannot see a space turned into +")
	}
	t.Logf("caught as expected: pgx reads the password back as %q", cfg.Password)
}

func expectDenied(t *testing.T, w *esoWorld, data map[string]string, ready, action string) {
	t.Helper()
	calls := w.fake.Calls()
	if data != nil {
		t.Errorf("the Secret was written although AWS should refuse %s", action)
	}
	if !slices.ContainsFunc(calls, func(c awsCall) bool { return !c.Allowed && c.Action == action }) {
		t.Errorf("no denied %s recorded; calls:\n%s", action, callList(calls))
	}
	t.Logf("refused as expected; ExternalSecret Ready %s\nAWS calls:\n%s", ready, callList(calls))
}

// startControllerManager runs the real kube-controller-manager against the
// test apiserver, once, with kcmControllers.
func startControllerManager(t *testing.T) {
	t.Helper()
	apiserver(t)
	err := once("kube-controller-manager", func() error {
		return startDaemon("kube-controller-manager", k8sBin(t, "kube-controller-manager"),
			"--kubeconfig", kube.kubeconfig, "--leader-elect=false", "--secure-port=0", "--controllers", kcmControllers)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// kcmControllers are the controllers the checks rely on: Deployments and
// ReplicaSets (rollouts), DaemonSets (a platform pod on every node of the
// scheduling check), the disruption controller (the PDB's status, which the
// eviction API reads), namespaces and the garbage collectors (clean-up),
// service accounts (every namespace's default account) and node lifecycle
// (it lifts the not-ready taint the apiserver puts on a new node once KWOK
// reports it Ready).
const kcmControllers = "deployment-controller,replicaset-controller,daemonset-controller,disruption-controller," +
	"namespace-controller,garbage-collector-controller,pod-garbage-collector-controller,serviceaccount-controller," +
	"node-lifecycle-controller"

type replicaSet struct {
	Name  string
	Owner string
	Hash  string
}

// replicaSets lists the ReplicaSets the Deployment owns.
func replicaSets(t *testing.T, w *esoWorld, deployment string) []replicaSet {
	t.Helper()
	out, errOut, err := kubectl(t, "get", "replicasets", "-n", w.namespace, "-o", "json")
	if err != nil {
		t.Fatalf("listing ReplicaSets: %v\n%s", err, errOut)
	}
	var list struct {
		Items []struct {
			Metadata struct {
				Name            string
				Labels          map[string]string
				OwnerReferences []struct{ Kind, Name string } `json:"ownerReferences"`
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	var rs []replicaSet
	for _, it := range list.Items {
		for _, o := range it.Metadata.OwnerReferences {
			if o.Kind == "Deployment" && o.Name == deployment {
				rs = append(rs, replicaSet{it.Metadata.Name, o.Name, it.Metadata.Labels["pod-template-hash"]})
			}
		}
	}
	return rs
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %s", what, timeout)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// checkRotation rotates the master password in the fake Secrets Manager and
// follows it to the pods: ESO rewrites the Secret, the Deployment names that
// Secret for Reloader, and a changed pod template makes the real
// kube-controller-manager roll a new ReplicaSet.
func checkRotation(t *testing.T, w *esoWorld) {
	t.Helper()
	out, errOut, err := kubectl(t, "get", "deployments", "-n", w.namespace, "-o", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	var ds struct {
		Items []struct {
			Metadata struct {
				Name        string
				Annotations map[string]string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &ds); err != nil || len(ds.Items) != 1 {
		t.Fatalf("want one Deployment in %s: %v\n%s", w.namespace, err, out)
	}
	deployment := ds.Items[0].Metadata.Name
	// Reloader's trigger: the annotation names the Secret ESO writes.
	if got := ds.Items[0].Metadata.Annotations["secret.reloader.stakater.com/reload"]; got != "lexecon-secrets" {
		t.Fatalf("Deployment %s: secret.reloader.stakater.com/reload = %q, want lexecon-secrets", deployment, got)
	}
	waitFor(t, "the first ReplicaSet of "+deployment, 60*time.Second, func() bool {
		return len(replicaSets(t, w, deployment)) == 1
	})
	before := replicaSets(t, w, deployment)[0]

	rotated := reverse(w.password)
	w.fake.setSecretValue(w.masterName, w.masterValue(rotated))
	// ESO re-reads at refreshInterval; its documented way to refresh now
	// is a changed force-sync annotation.
	if _, errOut, err := kubectl(t, "annotate", "externalsecret", "lexecon-secrets", "-n", w.namespace,
		fmt.Sprintf("force-sync=%d", time.Now().UnixNano()), "--overwrite"); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	var data map[string]string
	waitFor(t, "the rotated password in Secret lexecon-secrets", 60*time.Second, func() bool {
		data = secretData(t, w)
		cfg, err := pgconn.ParseConfig(data["DATABASE_URL"])
		return err == nil && cfg.Password == rotated
	})
	checkDatabaseURL(t, w, data["DATABASE_URL"], rotated)

	// What Reloader does on that change (its "annotations" reload
	// strategy): change the pod template. Reloader itself cannot be built
	// here (its module is not served), so the test does this step.
	patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{"reloader.stakater.com/last-reloaded-from":%q}}}}}`,
		fmt.Sprintf(`{"kind":"Secret","name":"lexecon-secrets","namespace":%q}`, w.namespace))
	if _, errOut, err := kubectl(t, "patch", "deployment", deployment, "-n", w.namespace, "--type=merge", "-p", patch); err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	waitFor(t, "a new ReplicaSet of "+deployment, 60*time.Second, func() bool {
		return len(replicaSets(t, w, deployment)) == 2
	})
	rs := replicaSets(t, w, deployment)
	t.Logf("rotation: Secret rewritten with the new password; ReplicaSet %s -> %v", before.Name, rs)
}
