//go:build e2e

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/lexecon/lexgen/internal/delta"
	"github.com/lexecon/lexgen/internal/load"
	"github.com/lexecon/lexgen/internal/model"
	lexrender "github.com/lexecon/lexgen/internal/render"
)

// Review's "Needs attention" says which model changes make Terraform replace
// a resource. The provider's schema JSON does not carry ForceNew, so that
// table was read from the provider's source; this file checks it against
// what the real provider plans. There is no AWS account to apply a base
// to: the base state is crafted from the base plan's own planned values
// (what an apply would have stored, with typed placeholders for what only
// AWS knows), and each head is planned against it with -refresh=false, so
// the provider compares configuration with that state and calls no API.

// resourceChange is one entry of `terraform show -json`'s resource_changes.
type resourceChange struct {
	Address string `json:"address"`
	Mode    string `json:"mode"`
	Type    string `json:"type"`
	Name    string `json:"name"`
	Index   any    `json:"index"`
	Change  struct {
		Actions      []string       `json:"actions"`
		Before       map[string]any `json:"before"`
		After        map[string]any `json:"after"`
		AfterUnknown map[string]any `json:"after_unknown"`
	} `json:"change"`
}

type planDoc struct {
	ResourceChanges []resourceChange `json:"resource_changes"`
	Configuration   struct {
		RootModule struct {
			Resources []struct {
				Address           string `json:"address"`
				ProviderConfigKey string `json:"provider_config_key"`
			} `json:"resources"`
		} `json:"root_module"`
	} `json:"configuration"`
}

// schemaBlock is a block of `terraform providers schema -json`.
type schemaBlock struct {
	Attributes map[string]struct {
		Type json.RawMessage `json:"type"`
	} `json:"attributes"`
	BlockTypes map[string]struct {
		NestingMode string      `json:"nesting_mode"`
		Block       schemaBlock `json:"block"`
	} `json:"block_types"`
}

type resourceSchema struct {
	Version int         `json:"version"`
	Block   schemaBlock `json:"block"`
}

// offlineModule is a copy of the module, initialised once against the
// provider mirror, with the offline provider settings of provider_test.go.
type offlineModule struct {
	dir     string
	env     []string
	tf      string
	schemas map[string]resourceSchema
}

