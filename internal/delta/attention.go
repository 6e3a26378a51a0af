package delta

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/lexecon/lexgen/internal/model"
)

// Kind says why a change needs attention.
type Kind string

const (
	// Replaces: Terraform destroys a resource and creates a new one.
	Replaces Kind = "replaces"
	// Relaxes: a production policy or the tier is weakened, or access widened.
	Relaxes Kind = "relaxes"
	// Waits: RDS applies the change in the next maintenance window, not at apply.
	Waits Kind = "waits"
)

// Notice is one change a reviewer must not miss. Format is lexgen's own
// sentence, Markdown-safe, with one %s per value in Args; the writer puts
// each value in a code span, so no value is ever read as Markdown.
type Notice struct {
	Kind   Kind     `json:"kind"`
	Path   string   `json:"path"`   // the model field: database.username
	Format string   `json:"format"` // what happens, as a sentence
	Args   []string `json:"args"`   // the values in Format, in order
}

// rule turns one old/new pair of an environment into at most one notice.
type rule struct {
	kind Kind
	path string
	// check returns the sentence and its values, or ok false.
	check func(o, c *model.Environment) (format string, args []string, ok bool)
}

// replacing is a change of a field that forces a new aws_db_instance:
// username and db_name are ForceNew (terraform-provider-aws,
// internal/service/rds/instance.go; the provider's schema JSON does not
// carry ForceNew). e2e/replace_test.go plans every rule of this table with
// the real provider (6.34.0) against a state crafted from the base plan,
// and checks that review flags a change exactly when the plan replaces or
// destroys a resource.
//
// storageEncrypted has no rule: infrastructure/terraform/rds.tf sets
// storage_encrypted = true whatever the model says (and a policy refuses
// false), so no change of the field reaches a plan. The identifier is not
// ForceNew: a change of service renames the instance in place (see
// renamed).
func replacing(path string, get func(e *model.Environment) string, why string) rule {
	return rule{Replaces, path, func(o, c *model.Environment) (string, []string, bool) {
		if get(o) == get(c) {
			return "", nil, false
		}
		return "Terraform replaces the database %s: " + why + " changes from %s to %s, and a new instance starts empty (its final snapshot, if any, is the way back).",
			[]string{c.DBIdentifier(), get(o), get(c)}, true
	}}
}

// replacingNodes is a change of a field that forces a new
// aws_eks_node_group: subnet_ids, instance_types and capacity_type are
// ForceNew (terraform-provider-aws, internal/service/eks/node_group.go),
// as the plans in e2e/replace_test.go show. The node group has a fixed
// name, so Terraform deletes it before it creates the new one.
func replacingNodes(path string, get func(e *model.Environment) string, what string) rule {
	return rule{Replaces, path, func(o, c *model.Environment) (string, []string, bool) {
		if get(o) == get(c) || get(o) == "" || get(c) == "" {
			return "", nil, false
		}
		// The module names the group after a digest of what replaces it
		// and creates the new group first (eks.tf); EKS drains each old
		// node before it terminates it, forcing it after 5 minutes (EKS
		// user guide, "Delete a managed node group from your cluster").
		return "Terraform replaces the node group of %s: " + what + " changes from %s to %s; it creates the new group beside the old one, then deletes the old one, whose nodes EKS drains (through the PodDisruptionBudget, forced after 5 minutes a node), so the pods move to the new nodes; both groups run, and are billed, until then.",
			[]string{c.ClusterName(), get(o), get(c)}, true
	}}
}

// subnetIDs is a set of subnets as one comparable value: the node group
// takes them as a set, so their order changes nothing.
func subnetIDs(l []model.Subnet) string {
	ids := make([]string, 0, len(l))
	for _, s := range l {
		ids = append(ids, s.ID)
	}
	slices.Sort(ids)
	return strings.Join(ids, ", ")
}

// spotTypes is the instance types a spot node group may draw from, as one
// value; an on-demand group takes none, so a change of capacity type says
// it alone.
func spotTypes(e *model.Environment) string {
	if e.Cluster.Nodes.CapacityType != "SPOT" {
		return ""
	}
	return strings.Join(e.Cluster.Nodes.SpotInstanceTypes, ", ")
}

