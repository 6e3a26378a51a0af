//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const (
	providerVersion = "6.34.0"
	providerFile    = "terraform-provider-aws_v" + providerVersion
)

// providerRC unpacks the AWS provider build from shared/tools/aws-provider
// into a filesystem mirror under .cache (once) and returns a Terraform CLI
// config that installs hashicorp/aws from there and nothing from the network.
func providerRC(t *testing.T) string {
	t.Helper()
	need(t, "zstd", "apt-get install zstd")
	mirror := cacheDir("terraform", "mirror")
	bin := filepath.Join(mirror, "registry.terraform.io", "hashicorp", "aws", providerVersion, "linux_amd64", providerFile)
	err := once("provider", func() error {
		if _, err := os.Stat(bin); err == nil {
			return nil
		}
		src := sharedDir("tools", "aws-provider", providerFile+"_linux_amd64.zst")
		if _, err := os.Stat(src); err != nil {
			return fmt.Errorf("the AWS provider build is missing: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
			return err
		}
		tmp := bin + ".partial"
		if _, errOut, err := run(t, "", nil, "zstd", "-d", "-q", "-f", src, "-o", tmp); err != nil {
			return fmt.Errorf("zstd: %v: %s", err, errOut)
		}
		if err := os.Chmod(tmp, 0o755); err != nil {
			return err
		}
		return os.Rename(tmp, bin)
	})
	if err != nil {
		t.Fatal(err)
	}
	rc := filepath.Join(t.TempDir(), "mirror.tfrc")
	conf := fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
`, mirror)
	if err := os.WriteFile(rc, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return rc
}

// module copies infrastructure/terraform into a temporary folder; the
// .terraform folder and lock file made there from the mirror never reach
// the repository (their hashes are not the registry's).
func module(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "terraform")
	copyDir(t, filepath.Join(repoRoot, "infrastructure", "terraform"), dir)
	return dir
}

// validate runs init -backend=false and validate; it returns validate's
// diagnostics, empty when the module is valid.
func validate(t *testing.T, dir string) []string {
	t.Helper()
	tf := need(t, "terraform", installTerraform)
	env := tfEnv(t, providerRC(t))
	if out, errOut, err := run(t, dir, env, tf, "init", "-backend=false", "-input=false"); err != nil {
		t.Fatalf("terraform init: %v\n%s%s", err, out, errOut)
	}
	out, errOut, err := run(t, dir, env, tf, "validate", "-json")
	var res struct {
		Valid       bool
		Diagnostics []struct{ Severity, Summary, Detail string }
	}
	if jerr := json.Unmarshal([]byte(out), &res); jerr != nil {
		t.Fatalf("terraform validate: %v %v\n%s%s", err, jerr, out, errOut)
	}
	var problems []string
	for _, d := range res.Diagnostics {
		problems = append(problems, d.Severity+": "+d.Summary+": "+d.Detail)
	}
	if !res.Valid && len(problems) == 0 {
		problems = append(problems, "invalid, with no diagnostics")
	}
	return problems
}

func TestModuleValidatesAgainstTheProvider(t *testing.T) {
	if problems := validate(t, module(t)); len(problems) > 0 {
		t.Errorf("terraform validate:\n%s", strings.Join(problems, "\n"))
	}
}

func TestModuleValidationCanFail(t *testing.T) {
	dir := module(t)
	p := filepath.Join(dir, "rds.tf")
	src, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	bad := regexp.MustCompile(`storage_encrypted\s*=`).ReplaceAllString(string(src), "storage_encryptd =")
	if bad == string(src) {
		t.Fatal("rds.tf no longer sets storage_encrypted; update this test")
	}
	if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	problems := validate(t, dir)
	if len(problems) == 0 {
		t.Fatal("a misspelt argument passed terraform validate")
	}
	if !strings.Contains(strings.Join(problems, "\n"), "storage_encryptd") {
		t.Errorf("validate failed, but not on the misspelt argument:\n%s", strings.Join(problems, "\n"))
	}
}

// offlineOverride is a test-only override file: a local backend instead of
// S3, and the provider settings that let it plan with fake credentials and
// no network. The module's own provider block stays clean.
const offlineOverride = `terraform {
  backend "local" {}
}

provider "aws" {
  access_key                  = "AKIAFAKEFAKEFAKEFAKE"
  secret_key                  = "fake"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  # The account cannot be checked offline; the real provider block keeps
  # allowed_account_ids = [var.aws_account_id].
  allowed_account_ids = null
}

provider "aws" {
  alias                       = "backup_copy"
  access_key                  = "AKIAFAKEFAKEFAKEFAKE"
  secret_key                  = "fake"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  allowed_account_ids         = null
}

provider "aws" {
  alias                       = "backup_replica"
  access_key                  = "AKIAFAKEFAKEFAKEFAKE"
  secret_key                  = "fake"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  allowed_account_ids         = null
}
`

type plannedResource struct {
	Address string         `json:"address"`
	Type    string         `json:"type"`
	Values  map[string]any `json:"values"`
}

// plan plans the whole module with one environment's tfvars and returns the
// planned resources by address.
func plan(t *testing.T, env string) map[string]plannedResource {
	return planWith(t, filepath.Join(repoRoot, "out", env, "terraform", env+".tfvars"))
}

func planWith(t *testing.T, tfvars string) map[string]plannedResource {
	t.Helper()
	out := planJSON(t, module(t), tfvars)
	var p struct {
		PlannedValues struct {
			RootModule struct {
				Resources []plannedResource `json:"resources"`
			} `json:"root_module"`
		} `json:"planned_values"`
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				AfterUnknown map[string]any `json:"after_unknown"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	res := map[string]plannedResource{}
	for _, r := range p.PlannedValues.RootModule.Resources {
		res[r.Address] = r
	}
	// A top-level attribute known only after apply (a key's ARN) is set
	// all the same: it reads as knownAfterApply rather than as missing.
	for _, rc := range p.ResourceChanges {
		r, ok := res[rc.Address]
		if !ok {
			continue
		}
		for k, v := range rc.Change.AfterUnknown {
			if _, set := r.Values[k]; !set && v == true {
				r.Values[k] = knownAfterApply
			}
		}
	}
	return res
}

// knownAfterApply stands for a planned value that apply will set.
const knownAfterApply = "(known after apply)"

// planJSON plans a copy of the module (dir) offline with one tfvars file
// and returns `terraform show -json` of the plan.
func planJSON(t *testing.T, dir, tfvars string) []byte {
	t.Helper()
	tf := need(t, "terraform", installTerraform)
	if err := os.WriteFile(filepath.Join(dir, "offline_override.tf"), []byte(offlineOverride), 0o644); err != nil {
		t.Fatal(err)
	}
	tfe := append(tfEnv(t, providerRC(t)), "AWS_EC2_METADATA_DISABLED=true")
	if out, errOut, err := run(t, dir, tfe, tf, "init", "-input=false"); err != nil {
		t.Fatalf("terraform init: %v\n%s%s", err, out, errOut)
	}
	out, errOut, err := run(t, dir, tfe, tf, "plan", "-no-color", "-input=false", "-lock=false", "-out=plan.bin", "-var-file="+tfvars)
	if err != nil {
		t.Fatalf("terraform plan: %v\n%s%s", err, out, errOut)
	}
	if strings.Contains(out+errOut, "Warning:") {
		t.Errorf("terraform plan warns:\n%s%s", out, errOut)
	}
	out, errOut, err = run(t, dir, tfe, tf, "show", "-json", "plan.bin")
	if err != nil {
		t.Fatalf("terraform show: %v\n%s", err, errOut)
	}
	return []byte(out)
}

// The seed's figures, as the real resources in the plan must carry them.
var seed = map[string]struct {
	nodeType                string
	nodes, nodeMin, backups int
	dbClass                 string
	multiAZ, protected      bool
}{
	"staging":    {"t3.medium", 3, 3, 7, "db.t3.micro", false, false}, // the seed's 2, at 3 (envs/staging.cue)
	"production": {"t3.small", 4, 4, 30, "db.t3.small", true, true},   // the seed's 3+, at 4 (envs/production.cue)
}

func TestModulePlansEveryEnvironment(t *testing.T) {
	for _, env := range environments(t) {
		t.Run(env, func(t *testing.T) {
			res := plan(t, env)
			checkClusterAccess(t, res)
			checkHardening(t, res, env == "production")
			tfvars := filepath.Join(repoRoot, "out", env, "terraform", env+".tfvars")
			checkPlatform(t, res, tfvars)
			if env == "staging" {
				checkHardeningCanFail(t, res)
				checkPlatformCanFail(t, res, tfvars)
			}
			want, ok := seed[env]
			if !ok {
				return // an environment the seed does not describe
			}
			ng := res["aws_eks_node_group.this"].Values
			sc, _ := ng["scaling_config"].([]any)
			if len(sc) != 1 {
				t.Fatalf("node group scaling_config = %v", ng["scaling_config"])
			}
			scaling := sc[0].(map[string]any)
			db := res["aws_db_instance.this"].Values
			for _, c := range []struct {
				what      string
				got, want any
			}{
				{"node instance types", fmt.Sprint(ng["instance_types"]), fmt.Sprint([]string{want.nodeType})},
				{"node desired size", scaling["desired_size"], float64(want.nodes)},
				{"node min size", scaling["min_size"], float64(want.nodeMin)},
				{"db instance class", db["instance_class"], want.dbClass},
				{"db multi_az", db["multi_az"], want.multiAZ},
				{"db backup_retention_period", db["backup_retention_period"], float64(want.backups)},
				{"db storage_encrypted", db["storage_encrypted"], true},
				{"db deletion_protection", db["deletion_protection"], want.protected},
				{"db manage_master_user_password", db["manage_master_user_password"], true},
				{"db skip_final_snapshot", db["skip_final_snapshot"], !want.protected},
			} {
				if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
					t.Errorf("%s: %s = %v, want %v", env, c.what, c.got, c.want)
				}
			}
			pg := res["aws_db_parameter_group.this"].Values
			if !strings.Contains(fmt.Sprint(pg["parameter"]), "rds.force_ssl") {
				t.Errorf("%s: parameter group lacks rds.force_ssl: %v", env, pg["parameter"])
			}
			for _, k := range []string{"aws_kms_key.database", "aws_kms_key.secrets"} {
				if res[k].Values["enable_key_rotation"] != true {
					t.Errorf("%s: %s without key rotation", env, k)
				}
			}
		})
	}
}

