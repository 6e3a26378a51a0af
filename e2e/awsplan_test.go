//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// The IAM roles and secrets of the fake AWS come from the Terraform plan
// of the module, not from what lexgen renders: the role ESO may assume, its
// trust and inline policies, the secrets' names, the database's identity.
// An offline plan cannot know what AWS assigns (ARNs, the OIDC issuer);
// the test fixes the issuer with an override of local.oidc_issuer and binds
// every other unknown value a policy holds to the fixture's value for the
// attribute the configuration names there (aws_secretsmanager_secret.app.arn
// and so on). A policy with an unknown value no binding covers fails the
// test: nothing is guessed.

type tfPlan struct {
	Variables map[string]struct {
		Value any `json:"value"`
	} `json:"variables"`
	PlannedValues struct {
		RootModule struct {
			Resources []plannedResource `json:"resources"`
		} `json:"root_module"`
	} `json:"planned_values"`
	ResourceChanges []struct {
		Address string `json:"address"`
		Change  struct {
			After        map[string]any `json:"after"`
			AfterUnknown map[string]any `json:"after_unknown"`
		} `json:"change"`
	} `json:"resource_changes"`
	Configuration struct {
		RootModule struct {
			Resources []struct {
				Address     string         `json:"address"`
				Type        string         `json:"type"`
				Expressions map[string]any `json:"expressions"`
			} `json:"resources"`
		} `json:"root_module"`
	} `json:"configuration"`
}

func parsePlan(t *testing.T, data []byte) *tfPlan {
	t.Helper()
	var p tfPlan
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

func (p *tfPlan) variable(t *testing.T, name string) any {
	t.Helper()
	v, ok := p.Variables[name]
	if !ok {
		t.Fatalf("the plan has no variable %s", name)
	}
	return v.Value
}

func (p *tfPlan) planned(t *testing.T, address string) map[string]any {
	t.Helper()
	for _, r := range p.PlannedValues.RootModule.Resources {
		if r.Address == address {
			return r.Values
		}
	}
	t.Fatalf("the plan has no resource %s", address)
	return nil
}

func (p *tfPlan) config(address string) map[string]any {
	for _, r := range p.Configuration.RootModule.Resources {
		if r.Address == address {
			return r.Expressions
		}
	}
	return nil
}

// references lists the references of an expression, without the ones that
// only name a prefix of another (aws_secretsmanager_secret.app beside
// aws_secretsmanager_secret.app.arn): one per value the expression uses,
// in order.
func references(expr any) []string {
	m, _ := expr.(map[string]any)
	raw, _ := m["references"].([]any)
	var refs []string
	for _, r := range raw {
		refs = append(refs, r.(string))
	}
	var out []string
	for i, r := range refs {
		prefix := false
		for j, o := range refs {
			if i != j && (strings.HasPrefix(o, r+".") || strings.HasPrefix(o, r+"[")) {
				prefix = true
			}
		}
		if !prefix {
			out = append(out, r)
		}
	}
	return out
}

// boundList reads a planned list of strings, replacing each unknown
// element by the binding of a reference the configuration has there. The
// provider holds actions, resources and identifiers as sets (sorted, so
// not in the configuration's order): which unknown takes which binding
// does not matter, only that every unknown has one.
func boundList(after, unknown, expr any, bind map[string]string) ([]string, error) {
	vals, _ := after.([]any)
	unk, _ := unknown.([]any)
	if b, _ := unknown.(bool); b {
		return nil, fmt.Errorf("the whole list is unknown")
	}
	refs := references(expr)
	var out []string
	k := 0
	for i, v := range vals {
		if i < len(unk) && unk[i] == true {
			if k >= len(refs) {
				return nil, fmt.Errorf("element %d is unknown and the configuration names no value for it", i)
			}
			b, ok := bind[refs[k]]
			if !ok {
				return nil, fmt.Errorf("element %d is %s, which the fixture does not bind", i, refs[k])
			}
			out = append(out, b)
			k++
			continue
		}
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("element %d is %v", i, v)
		}
		out = append(out, s)
	}
	return out, nil
}

func index(v any, i int) any {
	l, _ := v.([]any)
	if i < len(l) {
		return l[i]
	}
	return nil
}

func field(v any, k string) any {
	m, _ := v.(map[string]any)
	return m[k]
}

