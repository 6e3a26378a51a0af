package check

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/lexecon/lexgen/internal/model"
)

// valid is env() with the names and windows a loaded environment has.
func valid() *model.Environment {
	e := env()
	e.Service = "lexecon"
	e.AWS.AccountID = "123456789012"
	e.Database.BackupWindow = "03:00-04:00"
	e.Database.MaintenanceWindow = "sun:04:30-sun:05:30"
	return e
}

func messages(e *model.Environment) string {
	var s []string
	for _, f := range Environment(e) {
		if !f.Warning {
			s = append(s, f.Path+": "+f.Message)
		}
	}
	return strings.Join(s, "\n")
}

func TestValidHasNoFindings(t *testing.T) {
	if got := messages(valid()); got != "" {
		t.Fatalf("findings on a valid environment:\n%s", got)
	}
}

func TestWindows(t *testing.T) {
	for _, c := range []struct {
		backup, maintenance string
		want                string // the paths with an error, or ""
	}{
		{"03:00-04:00", "sun:04:30-sun:05:30", ""},
		{"03:00-03:30", "sun:04:30-sun:05:00", ""}, // exactly 30 minutes each
		{"03:00-03:29", "sun:04:30-sun:05:30", "x.database.backupWindow"},
		{"03:00-03:00", "sun:04:30-sun:05:30", "x.database.backupWindow"}, // no time at all
		{"03:00-04:00", "sun:04:30-sun:04:59", "x.database.maintenanceWindow"},
		{"04:00-05:00", "sun:04:30-sun:05:30", "x.database.backupWindow"},
		{"03:30-04:30", "sun:04:30-sun:05:30", ""}, // touching, not overlapping
		{"04:00-05:00", "sun:03:00-sun:04:00", ""},
		{"04:00-05:00", "sun:03:00-sun:04:01", "x.database.backupWindow"},
		// The backup window runs past midnight into Monday's maintenance.
		{"23:30-00:30", "mon:00:00-mon:01:00", "x.database.backupWindow"},
		// The maintenance window runs past Sunday midnight into a backup.
		{"00:00-00:30", "sun:23:45-mon:00:15", "x.database.backupWindow"},
		{"01:00-01:30", "sun:23:45-mon:00:15", ""},
		// A maintenance window of days meets every daily backup window.
		{"12:00-12:30", "mon:00:00-wed:00:00", "x.database.backupWindow"},
		{"12:00-12:30", "mon:00:00-mon:11:59", ""},
	} {
		e := valid()
		e.Database.BackupWindow, e.Database.MaintenanceWindow = c.backup, c.maintenance
		var paths []string
		for _, f := range Environment(e) {
			if !f.Warning {
				paths = append(paths, f.Path)
			}
		}
		if got := strings.Join(paths, ", "); got != c.want {
			t.Errorf("%s and %s: got %q, want %q", c.backup, c.maintenance, got, c.want)
		}
	}
}

func TestTimeZone(t *testing.T) {
	for _, c := range []struct {
		zone string
		ok   bool
	}{
		{"UTC", true},
		{"Europe/Berlin", true},
		{"America/Argentina/Buenos_Aires", true},
		{"Etc/GMT+9", true},
		{"Europe/Berln", false},
		{"Mars/Olympus_Mons", false},
		{"Local", false}, // LoadLocation's name for the machine's own zone
		{"", false},      // LoadLocation's name for UTC
	} {
		if got := timeZone(c.zone) == ""; got != c.ok {
			t.Errorf("timeZone(%q) accepted = %v, want %v (%s)", c.zone, got, c.ok, timeZone(c.zone))
		}
	}
}