// TestModulePlansEveryOption plans the golden environment that turns on every
// cost and recovery option of the seed, and checks each reaches its
// resource.
func TestModulePlansEveryOption(t *testing.T) {
	res := planWith(t, filepath.Join(repoRoot, "golden", "render", "options", "out", "qa", "terraform", "qa.tfvars"))
	checkClusterAccess(t, res)
	checkHardening(t, res, false)
	checkPlatform(t, res, filepath.Join(repoRoot, "golden", "render", "options", "out", "qa", "terraform", "qa.tfvars"))
	ng := res["aws_eks_node_group.this"].Values
	db := res["aws_db_instance.this"].Values
	night := res["aws_autoscaling_schedule.night[0]"].Values
	morning := res["aws_autoscaling_schedule.morning[0]"].Values
	repl := res["aws_db_instance_automated_backups_replication.this[0]"].Values
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"capacity type", ng["capacity_type"], "SPOT"},
		{"instance types", fmt.Sprint(ng["instance_types"]), "[t3.medium t3.large m6i.large]"},
		{"night recurrence", night["recurrence"], "0 20 * * MON-FRI"},
		{"night time zone", night["time_zone"], "Europe/Berlin"},
		{"night size", night["desired_capacity"], float64(2)}, // 1 t3.medium cannot hold the platform
		{"morning recurrence", morning["recurrence"], "0 7 * * MON-FRI"},
		{"morning size", morning["desired_capacity"], float64(3)},
		{"max allocated storage", db["max_allocated_storage"], float64(200)},
		{"final snapshot", db["final_snapshot_identifier"], "lexecon-qa-final"},
		{"skip final snapshot", db["skip_final_snapshot"], false},
		{"copy tags", db["copy_tags_to_snapshot"], true},
		{"restore from", db["snapshot_identifier"], "rds:lexecon-production-2026-11-20-03-00"},
		{"replication retention", repl["retention_period"], float64(14)},
		{"replica key", res["aws_kms_key.backup_replica[0]"].Values["enable_key_rotation"], true},
		{"backup copy vault region", res["aws_backup_vault.copy[0]"].Values["region"], "eu-west-1"},
		{"backup copy key region", res["aws_kms_key.backup_copy[0]"].Values["region"], "eu-west-1"},
		{"backup vault region", res["aws_backup_vault.this[0]"].Values["region"], "us-east-1"},
		{"admin access entry", res[`aws_eks_access_entry.admin["arn:aws:iam::123456789012:role/platform-admins"]`].Values["principal_arn"], "arn:aws:iam::123456789012:role/platform-admins"},
	} {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	for _, p := range backupPlanProblems(res, 120, 30, true) {
		t.Error(p)
	}
	// The check fails without the plan, with another lifecycle, without the
	// copy, and with an unencrypted vault.
	for _, b := range []struct {
		what   string
		broken func(map[string]plannedResource)
	}{
		{"no plan", func(r map[string]plannedResource) { delete(r, "aws_backup_plan.this[0]") }},
		{"no selection", func(r map[string]plannedResource) { delete(r, "aws_backup_selection.database[0]") }},
		{"delete after 35", func(r map[string]plannedResource) {
			r["aws_backup_plan.this[0]"].Values["rule"] = []any{map[string]any{"lifecycle": []any{map[string]any{"delete_after": float64(35), "cold_storage_after": float64(30)}}, "copy_action": first(r["aws_backup_plan.this[0]"].Values["rule"])["copy_action"]}}
		}},
		{"no copy", func(r map[string]plannedResource) {
			rule := first(r["aws_backup_plan.this[0]"].Values["rule"])
			r["aws_backup_plan.this[0]"].Values["rule"] = []any{map[string]any{"lifecycle": rule["lifecycle"], "copy_action": []any{}}}
		}},
		{"vault without a key", func(r map[string]plannedResource) { r["aws_backup_vault.this[0]"].Values["kms_key_arn"] = nil }},
	} {
		broken := copyPlan(res)
		b.broken(broken)
		if len(backupPlanProblems(broken, 120, 30, true)) == 0 {
			t.Errorf("the backup plan check misses: %s", b.what)
		}
	}
}