// policyDocument reads a data.aws_iam_policy_document's statements from the
// plan, binding unknown resources and principals.
func (p *tfPlan) policyDocument(address string, bind map[string]string) ([]iamStatement, error) {
	var after, unknown map[string]any
	found := false
	for _, rc := range p.ResourceChanges {
		if rc.Address == address {
			after, unknown, found = rc.Change.After, rc.Change.AfterUnknown, true
		}
	}
	if !found {
		return nil, fmt.Errorf("the plan has no %s", address)
	}
	for _, k := range []string{"override_json", "source_json", "override_policy_documents", "source_policy_documents"} {
		if v := after[k]; v != nil {
			if l, ok := v.([]any); !ok || len(l) > 0 {
				return nil, fmt.Errorf("%s sets %s, which this check does not evaluate", address, k)
			}
		}
	}
	cfg := p.config(address)
	var doc []iamStatement
	stmts, _ := after["statement"].([]any)
	for i, s := range stmts {
		st := s.(map[string]any)
		ust := index(unknown["statement"], i)
		cst := index(cfg["statement"], i)
		where := fmt.Sprintf("%s statement %d", address, i)
		for _, k := range []string{"not_actions", "not_resources", "not_principals"} {
			if l, ok := st[k].([]any); ok && len(l) > 0 {
				return nil, fmt.Errorf("%s: %s is not evaluated here", where, k)
			}
		}
		out := iamStatement{Effect: "Allow"}
		if e, ok := st["effect"].(string); ok {
			out.Effect = e
		}
		var err error
		if out.Actions, err = boundList(st["actions"], field(ust, "actions"), field(cst, "actions"), nil); err != nil {
			return nil, fmt.Errorf("%s actions: %w", where, err)
		}
		if out.Resources, err = boundList(st["resources"], field(ust, "resources"), field(cst, "resources"), bind); err != nil {
			return nil, fmt.Errorf("%s resources: %w", where, err)
		}
		ps, _ := st["principals"].([]any)
		for j, pr := range ps {
			ids, err := boundList(field(pr, "identifiers"), field(index(field(ust, "principals"), j), "identifiers"),
				field(index(field(cst, "principals"), j), "identifiers"), bind)
			if err != nil {
				return nil, fmt.Errorf("%s principal %d: %w", where, j, err)
			}
			out.Principals = append(out.Principals, iamPrincipal{Type: field(pr, "type").(string), Identifiers: ids})
		}
		cs, _ := st["condition"].([]any)
		for j, c := range cs {
			uc := index(field(ust, "condition"), j)
			if field(uc, "variable") == true || field(uc, "test") == true {
				return nil, fmt.Errorf("%s condition %d: unknown at plan time", where, j)
			}
			vals, err := boundList(field(c, "values"), field(uc, "values"), nil, nil)
			if err != nil {
				return nil, fmt.Errorf("%s condition %d values: %w", where, j, err)
			}
			out.Conditions = append(out.Conditions, iamCondition{
				Test: field(c, "test").(string), Variable: field(c, "variable").(string), Values: vals,
			})
		}
		doc = append(doc, out)
	}
	return doc, nil
}

// docReference is the policy document an argument refers to, such as
// data.aws_iam_policy_document.external_secrets for ...external_secrets.json.
func docReference(expr any) string {
	for _, r := range references(expr) {
		if strings.HasPrefix(r, "data.aws_iam_policy_document.") && strings.HasSuffix(r, ".json") {
			return strings.TrimSuffix(r, ".json")
		}
	}
	return ""
}

// iamRoles builds every planned IAM role whose trust policy is a policy
// document, with the inline policies (aws_iam_role_policy) attached to it.
// A role whose documents cannot be read is left out, with the reason.
func (p *tfPlan) iamRoles(t *testing.T, account string, bind map[string]string) (map[string]*iamRole, []string) {
	t.Helper()
	roles := map[string]*iamRole{}
	byAddress := map[string]*iamRole{}
	var skipped []string
	for _, r := range p.Configuration.RootModule.Resources {
		if r.Type != "aws_iam_role" {
			continue
		}
		trustDoc := docReference(r.Expressions["assume_role_policy"])
		if trustDoc == "" {
			continue
		}
		var v map[string]any
		for _, pr := range p.PlannedValues.RootModule.Resources {
			if pr.Address == r.Address {
				v = pr.Values
			}
		}
		if v == nil {
			skipped = append(skipped, r.Address+": counted or not planned")
			continue
		}
		name, _ := v["name"].(string)
		path, _ := v["path"].(string)
		if name == "" {
			skipped = append(skipped, r.Address+": name unknown")
			continue
		}
		trust, err := p.policyDocument(trustDoc, bind)
		if err != nil {
			skipped = append(skipped, r.Address+": "+err.Error())
			continue
		}
		role := &iamRole{ARN: "arn:aws:iam::" + account + ":role" + path + name, Trust: trust}
		roles[role.ARN] = role
		byAddress[r.Address] = role
	}
	for _, r := range p.Configuration.RootModule.Resources {
		if r.Type != "aws_iam_role_policy" {
			continue
		}
		var role *iamRole
		for _, ref := range references(r.Expressions["role"]) {
			for addr, ro := range byAddress {
				if ref == addr+".id" || ref == addr+".name" {
					role = ro
				}
			}
		}
		doc := docReference(r.Expressions["policy"])
		if role == nil || doc == "" {
			continue
		}
		st, err := p.policyDocument(doc, bind)
		if err != nil {
			skipped = append(skipped, r.Address+": "+err.Error())
			continue
		}
		role.Policy = append(role.Policy, st...)
	}
	sort.Strings(skipped)
	return roles, skipped
}