func TestCounts(t *testing.T) {
	strs := func(n int, format string) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprintf(format, i)
		}
		return s
	}
	subnets := func(n int) []model.Subnet {
		s := make([]model.Subnet, n)
		for i := range s {
			s[i] = model.Subnet{ID: fmt.Sprintf("subnet-%08x", i)}
		}
		return s
	}
	kv := func(n int) map[string]string {
		m := map[string]string{}
		for i := 0; i < n; i++ {
			m[fmt.Sprintf("K%d", i)] = "v"
		}
		return m
	}
	for _, c := range []struct {
		path string
		max  int
		set  func(*model.Environment, int)
	}{
		{"cluster.publicAccessCidrs", 40, func(e *model.Environment, n int) { e.Cluster.PublicAccessCIDRs = strs(n, "198.51.100.%d/32") }},
		{"cluster.admins", 20, func(e *model.Environment, n int) { e.Cluster.Admins = strs(n, "arn:aws:iam::123456789012:role/a%d") }},
		{"aws.nodeSubnets", 20, func(e *model.Environment, n int) { e.AWS.NodeSubnets = subnets(n) }},
		{"aws.databaseSubnets", 20, func(e *model.Environment, n int) { e.AWS.DatabaseSubnets = subnets(n) }},
		{"tags", 46, func(e *model.Environment, n int) { e.Tags = kv(n) }},
		{"app.env", 50, func(e *model.Environment, n int) { e.App.Env = kv(n) }},
		{"secrets.apiKeys", 50, func(e *model.Environment, n int) { e.Secrets.APIKeys = strs(n, "KEY_%d") }},
	} {
		e := valid()
		c.set(e, c.max)
		if got := messages(e); got != "" {
			t.Errorf("%d %s: %s", c.max, c.path, got)
		}
		c.set(e, c.max+1)
		if got := messages(e); !strings.HasPrefix(got, "x."+c.path+": ") || strings.Contains(got, "\n") {
			t.Errorf("%d %s: got %q, want one error at x.%s", c.max+1, c.path, got, c.path)
		}
	}
}

func TestCIDRHostBits(t *testing.T) {
	for _, c := range []struct {
		cidr string
		ok   bool
	}{
		{"0.0.0.0/0", true},
		{"203.0.113.0/24", true},
		{"203.0.113.5/32", true},
		{"203.0.113.5/24", false},
		{"10.0.0.1/0", false},
		{"198.51.100.128/25", true},
		{"198.51.100.64/25", false},
	} {
		e := valid()
		e.Cluster.PublicAccessCIDRs = []string{c.cidr}
		if got := messages(e) == ""; got != c.ok {
			t.Errorf("%s accepted = %v, want %v: %s", c.cidr, got, c.ok, messages(e))
		}
	}
}

func TestAWSNames(t *testing.T) {
	for _, c := range []struct {
		service string
		ok      bool
	}{
		{"lexecon", true},
		// "<service>-x" with service of 45 characters is 47, the longest
		// whose IAM role <...>-external-secrets fits in 64.
		{strings.Repeat("a", 45), true},
		{strings.Repeat("a", 46), false},
		{"1lexecon", false},
		{"lex--econ", false},
		{"lex-econ", true},
	} {
		e := valid()
		e.Service = c.service
		got := messages(e)
		if (got == "") != c.ok {
			t.Errorf("service %q: accepted = %v, want %v: %s", c.service, got == "", c.ok, got)
		}
		if !c.ok && !strings.HasPrefix(got, "x.service: ") {
			t.Errorf("service %q: got %q, want an error at x.service", c.service, got)
		}
	}
}

func TestAcross(t *testing.T) {
	named := func(service, name, account string) *model.Environment {
		e := valid()
		e.Service, e.Name, e.AWS.AccountID, e.Source = service, name, account, "envs/"+name+".cue"
		return e
	}
	got := func(envs ...*model.Environment) []string {
		var s []string
		for name, fs := range Across(envs) {
			for _, f := range fs {
				if !strings.HasPrefix(f.Path, name+".") {
					t.Errorf("finding of %s at %s", name, f.Path)
				}
				s = append(s, f.Path)
			}
		}
		sort.Strings(s)
		return s
	}
	if s := got(named("lexecon", "staging", "1"), named("lexecon", "production", "1")); len(s) != 0 {
		t.Errorf("distinct names: %v", s)
	}
	if s := got(named("lexecon-eu", "staging", "1"), named("lexecon", "eu-staging", "1")); !cmp.Equal(s, []string{"eu-staging.service", "staging.service"}) {
		t.Errorf("lexecon-eu-staging twice in one account: %v", s)
	}
	if s := got(named("lexecon-eu", "staging", "1"), named("lexecon", "eu-staging", "2")); len(s) != 0 {
		t.Errorf("the same names in two accounts: %v", s)
	}
}

