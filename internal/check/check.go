// Package check cross-checks what one environment asks of Kubernetes against
// what it asks of AWS, and its recovery targets against its settings: the
// things a careful reviewer would work out by hand. An error means the
// environment cannot work as described; a warning means it is risky.
package check

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/lexecon/lexgen/internal/model"
)

// Finding is one result; Path is the model field it is about.
type Finding struct {
	Path    string
	Message string
	Warning bool
	// Uses are the model fields the finding was worked out from (Path and
	// the others it read, each with everything under it), so that on an
	// environment the schema refused only the findings whose fields are
	// sound are reported (Sound).
	Uses []string
}

// Sound reports whether no field the finding used is broken: neither one of
// broken, nor above or below one of them (paths are dotted, from the
// environment's name).
func (f Finding) Sound(broken []string) bool {
	for _, u := range f.Uses {
		for _, b := range broken {
			if u == b || strings.HasPrefix(u, b+".") || strings.HasPrefix(b, u+".") {
				return false
			}
		}
	}
	return true
}

// adder adds a finding about path (under the environment).
type adder func(path string, warning bool, format string, args ...any)

// Environment runs every cross-check on e. e may be an environment the
// schema refused, decoded as far as it went: every finding says which
// fields it used, and only those whose fields are sound count (Sound).
func Environment(e *model.Environment) []Finding {
	var fs []Finding
	// on returns the adder of findings worked out from the fields uses
	// (under the environment) besides the one they are about.
	on := func(uses ...string) adder {
		return func(path string, warning bool, format string, args ...any) {
			u := []string{e.Name + "." + path}
			for _, p := range uses {
				u = append(u, e.Name+"."+p)
			}
			fs = append(fs, Finding{Path: e.Name + "." + path, Message: fmt.Sprintf(format, args...), Warning: warning, Uses: u})
		}
	}
	values(e, on)
	add := on("app.resources")
	req, lim := e.App.Resources.Requests, e.App.Resources.Limits
	reqCPU, reqMem := quantity(req.CPU), quantity(req.Memory)
	limCPU, limMem := quantity(lim.CPU), quantity(lim.Memory)
	if limCPU < reqCPU {
		add("app.resources.limits.cpu", false, "the CPU limit (%s) is below the request (%s); Kubernetes refuses such a pod", lim.CPU, req.CPU)
	}
	if limMem < reqMem {
		add("app.resources.limits.memory", false, "the memory limit (%s) is below the request (%s); Kubernetes refuses such a pod", lim.Memory, req.Memory)
	}

	capacity(e, on("cluster.nodes", "app.replicas", "app.resources.requests", "platform", "cluster.kubernetesVersion", "tier"))
	addonVersions(e, on("platform.addons.kubeProxy"))

	n := e.Cluster.Nodes
	add = on("cluster.nodes.capacityType", "cluster.nodes.spotInstanceTypes", "cluster.nodes.min")
	if n.CapacityType != "SPOT" && len(n.SpotInstanceTypes) > 0 {
		add("cluster.nodes.spotInstanceTypes", false, "spotInstanceTypes apply only to capacityType SPOT; remove them or set capacityType: \"SPOT\"")
	}
	if s := n.Schedule; s != nil {
		switch {
		case s.DownAt == s.UpAt:
			add("cluster.nodes.schedule", false, "downAt and upAt are both %s; the group would never stay scaled down", s.DownAt)
		case s.NightSize >= n.Min:
			add("cluster.nodes.schedule.nightSize", false, "nightSize (%d) is not below nodes.min (%d), so nothing scales down at night", s.NightSize, n.Min)
		}
	}
	if b := e.Database.BackupPlan; b != nil && b.ColdStorageAfterDays > 0 && b.DeleteAfterDays < b.ColdStorageAfterDays+90 {
		on("database.backupPlan.coldStorageAfterDays")("database.backupPlan.deleteAfterDays", false, "AWS Backup keeps a recovery point in cold storage at least 90 days: deleteAfterDays (%d) must be at least coldStorageAfterDays (%d) + 90", b.DeleteAfterDays, b.ColdStorageAfterDays)
	}
	if b := e.Database.BackupPlan; b != nil && b.CopyRegion != "" && b.CopyRegion == e.AWS.Region {
		on("aws.region")("database.backupPlan.copyRegion", false, "the backup copy must go to another region than the database's own (%s), or it survives nothing the vault does not", e.AWS.Region)
	}
	if d := e.Database; d.MaxAllocatedStorageGiB > 0 && d.MaxAllocatedStorageGiB <= d.AllocatedStorageGiB {
		on("database.allocatedStorageGiB")("database.maxAllocatedStorageGiB", false, "storage autoscaling needs a maximum (%d GiB) above the allocated storage (%d GiB)", d.MaxAllocatedStorageGiB, d.AllocatedStorageGiB)
	}
	if r := e.Database.BackupReplication; r != nil && r.Region == e.AWS.Region {
		on("aws.region")("database.backupReplication.region", false, "backups must be replicated to another region than the database's own (%s)", e.AWS.Region)
	}
	if e.App.Replicas.Min < 2 {
		on()("app.replicas.min", true, "with one replica, every node drain and every rollout failure takes the service down")
	}
	// RPO: automated backups are always on (retention is at least a day),
	// and point-in-time recovery restores to within about five minutes, the
	// least rpoMinutes the schema allows; so every RPO the schema accepts
	// can be met.
	//
	// RTO: a multi-AZ database fails over in one to two minutes; a
	// single-AZ one is restored from backup into a new instance, which takes
	// tens of minutes, and longer for a large database.
	add = on("database.multiAZ")
	if !e.Database.MultiAZ {
		switch rto := e.Recovery.RTOMinutes; {
		case rto < 15:
			add("recovery.rtoMinutes", false, "an RTO of %d minutes cannot be met by a single-AZ database: recovering it means a restore from backup, which takes 15 minutes at the very least; set database.multiAZ: true or a longer RTO", rto)
		case rto < 60:
			add("recovery.rtoMinutes", true, "a single-AZ database recovers by a restore from backup, which usually takes 30 to 60 minutes or more; an RTO of %d minutes may be missed (multi-AZ fails over in 1 to 2)", rto)
		}
	}
	// A production API open to the internet is refused by the schema
	// (policy.cue), not warned about here.
	return fs
}

// quantity reads a Kubernetes quantity the schema has already checked.
func quantity(s string) float64 {
	q, err := resource.ParseQuantity(s)
	if err != nil {
		return 0
	}
	return q.AsApproximateFloat64()
}