// backupPlanProblems checks the AWS Backup plan on the planned values: a
// vault under a customer-managed key, a rule with the model's lifecycle,
// the copy to a vault of another region with the same lifecycle, and a
// selection of the database by a role AWS Backup assumes.
func backupPlanProblems(res map[string]plannedResource, deleteAfter, coldAfter float64, copied bool) []string {
	var problems []string
	plan, ok := res["aws_backup_plan.this[0]"]
	if !ok {
		return []string{"no aws_backup_plan"}
	}
	if res["aws_backup_vault.this[0]"].Values["kms_key_arn"] == nil {
		problems = append(problems, "the backup vault has no customer-managed key")
	}
	rule := first(plan.Values["rule"])
	lc := first(rule["lifecycle"])
	if lc["delete_after"] != deleteAfter || lc["cold_storage_after"] != coldAfter {
		problems = append(problems, fmt.Sprintf("backup lifecycle = %v, want delete after %v, cold after %v", lc, deleteAfter, coldAfter))
	}
	copyAction := first(rule["copy_action"])
	switch {
	case copied && copyAction == nil:
		problems = append(problems, "the backup plan copies nothing to another region")
	case copied:
		if clc := first(copyAction["lifecycle"]); clc["delete_after"] != deleteAfter {
			problems = append(problems, fmt.Sprintf("the copy's lifecycle = %v, want delete after %v", clc, deleteAfter))
		}
		if res["aws_backup_vault.copy[0]"].Values["kms_key_arn"] == nil {
			problems = append(problems, "the copy vault has no customer-managed key")
		}
	}
	sel, ok := res["aws_backup_selection.database[0]"]
	if !ok {
		problems = append(problems, "no aws_backup_selection: the plan backs up nothing")
	} else if sel.Values["iam_role_arn"] == nil || sel.Values["resources"] == nil {
		problems = append(problems, fmt.Sprintf("the selection lacks its role or resources: %v", sel.Values))
	}
	return problems
}

