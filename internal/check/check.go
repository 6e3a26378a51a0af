// Package check cross-checks what one environment asks of Kubernetes against
// what it asks of AWS, and its recovery targets against its settings: the
// things a careful reviewer would work out by hand. An error means the
// environment cannot work as described; a warning means it is risky.
package check

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/lexecon/lexgen/internal/model"
)

// Finding is one result; Path is the model field it is about.
type Finding struct {
	Path    string
	Message string
	Warning bool
}

// Environment runs every cross-check on e.
func Environment(e *model.Environment) []Finding {
	var fs []Finding
	add := func(path string, warning bool, format string, args ...any) {
		fs = append(fs, Finding{Path: e.Name + "." + path, Message: fmt.Sprintf(format, args...), Warning: warning})
	}
	values(e, add)
	req, lim := e.App.Resources.Requests, e.App.Resources.Limits
	reqCPU, reqMem := quantity(req.CPU), quantity(req.Memory)
	limCPU, limMem := quantity(lim.CPU), quantity(lim.Memory)
	if limCPU < reqCPU {
		add("app.resources.limits.cpu", false, "the CPU limit (%s) is below the request (%s); Kubernetes refuses such a pod", lim.CPU, req.CPU)
	}
	if limMem < reqMem {
		add("app.resources.limits.memory", false, "the memory limit (%s) is below the request (%s); Kubernetes refuses such a pod", lim.Memory, req.Memory)
	}

	capacity(e, add)
	addonVersions(e, add)

	n := e.Cluster.Nodes
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
	if d := e.Database; d.MaxAllocatedStorageGiB > 0 && d.MaxAllocatedStorageGiB <= d.AllocatedStorageGiB {
		add("database.maxAllocatedStorageGiB", false, "storage autoscaling needs a maximum (%d GiB) above the allocated storage (%d GiB)", d.MaxAllocatedStorageGiB, d.AllocatedStorageGiB)
	}
	if r := e.Database.BackupReplication; r != nil && r.Region == e.AWS.Region {
		add("database.backupReplication.region", false, "backups must be replicated to another region than the database's own (%s)", e.AWS.Region)
	}
	if e.App.Replicas.Min < 2 {
		add("app.replicas.min", true, "with one replica, every node drain and every rollout failure takes the service down")
	}
	// RPO: automated backups are always on (retention is at least a day),
	// and point-in-time recovery restores to within about five minutes, the
	// least rpoMinutes the schema allows; so every RPO the schema accepts
	// can be met.
	//
	// RTO: a multi-AZ database fails over in one to two minutes; a
	// single-AZ one is restored from backup into a new instance, which takes
	// tens of minutes, and longer for a large database.
	if !e.Database.MultiAZ {
		switch rto := e.Recovery.RTOMinutes; {
		case rto < 15:
			add("recovery.rtoMinutes", false, "an RTO of %d minutes cannot be met by a single-AZ database: recovering it means a restore from backup, which takes 15 minutes at the very least; set database.multiAZ: true or a longer RTO", rto)
		case rto < 60:
			add("recovery.rtoMinutes", true, "a single-AZ database recovers by a restore from backup, which usually takes 30 to 60 minutes or more; an RTO of %d minutes may be missed (multi-AZ fails over in 1 to 2)", rto)
		}
	}
	if e.IsProduction() && e.Cluster.EndpointPublicAccess {
		for _, c := range e.Cluster.PublicAccessCIDRs {
			if c == "0.0.0.0/0" {
				add("cluster.publicAccessCidrs", true, "the production EKS API is reachable from the whole internet; limit publicAccessCidrs or turn endpointPublicAccess off")
			}
		}
	}
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
