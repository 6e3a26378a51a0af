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

// replacing is a change of a field that forces a new aws_db_instance. The
// ForceNew fields are read from terraform-provider-aws,
// internal/service/rds/instance.go (username, db_name, kms_key_id,
// storage_encrypted, identifier, snapshot_identifier); the provider's
// schema JSON does not carry ForceNew. The KMS key and the identifier are
// named after the service and environment, so a change of service replaces
// the key and the instance.
func replacing(path string, get func(e *model.Environment) string, why string) rule {
	return rule{Replaces, path, func(o, c *model.Environment) (string, []string, bool) {
		if get(o) == get(c) {
			return "", nil, false
		}
		return "Terraform replaces the database %s: " + why + " changes from %s to %s, and a new instance starts empty (its final snapshot, if any, is the way back).",
			[]string{c.DBIdentifier(), get(o), get(c)}, true
	}}
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
	replacing("database.storageEncrypted", func(e *model.Environment) string { return strconv.FormatBool(e.Database.StorageEncrypted) }, "encryption at rest (storage_encrypted)"),
	replacing("service", func(e *model.Environment) string { return e.Service }, "the service name, which names the instance, its KMS key and subnet group,"),
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