// clusterAdminPolicy is the EKS access policy that makes a principal cluster
// admin (kubectl, deploy.sh, the Argo CD Application apply).
const clusterAdminPolicy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

// clusterAccess lists who can use the cluster once the plan is applied: the
// principal that applies it when the cluster is created with the bootstrap
// flag, and every principal with a cluster-scoped admin policy association
// whose access entry is planned too.
func clusterAccess(res map[string]plannedResource) []string {
	var who []string
	cluster := res["aws_eks_cluster.this"].Values
	if ac, _ := cluster["access_config"].([]any); len(ac) == 1 {
		if m, _ := ac[0].(map[string]any); m["bootstrap_cluster_creator_admin_permissions"] == true {
			who = append(who, "the principal that runs terraform apply")
		}
	}
	entries := map[string]bool{}
	for _, r := range res {
		if r.Type == "aws_eks_access_entry" {
			entries[fmt.Sprint(r.Values["principal_arn"])] = true
		}
	}
	for _, r := range res {
		if r.Type != "aws_eks_access_policy_association" || r.Values["policy_arn"] != clusterAdminPolicy {
			continue
		}
		scope, _ := r.Values["access_scope"].([]any)
		if len(scope) != 1 || scope[0].(map[string]any)["type"] != "cluster" {
			continue
		}
		if p := fmt.Sprint(r.Values["principal_arn"]); entries[p] {
			who = append(who, p)
		}
	}
	return who
}

