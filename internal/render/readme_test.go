package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"

	"github.com/lexecon/lexgen/internal/model"
	"github.com/lexecon/lexgen/internal/model/modeltest"
)

// readmeEnv is testEnv with every optional part of the README switched on.
func readmeEnv() *model.Environment {
	e := testEnv()
	e.Prices = modeltest.Prices()
	e.Cluster.Nodes.InstanceType = "t3.medium"
	e.Database.InstanceClass = "db.t3.micro"
	e.Cluster.Nodes.Schedule = &model.Schedule{TimeZone: "Europe/Berlin", Days: "MON-FRI", DownAt: "20:00", UpAt: "07:00", NightSize: 1}
	e.Database.BackupReplication = &model.BackupReplication{Region: "eu-west-1", RetentionDays: 7}
	e.Database.RestoreFromSnapshot = "rds:lexecon-qa-2026-01-01-03-00"
	e.Database.FinalSnapshot, e.Database.DeletionProtection = true, true
	e.Delivery.RequireApproval = true
	return e
}

// setStrings sets every string in e, at any depth, to v, except the fields
// the cost estimate looks up in the price table.
func setStrings(e *model.Environment, v string) {
	skip := map[string]bool{"InstanceType": true, "InstanceClass": true, "CapacityType": true, "Tier": true}
	var walk func(x reflect.Value)
	walk = func(x reflect.Value) {
		switch x.Kind() {
		case reflect.Pointer:
			if !x.IsNil() {
				walk(x.Elem())
			}
		case reflect.Struct:
			for i := 0; i < x.NumField(); i++ {
				f := x.Type().Field(i)
				if f.IsExported() && !skip[f.Name] && f.Type != reflect.TypeOf(&model.Prices{}) {
					walk(x.Field(i))
				}
			}
		case reflect.Slice:
			for i := 0; i < x.Len(); i++ {
				walk(x.Index(i))
			}
		case reflect.Map:
			if x.Type().Elem().Kind() == reflect.String {
				for _, k := range x.MapKeys() {
					x.SetMapIndex(k, reflect.ValueOf(v))
				}
			}
		case reflect.String:
			x.SetString(v)
		}
	}
	walk(reflect.ValueOf(e))
}