func newOfflineModule(t *testing.T) *offlineModule {
	t.Helper()
	m := &offlineModule{dir: module(t), tf: need(t, "terraform", installTerraform)}
	m.env = append(tfEnv(t, providerRC(t)), "AWS_EC2_METADATA_DISABLED=true")
	if err := os.WriteFile(filepath.Join(m.dir, "offline_override.tf"), []byte(offlineOverride), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, err := run(t, m.dir, m.env, m.tf, "init", "-input=false"); err != nil {
		t.Fatalf("terraform init: %v\n%s%s", err, out, errOut)
	}
	out, errOut, err := run(t, m.dir, m.env, m.tf, "providers", "schema", "-json")
	if err != nil {
		t.Fatalf("terraform providers schema: %v\n%s", err, errOut)
	}
	var doc struct {
		ProviderSchemas map[string]struct {
			ResourceSchemas map[string]resourceSchema `json:"resource_schemas"`
		} `json:"provider_schemas"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	m.schemas = doc.ProviderSchemas["registry.terraform.io/hashicorp/aws"].ResourceSchemas
	if len(m.schemas) == 0 {
		t.Fatal("terraform providers schema: no resource schemas for hashicorp/aws")
	}
	return m
}

// plan plans tfvars against a state (nil: none) without refreshing, and
// returns the plan as `terraform show -json`. The state is the local
// backend's terraform.tfstate in the module's folder; plan never writes it.
func (m *offlineModule) plan(t *testing.T, tfvars string, s *state) planDoc {
	t.Helper()
	statePath := filepath.Join(m.dir, "terraform.tfstate")
	if err := os.Remove(statePath); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if s != nil {
		data, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(statePath, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(t.TempDir(), "plan.bin")
	out, errOut, err := run(t, m.dir, m.env, m.tf, "plan", "-no-color", "-input=false", "-lock=false", "-refresh=false", "-out="+bin, "-var-file="+tfvars)
	if err != nil {
		t.Fatalf("terraform plan: %v\n%s%s", err, out, errOut)
	}
	if strings.Contains(out+errOut, "Warning:") {
		t.Errorf("terraform plan warns:\n%s%s", out, errOut)
	}
	out, errOut, err = run(t, m.dir, m.env, m.tf, "show", "-json", bin)
	if err != nil {
		t.Fatalf("terraform show: %v\n%s", err, errOut)
	}
	var p planDoc
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// stateInstance and stateResource are Terraform's state format version 4.
type stateInstance struct {
	IndexKey            any            `json:"index_key,omitempty"`
	SchemaVersion       int            `json:"schema_version"`
	Attributes          map[string]any `json:"attributes"`
	SensitiveAttributes []any          `json:"sensitive_attributes"`
}

type stateResource struct {
	Mode      string          `json:"mode"`
	Type      string          `json:"type"`
	Name      string          `json:"name"`
	Provider  string          `json:"provider"`
	Instances []stateInstance `json:"instances"`
}

type state struct {
	Version          int             `json:"version"`
	TerraformVersion string          `json:"terraform_version"`
	Serial           int             `json:"serial"`
	Lineage          string          `json:"lineage"`
	Outputs          map[string]any  `json:"outputs"`
	Resources        []stateResource `json:"resources"`
}

// stateFrom turns a plan from an empty state into the state an apply
// would leave, as far as the plan knows it: every managed resource with
// its planned values, and where a value is known only after apply (ids,
// ARNs, the OIDC issuer), a placeholder of its type. prev, when not nil,
// is the previous attempt: its values stand in for what is still unknown.
func (m *offlineModule) stateFrom(t *testing.T, p planDoc, prev map[string]map[string]any) (state, map[string]map[string]any) {
	t.Helper()
	providers := map[string]string{}
	for _, r := range p.Configuration.RootModule.Resources {
		providers[r.Address] = r.ProviderConfigKey
	}
	byResource := map[string]*stateResource{}
	var order []string
	values := map[string]map[string]any{}
	for _, rc := range p.ResourceChanges {
		if rc.Mode != "managed" || slices.Contains(rc.Change.Actions, "delete") && !slices.Contains(rc.Change.Actions, "create") {
			continue
		}
		sch, ok := m.schemas[rc.Type]
		if !ok {
			t.Fatalf("no schema for %s", rc.Type)
		}
		var attrs map[string]any
		if old, ok := prev[rc.Address]; ok {
			attrs = mergeKnown(rc.Change.After, rc.Change.AfterUnknown, old).(map[string]any)
		} else {
			attrs = fillBlock(rc.Change.After, rc.Change.AfterUnknown, sch.Block, rc.Type, rc.Address)
		}
		values[rc.Address] = attrs
		key := rc.Type + "." + rc.Name
		r, ok := byResource[key]
		if !ok {
			provider := `provider["registry.terraform.io/hashicorp/aws"]`
			if alias, ok := strings.CutPrefix(providers[key], "aws."); ok {
				provider += "." + alias
			}
			r = &stateResource{Mode: "managed", Type: rc.Type, Name: rc.Name, Provider: provider}
			byResource[key] = r
			order = append(order, key)
		}
		r.Instances = append(r.Instances, stateInstance{IndexKey: rc.Index, SchemaVersion: sch.Version, Attributes: attrs, SensitiveAttributes: []any{}})
	}
	s := state{Version: 4, TerraformVersion: "1.11.0", Serial: 1, Lineage: "00000000-0000-4000-8000-000000000000", Outputs: map[string]any{}}
	sort.Strings(order)
	for _, k := range order {
		s.Resources = append(s.Resources, *byResource[k])
	}
	return s, values
}

// mergeKnown takes the known parts of after and, where after is unknown,
// the value old had.
func mergeKnown(after, unknown, old any) any {
	if u, ok := unknown.(bool); ok && u {
		return old
	}
	switch a := after.(type) {
	case map[string]any:
		um, _ := unknown.(map[string]any)
		om, _ := old.(map[string]any)
		out := map[string]any{}
		for k, v := range a {
			out[k] = mergeKnown(v, um[k], om[k])
		}
		for k, u := range um {
			if _, ok := a[k]; !ok && u == true {
				out[k] = om[k]
			}
		}
		return out
	case []any:
		ul, _ := unknown.([]any)
		ol, _ := old.([]any)
		out := make([]any, len(a))
		for i, v := range a {
			var ui, oi any
			if i < len(ul) {
				ui = ul[i]
			}
			if i < len(ol) {
				oi = ol[i]
			}
			out[i] = mergeKnown(v, ui, oi)
		}
		return out
	}
	return after
}

// fillBlock is after with each unknown attribute of the block replaced by a
// placeholder of its schema type.
func fillBlock(after map[string]any, unknown map[string]any, b schemaBlock, typ, addr string) map[string]any {
	out := map[string]any{}
	for k, v := range after {
		out[k] = v
	}
	for name, a := range b.Attributes {
		u := unknown[name]
		if u == true {
			out[name] = placeholder(a.Type, name, typ, addr+"."+name)
			continue
		}
		if u != nil {
			out[name] = fillTyped(out[name], u, a.Type, name, typ, addr+"."+name)
		}
	}
	for name, bt := range b.BlockTypes {
		u := unknown[name]
		switch bt.NestingMode {
		case "list", "set":
			items, _ := out[name].([]any)
			ul, _ := u.([]any)
			filled := make([]any, len(items))
			for i, it := range items {
				im, _ := it.(map[string]any)
				var ui map[string]any
				if i < len(ul) {
					ui, _ = ul[i].(map[string]any)
				}
				filled[i] = fillBlock(im, ui, bt.Block, typ, fmt.Sprintf("%s.%s.%d", addr, name, i))
			}
			if items != nil {
				out[name] = filled
			}
		case "single", "group":
			if im, ok := out[name].(map[string]any); ok {
				um, _ := u.(map[string]any)
				out[name] = fillBlock(im, um, bt.Block, typ, addr+"."+name)
			}
		}
	}
	return out
}

// fillTyped fills the unknown parts of a value of a cty type.
func fillTyped(v, unknown any, ty json.RawMessage, name, typ, path string) any {
	if unknown == true {
		return placeholder(ty, name, typ, path)
	}
	var kind string
	var parts []json.RawMessage
	if json.Unmarshal(ty, &parts) != nil || len(parts) != 2 || json.Unmarshal(parts[0], &kind) != nil {
		return v
	}
	switch kind {
	case "list", "set":
		l, _ := v.([]any)
		ul, _ := unknown.([]any)
		out := make([]any, len(l))
		for i := range l {
			var ui any
			if i < len(ul) {
				ui = ul[i]
			}
			out[i] = fillTyped(l[i], ui, parts[1], name, typ, fmt.Sprintf("%s.%d", path, i))
		}
		return out
	case "map":
		mv, _ := v.(map[string]any)
		um, _ := unknown.(map[string]any)
		out := map[string]any{}
		for k, x := range mv {
			out[k] = fillTyped(x, um[k], parts[1], name, typ, path+"."+k)
		}
		return out
	case "object":
		var attrs map[string]json.RawMessage
		if json.Unmarshal(parts[1], &attrs) != nil {
			return v
		}
		mv, _ := v.(map[string]any)
		um, _ := unknown.(map[string]any)
		out := map[string]any{}
		for k, x := range mv {
			out[k] = x
		}
		for k, at := range attrs {
			out[k] = fillTyped(out[k], um[k], at, k, typ, path+"."+k)
		}
		return out
	}
	return v
}

// placeholder is a value of cty type ty that stands for what AWS would
// return: ARNs and ids in the shape the provider validates, derived from
// the path so that they differ between resources.
func placeholder(ty json.RawMessage, name, typ, path string) any {
	var prim string
	if json.Unmarshal(ty, &prim) == nil {
		switch prim {
		case "number":
			return 0
		case "bool":
			return false
		}
		sum := sha256.Sum256([]byte(path))
		h := hex.EncodeToString(sum[:])
		service, _, _ := strings.Cut(strings.TrimPrefix(typ, "aws_"), "_")
		switch {
		case name == "arn" || strings.HasSuffix(name, "_arn"):
			return fmt.Sprintf("arn:aws:%s:us-east-1:123456789012:%s/%s", service, typ, h[:16])
		case name == "issuer":
			return "https://oidc.eks.us-east-1.amazonaws.com/id/" + strings.ToUpper(h[:32])
		case strings.HasSuffix(name, "security_group_id") || typ == "aws_security_group" && name == "id":
			return "sg-" + h[:17]
		case name == "id" && idPrefix[typ] != "":
			return idPrefix[typ] + h[:17]
		case name == "key_id" || typ == "aws_kms_key" && name == "id":
			return fmt.Sprintf("%s-%s-4%s-8%s-%s", h[:8], h[8:12], h[13:16], h[17:20], h[20:32])
		}
		return "placeholder-" + h[:16]
	}
	var parts []json.RawMessage
	var kind string
	if json.Unmarshal(ty, &parts) != nil || len(parts) != 2 || json.Unmarshal(parts[0], &kind) != nil {
		return nil
	}
	switch kind {
	case "list", "set":
		// a computed list of objects (an EKS cluster's identity) gets one
		// element, so that references to [0] resolve; others stay empty.
		var inner []json.RawMessage
		if json.Unmarshal(parts[1], &inner) == nil && len(inner) == 2 {
			var ik string
			if json.Unmarshal(inner[0], &ik) == nil && ik == "object" {
				return []any{placeholder(parts[1], name, typ, path+".0")}
			}
		}
		return []any{}
	case "map":
		return map[string]any{}
	case "object":
		var attrs map[string]json.RawMessage
		if json.Unmarshal(parts[1], &attrs) != nil {
			return nil
		}
		out := map[string]any{}
		for k, at := range attrs {
			out[k] = placeholder(at, k, typ, path+"."+k)
		}
		return out
	}
	return nil
}

// idPrefix is the shape of the ids the provider validates where another
// resource refers to them (aws_eks_node_group checks "lt-").
var idPrefix = map[string]string{
	"aws_launch_template":                 "lt-",
	"aws_vpc_security_group_ingress_rule": "sgr-",
	"aws_vpc_security_group_egress_rule":  "sgr-",
}

// changed sorts a plan's resource changes: replaced (delete and create,
// either order), destroyed (delete only), updated in place.
type changed struct{ replaced, destroyed, updated, created []string }

func changesOf(p planDoc) changed {
	var c changed
	for _, rc := range p.ResourceChanges {
		if rc.Mode != "managed" {
			continue
		}
		a := rc.Change.Actions
		switch {
		case slices.Contains(a, "delete") && slices.Contains(a, "create"):
			c.replaced = append(c.replaced, rc.Address)
		case slices.Contains(a, "delete"):
			c.destroyed = append(c.destroyed, rc.Address)
		case slices.Contains(a, "update"):
			c.updated = append(c.updated, rc.Address)
		case slices.Contains(a, "create"):
			c.created = append(c.created, rc.Address)
		}
	}
	for _, l := range [][]string{c.replaced, c.destroyed, c.updated, c.created} {
		sort.Strings(l)
	}
	return c
}

// baseState crafts the state of base's tfvars and plans base against it
// until nothing is replaced, destroyed or created and the updates left
// stay the same from one round to the next: each round takes, for what a
// placeholder got wrong (a reference to another resource's ARN), the value
// the plan now knows. A state that still plans a replacement of the base
// itself would make every case wrong: that fails the test.
func baseState(t *testing.T, m *offlineModule, tfvars string) state {
	t.Helper()
	p := m.plan(t, tfvars, nil)
	s, values := m.stateFrom(t, p, nil)
	var last []string
	for round := 1; ; round++ {
		p = m.plan(t, tfvars, &s)
		c := changesOf(p)
		t.Logf("the base against its crafted state, round %d: replaced %v, destroyed %v, created %v, updated %v", round, c.replaced, c.destroyed, c.created, c.updated)
		if len(c.replaced)+len(c.destroyed)+len(c.created) == 0 && slices.Equal(c.updated, last) {
			return s
		}
		if round == 6 {
			t.Fatalf("the crafted base state does not settle: the base still plans replaced %v, destroyed %v, created %v, updated %v", c.replaced, c.destroyed, c.created, c.updated)
		}
		last = c.updated
		s, values = m.stateFrom(t, p, values)
	}
}

// stagingModel loads staging from envs/.
func stagingModel(t *testing.T) *model.Environment {
	t.Helper()
	repo, err := load.Open(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	envs, ds := repo.Load([]string{"staging"})
	if len(ds) > 0 {
		t.Fatal(ds)
	}
	return envs[0]
}

func writeTfvars(t *testing.T, e *model.Environment) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), e.Name+".tfvars")
	if err := os.WriteFile(p, lexrender.Tfvars(e), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func cloneModel(t *testing.T, e *model.Environment) *model.Environment {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	c := &model.Environment{}
	if err := json.Unmarshal(b, c); err != nil {
		t.Fatal(err)
	}
	c.Source, c.Prices = e.Source, e.Prices
	return c
}

// replaceCases are single-field changes of staging, each with what the
// real provider plans to replace or destroy (pinned: a provider upgrade or
// a module change that moves it shows here first).
var replaceCases = []struct {
	name   string
	change func(e *model.Environment)
	want   []string
}{
	// ForceNew on aws_db_instance: a new, empty database.
	{"database.username", func(e *model.Environment) { e.Database.Username = "app" }, []string{"aws_db_instance.this", "aws_secretsmanager_secret_version.database"}},
	{"database.databaseName", func(e *model.Environment) { e.Database.DatabaseName = "app" }, []string{"aws_db_instance.this", "aws_secretsmanager_secret_version.database"}},
	// Everything named after the service, but not the database (renamed in
	// place) nor the KMS keys (their description changes in place).
	{"service", func(e *model.Environment) { e.Service = "lexicon" }, []string{
		`aws_cloudwatch_log_group.cluster`, `aws_cloudwatch_log_group.database["postgresql"]`, `aws_cloudwatch_log_group.database["upgrade"]`,
		`aws_db_parameter_group.this`, `aws_db_subnet_group.this`,
		`aws_eks_addon.this["coredns"]`, `aws_eks_addon.this["eks-pod-identity-agent"]`, `aws_eks_addon.this["kube-proxy"]`, `aws_eks_addon.this["metrics-server"]`, `aws_eks_addon.this["vpc-cni"]`,
		`aws_eks_cluster.this`, `aws_eks_node_group.this`, `aws_iam_openid_connect_provider.cluster`,
		`aws_iam_role.cluster`, `aws_iam_role.cluster_autoscaler`, `aws_iam_role.external_secrets`, `aws_iam_role.nodes`, `aws_iam_role.rds_monitoring[0]`,
		`aws_iam_role_policy.cluster_autoscaler`, `aws_iam_role_policy.external_secrets`, `aws_iam_role_policy_attachment.cluster`,
		`aws_iam_role_policy_attachment.nodes["AmazonEC2ContainerRegistryReadOnly"]`, `aws_iam_role_policy_attachment.nodes["AmazonEKSWorkerNodePolicy"]`, `aws_iam_role_policy_attachment.nodes["AmazonEKS_CNI_Policy"]`,
		`aws_iam_role_policy_attachment.rds_monitoring[0]`, `aws_kms_alias.database`, `aws_kms_alias.logs`, `aws_kms_alias.secrets`, `aws_launch_template.nodes`,
		`aws_secretsmanager_secret.app`, `aws_secretsmanager_secret.database`, `aws_secretsmanager_secret_version.database`,
		`aws_security_group.database`, `aws_vpc_security_group_ingress_rule.database_from_nodes`,
	}},
	// rds.tf encrypts whatever the model says: nothing to replace.
	{"database.storageEncrypted", func(e *model.Environment) { e.Database.StorageEncrypted = false }, nil},
	// ForceNew on aws_eks_node_group.
	{"aws.nodeSubnets", func(e *model.Environment) { e.AWS.NodeSubnets[1].ID = "subnet-0a1b2c3d4e5f60713" }, []string{"aws_eks_node_group.this"}},
	{"cluster.nodes.instanceType", func(e *model.Environment) { e.Cluster.Nodes.InstanceType = "t3.large" }, []string{"aws_eks_node_group.this"}},
	{"cluster.nodes.capacityType", func(e *model.Environment) { e.Cluster.Nodes.CapacityType = "SPOT" }, []string{"aws_eks_node_group.this"}},
	// The parameter group is named after the major version (create before
	// destroy); the instance moves in place.
	{"database.engineVersion", func(e *model.Environment) { e.Database.EngineVersion = "16" }, []string{"aws_db_parameter_group.this"}},
	// The subnet group changes in place; the database stays.
	{"aws.databaseSubnets", func(e *model.Environment) { e.AWS.DatabaseSubnets[1].ID = "subnet-0a1b2c3d4e5f60723" }, nil},
	// Controls: in place, or nothing for Terraform at all.
	{"database.port", func(e *model.Environment) { e.Database.Port = 5433 }, []string{"aws_secretsmanager_secret_version.database"}},
	{"cluster.kubernetesVersion", func(e *model.Environment) { e.Cluster.KubernetesVersion = "1.35" }, nil},
	{"database.instanceClass", func(e *model.Environment) { e.Database.InstanceClass = "db.t3.small" }, nil},
	{"database.backupRetentionDays", func(e *model.Environment) { e.Database.BackupRetentionDays = 14 }, nil},
	{"database.allocatedStorageGiB", func(e *model.Environment) { e.Database.AllocatedStorageGiB += 10 }, nil},
	{"cluster.nodes.desired", func(e *model.Environment) {
		n := e.Cluster.Nodes.Desired + 1
		e.Cluster.Nodes.Desired, e.Cluster.Nodes.Min, e.Cluster.Nodes.Max = n, n, n
	}, nil},
	{"cluster.nodes.diskSizeGiB", func(e *model.Environment) { e.Cluster.Nodes.DiskSizeGiB = 40 }, nil},
	{"app.logLevel", func(e *model.Environment) { e.App.LogLevel = "warning" }, nil},
	{"app.image.tag", func(e *model.Environment) { e.App.Image.Tag = "0.9.1" }, nil},
}

// incidental are replacements review leaves out on purpose: a change of
// the connection details (host, port, name, user) writes them as a new
// version of the same secret; the secret, and its previous version, stay,
// and External Secrets reads the new one at its next refresh.
var incidental = []string{"aws_secretsmanager_secret_version.database"}

// planned is what the provider planned for one case.
type planned struct {
	name     string
	base     *model.Environment
	head     *model.Environment
	replaced []string // replaced or destroyed, incidental ones left out
}

// disagreements compares review's "replaces" notices (from flagged) with
// the plans: a replacement review does not flag, or a flag without one.
func disagreements(cases []planned, flagged func(o, c *model.Environment) []string) []string {
	var out []string
	for _, p := range cases {
		f := flagged(p.base, p.head)
		if len(p.replaced) > 0 && len(f) == 0 {
			out = append(out, fmt.Sprintf("%s: Terraform replaces %v, and review does not say so", p.name, p.replaced))
		}
		if len(p.replaced) == 0 && len(f) > 0 {
			out = append(out, fmt.Sprintf("%s: review says %v replaces a resource; the plan replaces nothing", p.name, f))
		}
	}
	return out
}

// replacesFlagged lists the paths of review's "replaces" notices.
func replacesFlagged(o, c *model.Environment) []string {
	var out []string
	for _, n := range delta.Attention(o, c) {
		if n.Kind == delta.Replaces {
			out = append(out, n.Path)
		}
	}
	return out
}

// TestReplacementsAgreeWithPlans plans each single-field change of
// staging against staging's crafted state and checks that review's
// "Needs attention" says "replaces" exactly when Terraform replaces or
// destroys a resource.
func TestReplacementsAgreeWithPlans(t *testing.T) {
	m := newOfflineModule(t)
	base := stagingModel(t)
	s := baseState(t, m, writeTfvars(t, base))

	var results []planned
	for _, tc := range replaceCases {
		head := cloneModel(t, base)
		tc.change(head)
		p := m.plan(t, writeTfvars(t, head), &s)
		c := changesOf(p)
		got := append(append([]string{}, c.replaced...), c.destroyed...)
		sort.Strings(got)
		t.Logf("%s: replaced %v, destroyed %v, updated %v, created %v; review flags %v", tc.name, c.replaced, c.destroyed, c.updated, c.created, replacesFlagged(base, head))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: the provider plans to replace or destroy %v, the table says %v", tc.name, got, tc.want)
		}
		for _, rc := range p.ResourceChanges {
			// The node group's name follows what replaces it: the new
			// group is made before the old is deleted, as review says.
			if rc.Address == "aws_eks_node_group.this" && slices.Contains(c.replaced, rc.Address) && !slices.Equal(rc.Change.Actions, []string{"create", "delete"}) {
				t.Errorf("%s: the node group is replaced with actions %v, review says create then delete", tc.name, rc.Change.Actions)
			}
		}
		results = append(results, planned{tc.name, base, head, slices.DeleteFunc(got, func(a string) bool { return slices.Contains(incidental, a) })})
	}
	for _, d := range disagreements(results, replacesFlagged) {
		t.Error(d)
	}

	// The check fails when any one "replaces" rule is taken out of review's
	// table: each is needed, and the plans show why.
	t.Run("CanFail", func(t *testing.T) {
		rules := map[string]bool{}
		for _, p := range results {
			for _, path := range replacesFlagged(p.base, p.head) {
				rules[path] = true
			}
		}
		if len(rules) < 6 {
			t.Fatalf("the cases flag only %v", rules)
		}
		for path := range rules {
			without := func(o, c *model.Environment) []string {
				return slices.DeleteFunc(replacesFlagged(o, c), func(p string) bool { return p == path })
			}
			if len(disagreements(results, without)) == 0 {
				t.Errorf("taking the rule for %s out of review's table goes unnoticed", path)
			}
		}
		// and a rule that flags what replaces nothing
		extra := func(o, c *model.Environment) []string {
			f := replacesFlagged(o, c)
			if o.App.LogLevel != c.App.LogLevel {
				f = append(f, "app.logLevel")
			}
			return f
		}
		if len(disagreements(results, extra)) == 0 {
			t.Error("a rule that flags a log level change as a replacement goes unnoticed")
		}
	})
}