func checkClusterAccess(t *testing.T, res map[string]plannedResource) {
	t.Helper()
	if who := clusterAccess(res); len(who) == 0 {
		ac := res["aws_eks_cluster.this"].Values["access_config"]
		t.Errorf("after terraform apply nobody can use the cluster: access_config = %v and no access entry with %s", ac, clusterAdminPolicy)
	}
}

// first is the first item of a nested block in planned values.
func first(v any) map[string]any {
	if l, _ := v.([]any); len(l) > 0 {
		m, _ := l[0].(map[string]any)
		return m
	}
	return nil
}

// checkHardening checks, on the planned values, what a reviewer of the
// module expects of every environment: no extended support billed by
// surprise, backups kept when the database is replaced, logs with a
// retention, instance metadata out of the pods' reach, the nodes on the
// cluster's version.
func checkHardening(t *testing.T, res map[string]plannedResource, production bool) {
	t.Helper()
	for _, p := range hardeningProblems(res, production) {
		t.Error(p)
	}
}

func hardeningProblems(res map[string]plannedResource, production bool) []string {
	var problems []string
	cluster := res["aws_eks_cluster.this"].Values
	db := res["aws_db_instance.this"].Values
	lt := res["aws_launch_template.nodes"].Values
	ng := res["aws_eks_node_group.this"].Values
	meta := first(lt["metadata_options"])
	ebs := first(first(lt["block_device_mappings"])["ebs"])
	for _, c := range []struct {
		what      string
		got, want any
	}{
		{"cluster upgrade_policy.support_type", first(cluster["upgrade_policy"])["support_type"], "STANDARD"},
		{"cluster deletion_protection", cluster["deletion_protection"], production},
		{"db delete_automated_backups", db["delete_automated_backups"], false},
		{"db allow_major_version_upgrade", db["allow_major_version_upgrade"], true},
		{"db engine_lifecycle_support", db["engine_lifecycle_support"], "open-source-rds-extended-support-disabled"},
		{"db enabled_cloudwatch_logs_exports", fmt.Sprint(db["enabled_cloudwatch_logs_exports"]), "[postgresql upgrade]"},
		{"launch template http_tokens", meta["http_tokens"], "required"},
		{"launch template hop limit", meta["http_put_response_hop_limit"], float64(1)},
		{"node root volume encrypted", ebs["encrypted"], "true"},
		{"node group version", ng["version"], cluster["version"]},
		{"control-plane log group", res["aws_cloudwatch_log_group.cluster"].Values["name"], "/aws/eks/" + fmt.Sprint(cluster["name"]) + "/cluster"},
	} {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			problems = append(problems, fmt.Sprintf("%s = %v, want %v", c.what, c.got, c.want))
		}
	}
	for _, g := range []string{`aws_cloudwatch_log_group.cluster`, `aws_cloudwatch_log_group.database["postgresql"]`, `aws_cloudwatch_log_group.database["upgrade"]`} {
		if days, _ := res[g].Values["retention_in_days"].(float64); days <= 0 {
			problems = append(problems, fmt.Sprintf("%s has no retention: %v", g, res[g].Values["retention_in_days"]))
		}
		if res[g].Values["kms_key_id"] == nil {
			problems = append(problems, fmt.Sprintf("%s is not encrypted with a customer-managed key", g))
		}
	}
	// Performance Insights at its free 7 days, on by default (every
	// current environment keeps the default); IAM authentication allowed.
	if db["performance_insights_enabled"] != true || fmt.Sprint(db["performance_insights_retention_period"]) != "7" {
		problems = append(problems, fmt.Sprintf("db Performance Insights = %v for %v days, want on for 7", db["performance_insights_enabled"], db["performance_insights_retention_period"]))
	}
	if db["iam_database_authentication_enabled"] != true {
		problems = append(problems, "db iam_database_authentication_enabled is not true")
	}
	// Production storage grows on its own rather than filling up.
	if production {
		alloc, _ := db["allocated_storage"].(float64)
		if max, _ := db["max_allocated_storage"].(float64); max <= alloc {
			problems = append(problems, fmt.Sprintf("production db max_allocated_storage = %v, want above allocated_storage %v (autoscaling)", db["max_allocated_storage"], alloc))
		}
	}
	// No security group rule opens egress to the internet beside what EKS
	// creates, and the cluster carries no extra security group.
	for addr, r := range res {
		if r.Type == "aws_vpc_security_group_egress_rule" && r.Values["cidr_ipv4"] == "0.0.0.0/0" {
			problems = append(problems, fmt.Sprintf("%s allows egress to 0.0.0.0/0", addr))
		}
	}
	if ids, _ := first(cluster["vpc_config"])["security_group_ids"].([]any); len(ids) > 0 {
		problems = append(problems, fmt.Sprintf("the cluster carries extra security groups: %v", ids))
	}
	problems = append(problems, keyPolicyProblems(res)...)
	return problems
}

