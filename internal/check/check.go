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

// Per-node reserve assumed for the kubelet, the system and the DaemonSets
// every EKS node runs (aws-node, kube-proxy, and CoreDNS and External
// Secrets somewhere): stated once, used in the message.
const (
	reserveCPU    = 0.25 // vCPU per node
	reserveMemGiB = 1.0  // GiB per node
)

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

	if e.Prices != nil {
		if c, ok := e.Prices.EC2Capacity[e.Cluster.Nodes.InstanceType]; ok {
			nodeCPU, nodeMem := c.VCPU-reserveCPU, (c.MemoryGiB-reserveMemGiB)*(1<<30)
			n := e.Cluster.Nodes
			needCPU, needMem := float64(e.App.Replicas.Max)*reqCPU, float64(e.App.Replicas.Max)*reqMem
			if float64(n.Max)*nodeCPU < needCPU || float64(n.Max)*nodeMem < needMem {
				add("cluster.nodes.max", false,
					"%d x %s cannot hold %d replicas requesting %s CPU and %s each (a node offers %g vCPU and %g GiB, less %g vCPU and %g GiB for the system)",
					n.Max, n.InstanceType, e.App.Replicas.Max, req.CPU, req.Memory, c.VCPU, c.MemoryGiB, reserveCPU, reserveMemGiB)
			} else if float64(n.Desired)*nodeCPU < needCPU || float64(n.Desired)*nodeMem < needMem {
				add("cluster.nodes.desired", true,
					"%d x %s cannot hold the HPA's maximum of %d replicas; they fit only if a cluster autoscaler adds nodes (up to %d)",
					n.Desired, n.InstanceType, e.App.Replicas.Max, n.Max)
			}
		}
	}

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
		if e.Prices != nil {
			if c, ok := e.Prices.EC2Capacity[n.InstanceType]; ok {
				nightCPU := float64(s.NightSize) * (c.VCPU - reserveCPU)
				nightMem := float64(s.NightSize) * (c.MemoryGiB - reserveMemGiB) * (1 << 30)
				needCPU, needMem := float64(e.App.Replicas.Min)*reqCPU, float64(e.App.Replicas.Min)*reqMem
				if nightCPU < needCPU || nightMem < needMem {
					add("cluster.nodes.schedule.nightSize", false,
						"%d x %s at night cannot hold the HPA's minimum of %d replicas (%s CPU and %s each), so pods would stay pending and the PodDisruptionBudget would block the scale-down's drains; raise nightSize or lower app.replicas.min",
						s.NightSize, n.InstanceType, e.App.Replicas.Min, req.CPU, req.Memory)
				}
			}
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