// TestIAMRolesAreTheModules: the role names checked are those the
// Terraform module creates, read from infrastructure/terraform.
func TestIAMRolesAreTheModules(t *testing.T) {
	files, err := filepath.Glob("../../infrastructure/terraform/*.tf")
	if err != nil || len(files) == 0 {
		t.Fatalf("no Terraform files: %v", err)
	}
	var got []string
	for _, path := range files {
		src, f := parseTF(t, path)
		for _, b := range f.Body.(*hclsyntax.Body).Blocks {
			if b.Type != "resource" || b.Labels[0] != "aws_iam_role" {
				continue
			}
			a, ok := b.Body.Attributes["name"]
			if !ok {
				t.Errorf("%s: aws_iam_role %s has no name (a name_prefix is not checked)", path, b.Labels[1])
				continue
			}
			r := a.Expr.Range()
			got = append(got, string(src[r.Start.Byte:r.End.Byte]))
		}
	}
	// model.ExternalSecretsRoleName, model.ClusterAutoscalerRoleName
	want := []string{"var.external_secrets_role_name", "var.cluster_autoscaler_role_name"}
	for _, r := range iamRoleSuffixes {
		want = append(want, `"${var.`+r.base+`}`+r.suffix+`"`)
	}
	sort.Strings(got)
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("IAM roles of the module (-checked +module):\n%s", diff)
	}
}

// TestEnvValueLength: an app.env value of 4096 characters (of any width) is
// accepted, one of 4097 refused with its length, here rather than in the
// schema (where the control-character message would come out instead).
func TestEnvValueLength(t *testing.T) {
	e := valid()
	e.App.Env = map[string]string{"NOTE": strings.Repeat("é", 4096)}
	if got := messages(e); got != "" {
		t.Errorf("4096 characters: %s", got)
	}
	e.App.Env["NOTE"] += "x"
	if got := messages(e); !strings.HasPrefix(got, "x.app.env.NOTE: the value is 4097 characters long") || strings.Contains(got, "\n") {
		t.Errorf("4097 characters: got %q", got)
	}
}

// TestNodeGroupNameIsTheModules: the node group name checked is the one
// infrastructure/terraform/eks.tf builds, <cluster>-nodes-<digest>, with a
// digest of the length nodeGroupSuffix counts.
func TestNodeGroupNameIsTheModules(t *testing.T) {
	src, f := parseTF(t, "../../infrastructure/terraform/eks.tf")
	text := func(e hclsyntax.Expression) string {
		r := e.Range()
		return string(src[r.Start.Byte:r.End.Byte])
	}
	var local, used string
	for _, b := range f.Body.(*hclsyntax.Body).Blocks {
		if a, ok := b.Body.Attributes["node_group_name"]; ok && b.Type == "locals" {
			local = text(a.Expr)
		}
		if a, ok := b.Body.Attributes["node_group_name"]; ok && b.Type == "resource" && b.Labels[0] == "aws_eks_node_group" {
			used = text(a.Expr)
		}
	}
	if used != "local.node_group_name" {
		t.Errorf("the node group's name is %q, not local.node_group_name", used)
	}
	digits := strconv.Itoa(nodeGroupSuffix - len("-nodes-"))
	if !strings.HasPrefix(local, `"${var.cluster_name}-nodes-${substr(`) || !strings.HasSuffix(local, ", 0, "+digits+`)}"`) {
		t.Errorf("local.node_group_name is\n%s\nnot \"${var.cluster_name}-nodes-${substr(<digest>, 0, %s)}\" as the length check counts", local, digits)
	}
}

// parseTF reads and parses one file of the module.
func parseTF(t *testing.T, path string) ([]byte, *hcl.File) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return src, f
}