// keyPolicyProblems checks every KMS key's explicit policy: the account
// administers it (so IAM decides who uses it), nobody else is granted
// anything except, on the logs key, CloudWatch Logs of this region limited
// to this account's log groups.
func keyPolicyProblems(res map[string]plannedResource) []string {
	var problems []string
	keys := 0
	for addr, r := range res {
		if r.Type != "aws_kms_key" {
			continue
		}
		keys++
		var doc struct {
			Statement []struct {
				Sid       string
				Principal map[string]any
				Condition map[string]map[string]any
			}
		}
		raw, _ := r.Values["policy"].(string)
		if err := json.Unmarshal([]byte(raw), &doc); err != nil {
			problems = append(problems, fmt.Sprintf("%s has no explicit key policy: %q", addr, raw))
			continue
		}
		root := false
		for _, st := range doc.Statement {
			aws := fmt.Sprint(st.Principal["AWS"])
			svc := fmt.Sprint(st.Principal["Service"])
			switch {
			case strings.HasSuffix(aws, ":root") && len(st.Principal) == 1 && len(st.Condition) == 0:
				root = true
			case addr == "aws_kms_key.logs" && strings.HasPrefix(svc, "logs.") && strings.HasSuffix(svc, ".amazonaws.com"):
				ctx := fmt.Sprint(st.Condition["ArnLike"]["kms:EncryptionContext:aws:logs:arn"])
				if !strings.Contains(ctx, ":log-group:") || strings.Contains(ctx, "::") {
					problems = append(problems, fmt.Sprintf("%s lets CloudWatch Logs use it for any log group: condition %v", addr, st.Condition))
				}
			default:
				problems = append(problems, fmt.Sprintf("%s grants %v to %v", addr, st.Sid, st.Principal))
			}
		}
		if !root {
			problems = append(problems, fmt.Sprintf("%s: the account does not administer the key (no root statement)", addr))
		}
	}
	if keys < 3 {
		problems = append(problems, fmt.Sprintf("%d KMS keys with a policy, want the database, secrets and logs keys", keys))
	}
	return problems
}

// checkHardeningCanFail breaks each planned setting checkHardening reads,
// one at a time, and requires a problem for each.
func checkHardeningCanFail(t *testing.T, res map[string]plannedResource) {
	t.Helper()
	breaks := []struct {
		address, attr string
		value         any
	}{
		{"aws_eks_cluster.this", "upgrade_policy", []any{map[string]any{"support_type": "EXTENDED"}}},
		{"aws_eks_cluster.this", "deletion_protection", true},
		{"aws_db_instance.this", "delete_automated_backups", true},
		{"aws_db_instance.this", "allow_major_version_upgrade", false},
		{"aws_db_instance.this", "engine_lifecycle_support", "open-source-rds-extended-support"},
		{"aws_db_instance.this", "enabled_cloudwatch_logs_exports", []any{}},
		{"aws_launch_template.nodes", "metadata_options", []any{map[string]any{"http_tokens": "optional", "http_put_response_hop_limit": float64(2)}}},
		{"aws_eks_node_group.this", "version", nil},
		{"aws_cloudwatch_log_group.cluster", "retention_in_days", float64(0)},
		{"aws_cloudwatch_log_group.cluster", "kms_key_id", nil},
		{`aws_cloudwatch_log_group.database["postgresql"]`, "kms_key_id", nil},
		{"aws_db_instance.this", "performance_insights_enabled", false},
		{"aws_db_instance.this", "iam_database_authentication_enabled", false},
		{"aws_eks_cluster.this", "vpc_config", []any{map[string]any{"security_group_ids": []any{"sg-0123"}}}},
		{"aws_kms_key.database", "policy", nil},
		{"aws_kms_key.secrets", "policy", `{"Statement":[{"Sid":"Everyone","Principal":{"AWS":"*"}}]}`},
		{"aws_kms_key.logs", "policy", `{"Statement":[{"Sid":"A","Principal":{"AWS":"arn:aws:iam::123456789012:root"}},{"Sid":"L","Principal":{"Service":"logs.us-east-1.amazonaws.com"}}]}`},
	}
	for _, b := range breaks {
		broken := copyPlan(res)
		broken[b.address].Values[b.attr] = b.value
		if len(hardeningProblems(broken, false)) == 0 {
			t.Errorf("the hardening check misses %s.%s = %v", b.address, b.attr, b.value)
		}
	}
	// Production only: storage autoscaling off.
	broken := copyPlan(res)
	broken["aws_db_instance.this"].Values["max_allocated_storage"] = float64(0)
	if len(hardeningProblems(broken, true)) == 0 {
		t.Error("the hardening check misses production storage autoscaling off")
	}
	// The seed's redundant control-plane group, with its egress rule.
	broken = copyPlan(res)
	broken["aws_vpc_security_group_egress_rule.control_plane"] = plannedResource{
		Address: "aws_vpc_security_group_egress_rule.control_plane", Type: "aws_vpc_security_group_egress_rule",
		Values: map[string]any{"cidr_ipv4": "0.0.0.0/0"},
	}
	if len(hardeningProblems(broken, false)) == 0 {
		t.Error("the hardening check misses an egress rule to 0.0.0.0/0")
	}
}