// rules is every kind of change review flags before anything else, in the
// order they are shown.
var rules = []rule{
	{Relaxes, "tier", func(o, c *model.Environment) (string, []string, bool) {
		switch {
		case o.Tier == c.Tier:
			return "", nil, false
		case o.IsProduction():
			return "The tier is lowered from %s to %s: the production policies (multi-AZ, 30 days of backups, deletion protection, 2+ replicas, 3+ nodes, approval and manual sync) no longer apply.",
				[]string{o.Tier, c.Tier}, true
		}
		return "The tier changes from %s to %s: the production policies now apply.", []string{o.Tier, c.Tier}, true
	}},
	replacing("database.username", func(e *model.Environment) string { return e.Database.Username }, "the master user name (username)"),
	replacing("database.databaseName", func(e *model.Environment) string { return e.Database.DatabaseName }, "the database name (db_name)"),
	{Replaces, "service", func(o, c *model.Environment) (string, []string, bool) {
		if o.Service == c.Service {
			return "", nil, false
		}
		// What the plan of e2e/replace_test.go replaces: everything named
		// after the service but the database and the KMS keys, which are
		// updated in place.
		return "Terraform replaces almost every resource of the environment: the service name changes from %s to %s, and it names the EKS cluster %s (replaced with its nodes and add-ons: every pod stops), the Secrets Manager secrets (new and empty: the API keys must be set again), the roles, security groups, log groups and KMS aliases. The database is renamed to %s in place and keeps its data.",
			[]string{o.Service, c.Service, c.ClusterName(), c.DBIdentifier()}, true
	}},
	replacingNodes("aws.nodeSubnets", func(e *model.Environment) string { return subnetIDs(e.AWS.NodeSubnets) }, "its subnets"),
	replacingNodes("cluster.nodes.instanceType", func(e *model.Environment) string { return e.Cluster.Nodes.InstanceType }, "the instance type"),
	replacingNodes("cluster.nodes.capacityType", func(e *model.Environment) string { return e.Cluster.Nodes.CapacityType }, "the capacity type"),
	replacingNodes("cluster.nodes.spotInstanceTypes", spotTypes, "the spot instance types"),
	{Replaces, "database.engineVersion", func(o, c *model.Environment) (string, []string, bool) {
		from, err1 := major(o.Database.EngineVersion)
		to, err2 := major(c.Database.EngineVersion)
		if err1 != nil || err2 != nil || to == from {
			return "", nil, false
		}
		// rds.tf names the parameter group after the major version and its
		// family is ForceNew; create_before_destroy makes the new one first.
		return "Terraform replaces the parameter group of %s with one for PostgreSQL %s (the new one first) and asks RDS to move the instance from PostgreSQL %s to %s in place; the database is unavailable while RDS does it.",
			[]string{c.DBIdentifier(), c.Database.EngineVersion, o.Database.EngineVersion, c.Database.EngineVersion}, true
	}},
	{Relaxes, "database.engineVersion", func(o, c *model.Environment) (string, []string, bool) {
		from, err1 := major(o.Database.EngineVersion)
		to, err2 := major(c.Database.EngineVersion)
		if err1 != nil || err2 != nil || to >= from {
			return "", nil, false
		}
		return "PostgreSQL is downgraded from %s to %s: RDS cannot downgrade an instance in place; the apply fails, or the data must be dumped and restored into a new instance.",
			[]string{o.Database.EngineVersion, c.Database.EngineVersion}, true
	}},
	{Relaxes, "database.multiAZ", func(o, c *model.Environment) (string, []string, bool) {
		if !o.Database.MultiAZ || c.Database.MultiAZ {
			return "", nil, false
		}
		return "Multi-AZ is turned off for %s: losing its zone means a restore from backup (30 to 60 minutes or more) instead of a 1 to 2 minute failover.",
			[]string{c.DBIdentifier()}, true
	}},
	{Relaxes, "database.backupRetentionDays", func(o, c *model.Environment) (string, []string, bool) {
		if c.Database.BackupRetentionDays >= o.Database.BackupRetentionDays {
			return "", nil, false
		}
		return "Backup retention is lowered from %s to %s days: older backups are deleted and point-in-time recovery reaches back less far.",
			[]string{strconv.Itoa(o.Database.BackupRetentionDays), strconv.Itoa(c.Database.BackupRetentionDays)}, true
	}},
	{Relaxes, "database.deletionProtection", func(o, c *model.Environment) (string, []string, bool) {
		if !o.Database.DeletionProtection || c.Database.DeletionProtection {
			return "", nil, false
		}
		return "Deletion protection is turned off for %s: a destroy or a replacement now deletes it.", []string{c.DBIdentifier()}, true
	}},
	{Relaxes, "database.finalSnapshot", func(o, c *model.Environment) (string, []string, bool) {
		if !o.Database.FinalSnapshot || c.Database.FinalSnapshot {
			return "", nil, false
		}
		return "The final snapshot is turned off for %s: a destroy or a replacement keeps no copy of the data.", []string{c.DBIdentifier()}, true
	}},
	{Relaxes, "delivery.autoSync", func(o, c *model.Environment) (string, []string, bool) {
		// production now or before: lowering the tier turns auto-sync on by default
		if !c.Delivery.AutoSync || o.Delivery.AutoSync || !c.IsProduction() && !o.IsProduction() {
			return "", nil, false
		}
		return "Auto-sync is turned on for %s: Argo CD applies every merge to %s without a person approving it.", []string{c.Name, c.Delivery.Revision}, true
	}},
	{Relaxes, "delivery.requireApproval", func(o, c *model.Environment) (string, []string, bool) {
		if c.Delivery.RequireApproval || !o.Delivery.RequireApproval || !c.IsProduction() && !o.IsProduction() {
			return "", nil, false
		}
		return "Approval is turned off for %s: the Terraform and deploy scripts no longer ask a person before applying.", []string{c.Name}, true
	}},
	{Relaxes, "cluster.publicAccessCidrs", func(o, c *model.Environment) (string, []string, bool) {
		wider := widened(o.Cluster, c.Cluster)
		if len(wider) == 0 {
			return "", nil, false
		}
		return "The EKS API of %s becomes reachable from more addresses: %s.", []string{c.ClusterName(), strings.Join(wider, ", ")}, true
	}},
	{Relaxes, "cluster.admins", func(o, c *model.Environment) (string, []string, bool) {
		var added []string
		for _, a := range c.Cluster.Admins {
			if !slices.Contains(o.Cluster.Admins, a) {
				added = append(added, a)
			}
		}
		if len(added) == 0 {
			return "", nil, false
		}
		return "Cluster admin access to %s is granted to %s.", []string{c.ClusterName(), strings.Join(added, ", ")}, true
	}},
	{Waits, "database.instanceClass", func(o, c *model.Environment) (string, []string, bool) {
		if o.Database.InstanceClass == c.Database.InstanceClass {
			return "", nil, false
		}
		// infrastructure/terraform/rds.tf leaves apply_immediately at its
		// default, false: RDS applies the change in the maintenance window.
		return "The instance class changes from %s to %s in the next maintenance window (%s UTC), not at apply; the database restarts then.",
			[]string{o.Database.InstanceClass, c.Database.InstanceClass, c.Database.MaintenanceWindow}, true
	}},
}

