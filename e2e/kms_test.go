//go:build e2e

package e2e

import (
	"fmt"
	"path/filepath"
	"testing"
)

// decryptProblems says how External Secrets' policy lets its role use the
// secrets key other than through Secrets Manager in the region, using the
// fake IAM's evaluator (which the ESO test runs the controller against).
func decryptProblems(policy []iamStatement, key, region string) []string {
	var problems []string
	via := func(service string) map[string]string { return map[string]string{"kms:ViaService": service} }
	if !allows(policy, "kms:Decrypt", key, via("secretsmanager."+region+".amazonaws.com")) {
		problems = append(problems, "the role cannot decrypt its secrets through Secrets Manager")
	}
	for _, c := range []struct {
		what    string
		context map[string]string
	}{
		{"directly", nil},
		{"through EKS", via("eks." + region + ".amazonaws.com")},
		{"through Secrets Manager in another region", via("secretsmanager.us-west-2.amazonaws.com")},
	} {
		if allows(policy, "kms:Decrypt", key, c.context) {
			problems = append(problems, "the role can decrypt with the secrets key "+c.what)
		}
	}
	return problems
}

// TestESODecryptsOnlyThroughSecretsManager reads External Secrets' planned
// policy and checks its kms:Decrypt grant carries kms:ViaService; then
// drops the condition (the old grant) and requires a problem.
func TestESODecryptsOnlyThroughSecretsManager(t *testing.T) {
	tfvars := filepath.Join(repoRoot, "out", "staging", "terraform", "staging.tfvars")
	plan := parsePlan(t, planJSON(t, module(t), tfvars))
	region := plan.variable(t, "aws_region").(string)
	account := plan.variable(t, "aws_account_id").(string)
	key := "arn:aws:kms:" + region + ":" + account + ":key/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
	secret := "arn:aws:secretsmanager:" + region + ":" + account + ":secret:x-Ab12Cd"
	policy, err := plan.policyDocument("data.aws_iam_policy_document.external_secrets", map[string]string{
		"aws_secretsmanager_secret.app.arn":                     secret,
		"aws_secretsmanager_secret.database.arn":                secret,
		"aws_db_instance.this.master_user_secret[0].secret_arn": secret,
		"aws_kms_key.secrets.arn":                               key,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range decryptProblems(policy, key, region) {
		t.Error(p)
	}
	var old []iamStatement
	for _, st := range policy {
		st.Conditions = nil
		old = append(old, st)
	}
	if got := decryptProblems(old, key, region); len(got) == 0 {
		t.Error("the check misses a kms:Decrypt grant without kms:ViaService")
	} else {
		t.Logf("without the condition: %v", got)
	}
	if fmt.Sprint(decryptProblems(nil, key, region)) == "[]" {
		t.Error("the check misses a role that cannot decrypt at all")
	}
}