// addonNames are the EKS managed add-ons platform.tf creates, by the
// variable eks_addon_versions.
var addonNames = []string{"vpc-cni", "coredns", "kube-proxy", "eks-pod-identity-agent", "metrics-server"}

// platformProblems checks, on the planned values, the AWS side of the
// platform: every add-on at the version the environment's tfvars pins, the
// VPC CNI enforcing NetworkPolicies, and the Cluster Autoscaler's role with
// its tag-scoped policy and the node group's discovery tags.
func platformProblems(res map[string]plannedResource, versions map[string]string) []string {
	var problems []string
	cluster := fmt.Sprint(res["aws_eks_cluster.this"].Values["name"])
	for _, name := range addonNames {
		a, ok := res[fmt.Sprintf("aws_eks_addon.this[%q]", name)]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("no aws_eks_addon for %s", name))
		case a.Values["addon_version"] != versions[name]:
			problems = append(problems, fmt.Sprintf("add-on %s at version %v, want %s", name, a.Values["addon_version"], versions[name]))
		case a.Values["cluster_name"] != cluster:
			problems = append(problems, fmt.Sprintf("add-on %s on cluster %v, want %s", name, a.Values["cluster_name"], cluster))
		}
	}
	var cni struct {
		EnableNetworkPolicy string `json:"enableNetworkPolicy"`
	}
	raw, _ := res[`aws_eks_addon.this["vpc-cni"]`].Values["configuration_values"].(string)
	if err := json.Unmarshal([]byte(raw), &cni); err != nil || cni.EnableNetworkPolicy != "true" {
		problems = append(problems, fmt.Sprintf("vpc-cni does not enforce NetworkPolicies: configuration_values = %q", raw))
	}
	role, ok := res["aws_iam_role.cluster_autoscaler"]
	if !ok {
		problems = append(problems, "no IAM role for the Cluster Autoscaler")
	} else if role.Values["name"] != cluster+"-autoscaler" {
		problems = append(problems, fmt.Sprintf("Cluster Autoscaler role named %v", role.Values["name"]))
	}
	var doc struct {
		Statement []struct {
			Action    any                       `json:"Action"`
			Condition map[string]map[string]any `json:"Condition"`
		} `json:"Statement"`
	}
	policy, _ := res["aws_iam_role_policy.cluster_autoscaler"].Values["policy"].(string)
	if err := json.Unmarshal([]byte(policy), &doc); err != nil {
		problems = append(problems, fmt.Sprintf("Cluster Autoscaler policy unreadable: %v", err))
	}
	scoped := false
	for _, s := range doc.Statement {
		if strings.Contains(fmt.Sprint(s.Action), "autoscaling:SetDesiredCapacity") {
			tag := s.Condition["StringEquals"]["aws:ResourceTag/k8s.io/cluster-autoscaler/"+cluster]
			if fmt.Sprint(tag) != "owned" {
				problems = append(problems, fmt.Sprintf("the Cluster Autoscaler may scale groups other than this cluster's: condition %v", s.Condition))
			}
			scoped = true
		}
	}
	if !scoped {
		problems = append(problems, "the Cluster Autoscaler's policy does not let it scale the node group")
	}
	tags, _ := res["aws_eks_node_group.this"].Values["tags"].(map[string]any)
	if tags["k8s.io/cluster-autoscaler/"+cluster] != "owned" || tags["k8s.io/cluster-autoscaler/enabled"] != "true" {
		problems = append(problems, fmt.Sprintf("node group lacks the autoscaler's discovery tags: %v", tags))
	}
	return problems
}