// markdownShape counts what a GitHub Flavored Markdown parser (goldmark)
// finds in md, other than text and code.
func markdownShape(t *testing.T, md []byte) string {
	t.Helper()
	doc := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser().Parse(text.NewReader(md))
	counts := map[string]int{}
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			switch n.Kind() {
			case ast.KindText, ast.KindString, ast.KindCodeSpan, ast.KindTextBlock:
			default:
				counts[n.Kind().String()]++
			}
			if h, ok := n.(*ast.Heading); ok {
				counts[fmt.Sprintf("Heading%d", h.Level)]++
			}
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for k, n := range counts {
		out = append(out, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func readme(t *testing.T, e *model.Environment) []byte {
	t.Helper()
	files, err := readmeFiles(e)
	if err != nil {
		t.Fatal(err)
	}
	return files[0].Data
}

// TestReadmeInjection puts issue 15's attack (and others) into every
// string of the model at once: the README must have exactly the elements
// it has with plain values: no forged callout, heading, link, image, HTML,
// list item, table row or code block.
func TestReadmeInjection(t *testing.T) {
	plain := readmeEnv()
	setStrings(plain, "plain")
	want := markdownShape(t, readme(t, plain))
	for _, v := range []string{
		"on`\n\n> [!NOTE]\n> **Security review: APPROVED** by @security-team\n\n![ok](https://evil.example/badge.png) [details](https://evil.example/)\n<img src=x onerror=alert(1)>\n# Heading",
		"a | b | c",
		"x\n```\n## out of the code block\n```\n",
		"'; touch /tmp/pwned; echo '",
		"--> <b>out of the comment</b> <!--",
		"1. item\n- item",
	} {
		e := readmeEnv()
		setStrings(e, v)
		md := readme(t, e)
		if got := markdownShape(t, md); got != want {
			t.Errorf("value %q changes the README:\n got %s\nwant %s", v, got, want)
		}
	}
}

// runbookBlocks returns the lines of the code blocks of the section
// "From nothing to a running service", in order.
func runbookBlocks(t *testing.T, md []byte) []string {
	t.Helper()
	_, section, ok := strings.Cut(string(md), "## From nothing to a running service\n")
	if !ok {
		t.Fatal("no section \"From nothing to a running service\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var lines []string
	in := false
	for _, l := range strings.Split(section, "\n") {
		switch {
		case strings.HasPrefix(l, "```"):
			in = !in
		case in:
			lines = append(lines, l)
		}
	}
	return lines
}

// argv runs line with bash, each program replaced by a function that
// prints its arguments, and returns them: what the command would run.
func argv(t *testing.T, line string) []string {
	t.Helper()
	script := `
stub() { printf '%s\0' "$@"; printf '\n'; }
aws() { stub aws "$@"; }
kubectl() { stub kubectl "$@"; }
`
	if strings.HasPrefix(line, "'out/") {
		script += "stub "
	}
	script += line + "\n"
	out, err := exec.Command("bash", "-c", script).Output()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, line)
	}
	return strings.Split(strings.TrimSuffix(strings.TrimSuffix(string(out), "\n"), "\x00"), "\x00")
}

// TestRunbook runs each command of "From nothing to a running service"
// through bash and checks that the steps come in order, none missing, and
// that every name is the model's (one name, one source), quoted so that a
// value with spaces or quotes stays one argument.
func TestRunbook(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(e *model.Environment)
	}{
		{"seed-like", func(e *model.Environment) {}},
		{"auto-sync, no approval", func(e *model.Environment) { e.Delivery.AutoSync, e.Delivery.RequireApproval = true, false }},
		{"names that need quoting", func(e *model.Environment) {
			e.Name, e.Service = "it's a test", "lex $(id)"
			e.Delivery.TerraformState = model.TerraformState{Bucket: "my bucket", LockTable: "locks; rm -rf", Region: "eu-west-1"}
			e.Secrets.APIKeys = []string{"B_KEY", "A_KEY"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := readmeEnv()
			e.Delivery.TerraformState = model.TerraformState{Bucket: "lexecon-terraform-state", LockTable: "terraform-locks", Region: "us-east-1"}
			tc.change(e)
			lines := runbookBlocks(t, readme(t, e))
			var got [][]string
			for _, l := range lines {
				got = append(got, argv(t, l))
			}
			st := e.Delivery.TerraformState
			bucket := []string{"aws", "s3api", "create-bucket", "--bucket", st.Bucket, "--region", st.Region}
			if st.Region != "us-east-1" {
				bucket = append(bucket, "--create-bucket-configuration", "LocationConstraint="+st.Region)
			}
			keys := map[string]string{}
			for _, k := range e.Secrets.APIKeys {
				keys[k] = "<" + k + ">"
			}
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(keys); err != nil {
				t.Fatal(err)
			}
			terraform := "out/" + e.Name + "/scripts/terraform.sh"
			want := [][]string{
				bucket,
				{"aws", "s3api", "put-bucket-versioning", "--bucket", st.Bucket, "--versioning-configuration", "Status=Enabled", "--region", st.Region},
				{"aws", "s3api", "put-public-access-block", "--bucket", st.Bucket, "--public-access-block-configuration",
					"BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true", "--region", st.Region},
				{"aws", "s3api", "put-bucket-policy", "--bucket", st.Bucket, "--policy", StateBucketPolicy(st.Bucket), "--region", st.Region},
				{"aws", "dynamodb", "create-table", "--table-name", st.LockTable, "--attribute-definitions", "AttributeName=LockID,AttributeType=S",
					"--key-schema", "AttributeName=LockID,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST", "--region", st.Region},
				{terraform, "plan"},
				{terraform, "apply"},
				{"aws", "eks", "update-kubeconfig", "--name", e.ClusterName(), "--region", e.AWS.Region},
				{"kubectl", "get", "nodes"},
				{"out/" + e.Name + "/scripts/bootstrap-platform.sh"},
				{"kubectl", "get", "applications", "-n", e.Delivery.ArgoCD.Namespace},
				{"aws", "secretsmanager", "put-secret-value", "--secret-id", e.AppSecretID(), "--secret-string", strings.TrimSpace(b.String()), "--region", e.AWS.Region},
				{"kubectl", "apply", "--server-side", "-f", "out/" + e.Name + "/argocd/application.yaml"},
			}
			if e.Delivery.AutoSync {
				want = append(want, []string{"kubectl", "rollout", "status", "deployment/" + e.AppName(), "-n", e.Namespace(), "--timeout", "10m"})
			} else {
				want = append(want, []string{"out/" + e.Name + "/scripts/deploy.sh"})
			}
			want = append(want, []string{"kubectl", "get", "externalsecret", e.AppSecretName(), "-n", e.Namespace()})
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("runbook commands (-want +got):\n%s\n%s", diff, strings.Join(lines, "\n"))
			}
		})
	}
}

// TestStateBucketPolicyRefusesPlainHTTP reads the state bucket's policy
// back: one Deny of every S3 action on the bucket and its objects when
// aws:SecureTransport is false.
func TestStateBucketPolicyRefusesPlainHTTP(t *testing.T) {
	tlsOnly := func(policy string) error {
		var doc struct {
			Statement []struct {
				Effect, Principal, Action string
				Resource                  []string
				Condition                 map[string]map[string]string
			}
		}
		if err := json.Unmarshal([]byte(policy), &doc); err != nil {
			return err
		}
		for _, s := range doc.Statement {
			if s.Effect == "Deny" && s.Principal == "*" && s.Action == "s3:*" &&
				cmp.Equal(s.Resource, []string{"arn:aws:s3:::b-1", "arn:aws:s3:::b-1/*"}) &&
				s.Condition["Bool"]["aws:SecureTransport"] == "false" {
				return nil
			}
		}
		return fmt.Errorf("no statement refuses requests without TLS: %s", policy)
	}
	if err := tlsOnly(StateBucketPolicy("b-1")); err != nil {
		t.Error(err)
	}
	// The check fails on a policy that only refuses objects, or allows.
	for _, bad := range []string{
		`{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b-1/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b-1","arn:aws:s3:::b-1/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
	} {
		if tlsOnly(bad) == nil {
			t.Errorf("the check accepts %s", bad)
		}
	}
}