// Attention lists the changes from o to c that a reviewer must not miss,
// in the order of rules.
func Attention(o, c *model.Environment) []Notice {
	var out []Notice
	for _, r := range rules {
		if format, args, ok := r.check(o, c); ok {
			out = append(out, Notice{Kind: r.kind, Path: r.path, Format: format, Args: args})
		}
	}
	return out
}

// major is the major version of a PostgreSQL version: 16 of "16" or "16.4".
func major(v string) (int, error) {
	m, _, _ := strings.Cut(v, ".")
	return strconv.Atoi(m)
}

// widened lists the public API CIDRs of c that no CIDR of o contains; all
// of them when o's endpoint was not public.
func widened(o, c model.Cluster) []string {
	if !c.EndpointPublicAccess {
		return nil
	}
	var old []netip.Prefix
	if o.EndpointPublicAccess {
		for _, s := range o.PublicAccessCIDRs {
			if p, err := netip.ParsePrefix(s); err == nil {
				old = append(old, p.Masked())
			}
		}
	}
	var out []string
	for _, s := range c.PublicAccessCIDRs {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			out = append(out, s)
			continue
		}
		covered := false
		for _, q := range old {
			if q.Bits() <= p.Bits() && q.Contains(p.Addr()) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, s)
		}
	}
	return out
}