// addonVersions reads eks_addon_versions from a rendered tfvars file.
func addonVersions(t *testing.T, tfvars string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(tfvars)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	block := regexp.MustCompile(`(?s)eks_addon_versions = \{(.*?)\}`).FindSubmatch(data)
	if block == nil {
		t.Fatalf("%s sets no eks_addon_versions", tfvars)
	}
	for _, m := range regexp.MustCompile(`"?([a-z-]+)"?\s*=\s*"([^"]+)"`).FindAllSubmatch(block[1], -1) {
		out[string(m[1])] = string(m[2])
	}
	return out
}

func checkPlatform(t *testing.T, res map[string]plannedResource, tfvars string) {
	t.Helper()
	for _, p := range platformProblems(res, addonVersions(t, tfvars)) {
		t.Error(p)
	}
}

// checkPlatformCanFail breaks each planned setting checkPlatform reads, one
// at a time, and requires a problem for each.
func checkPlatformCanFail(t *testing.T, res map[string]plannedResource, tfvars string) {
	t.Helper()
	versions := addonVersions(t, tfvars)
	if len(platformProblems(res, versions)) != 0 {
		t.Fatal("the platform check fails on the unbroken plan")
	}
	copyRes := func() map[string]plannedResource { return copyPlan(res) }
	for _, name := range addonNames {
		broken := copyRes()
		broken[fmt.Sprintf("aws_eks_addon.this[%q]", name)].Values["addon_version"] = "v0.0.1-eksbuild.1"
		if len(platformProblems(broken, versions)) == 0 {
			t.Errorf("the platform check misses add-on %s at another version", name)
		}
		broken = copyRes()
		delete(broken, fmt.Sprintf("aws_eks_addon.this[%q]", name))
		if len(platformProblems(broken, versions)) == 0 {
			t.Errorf("the platform check misses a missing add-on %s", name)
		}
	}
	for _, b := range []struct {
		address, attr string
		value         any
	}{
		{`aws_eks_addon.this["vpc-cni"]`, "configuration_values", `{"enableNetworkPolicy":"false"}`},
		{"aws_iam_role.cluster_autoscaler", "name", "someone-else"},
		{"aws_iam_role_policy.cluster_autoscaler", "policy", `{"Statement":[{"Action":["autoscaling:SetDesiredCapacity"],"Resource":"*"}]}`},
		{"aws_eks_node_group.this", "tags", map[string]any{}},
	} {
		broken := copyRes()
		broken[b.address].Values[b.attr] = b.value
		if len(platformProblems(broken, versions)) == 0 {
			t.Errorf("the platform check misses %s.%s = %v", b.address, b.attr, b.value)
		}
	}
	broken := copyRes()
	delete(broken, "aws_iam_role.cluster_autoscaler")
	if len(platformProblems(broken, versions)) == 0 {
		t.Error("the platform check misses a missing Cluster Autoscaler role")
	}
}

// copyPlan copies planned resources deep enough that a test can change one
// top-level attribute of one resource without touching res.
func copyPlan(res map[string]plannedResource) map[string]plannedResource {
	broken := map[string]plannedResource{}
	for k, r := range res {
		values := map[string]any{}
		for vk, vv := range r.Values {
			values[vk] = vv
		}
		r.Values = values
		broken[k] = r
	}
	return broken
}

// TestLockFileMatchesTheProvider initialises a copy of the module with the
// committed .terraform.lock.hcl against the shared provider build: init
// succeeds only if a recorded hash is that build's, and leaves the file as
// committed. A lock file with another hash fails init.
func TestLockFileMatchesTheProvider(t *testing.T) {
	tf := need(t, "terraform", installTerraform)
	lock, err := os.ReadFile(filepath.Join(repoRoot, "infrastructure", "terraform", ".terraform.lock.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	env := tfEnv(t, providerRC(t))
	initWith := func(lockFile []byte) (string, []byte, error) {
		dir := module(t)
		p := filepath.Join(dir, ".terraform.lock.hcl")
		if err := os.WriteFile(p, lockFile, 0o644); err != nil {
			t.Fatal(err)
		}
		out, errOut, err := run(t, dir, env, tf, "init", "-backend=false", "-input=false", "-lockfile=readonly")
		after, _ := os.ReadFile(p)
		return out + errOut, after, err
	}
	out, after, err := initWith(lock)
	if err != nil {
		t.Fatalf("terraform init with the committed lock file: %v\n%s", err, out)
	}
	if string(after) != string(lock) {
		t.Errorf("init changed the lock file:\n%s", after)
	}
	other := regexp.MustCompile(`"h1:[^"]+"`).ReplaceAll(lock, []byte(`"h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="`))
	if _, _, err := initWith(other); err == nil {
		t.Error("terraform init accepted a lock file whose hash is not the provider's")
	}
}
