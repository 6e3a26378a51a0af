package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lexecon/lexgen/internal/model"
	"github.com/lexecon/lexgen/internal/render"
)

// node is what one node of an instance type offers the pods, as EKS
// configures its kubelet (the EKS AMI's bootstrap: kube-reserved memory of
// 255Mi + 11Mi a pod, CPU of 6% of the first core, 1% of the second, 0.5%
// of the third and fourth and 0.25% of the rest; an eviction threshold of
// 100Mi): t3.small offers 1930m, 1572Mi and 11 pods.
type node struct {
	pods       int
	cpu, memMi float64
}

func nodeOf(c model.Capacity) node {
	millis := c.VCPU * 1000
	reserve := 0.0
	for core := 1; float64(core) <= c.VCPU; core++ {
		switch {
		case core == 1:
			reserve += 60
		case core == 2:
			reserve += 10
		case core <= 4:
			reserve += 5
		default:
			reserve += 2.5
		}
	}
	mem := c.MemoryGiB*1024 - float64(255+11*c.MaxPods) - 100
	return node{pods: c.MaxPods, cpu: millis - reserve, memMi: mem}
}

// demand is what the platform asks of the cluster: DaemonSet pods on every
// node, the rest once.
type demand struct {
	perNodePods          int
	perNodeCPU, perNodeM float64
	oncePods             int
	onceCPU, onceM       float64
}

func platformDemand(e *model.Environment) demand {
	var d demand
	for _, p := range render.PlatformPods(e) {
		cpu, mem := quantity(p.CPU)*1000, quantity(p.Memory)/(1<<20)
		if p.DaemonSet {
			d.perNodePods++
			d.perNodeCPU += cpu
			d.perNodeM += mem
			continue
		}
		d.oncePods += p.Replicas
		d.onceCPU += float64(p.Replicas) * cpu
		d.onceM += float64(p.Replicas) * mem
	}
	return d
}

// shortfall says what n nodes of a type lack to hold the platform and
// replicas app pods, or "" when they hold them. It is an aggregate bound:
// enough pods, CPU and memory in total (the scheduler must still place
// them; issue 14's scheduling test does that for real).
func shortfall(e *model.Environment, nd node, d demand, n, replicas int) string {
	appCPU, appMem := quantity(e.App.Resources.Requests.CPU)*1000, quantity(e.App.Resources.Requests.Memory)/(1<<20)
	var lack []string
	if have, need := n*(nd.pods-d.perNodePods), d.oncePods+replicas; have < need {
		lack = append(lack, fmt.Sprintf("%d pods (%d a node, of which the platform's DaemonSets take %d) for the platform's %d and %d of the app", n*nd.pods, nd.pods, d.perNodePods, d.oncePods, replicas))
	}
	if have, need := float64(n)*(nd.cpu-d.perNodeCPU), d.onceCPU+float64(replicas)*appCPU; have < need {
		lack = append(lack, fmt.Sprintf("%.0fm CPU for %.0fm requested", have, need))
	}
	if have, need := float64(n)*(nd.memMi-d.perNodeM), d.onceM+float64(replicas)*appMem; have < need {
		lack = append(lack, fmt.Sprintf("%.0fMi memory for %.0fMi requested", have, need))
	}
	if len(lack) == 0 {
		if z := zoneShortfall(e, nd, d, n, replicas); z != "" {
			lack = append(lack, z)
		}
	}
	return strings.Join(lack, ", ")
}

// zoneShortfall checks the app's zone spread: its pods' counts in the zones
// stay within one of each other (DoNotSchedule, maxSkew 1), so each zone
// must hold its share on its own nodes. The autoscaling group balances its
// n nodes over the node subnets' zones (the first zones get one more);
// the app may preempt the platform's unclassed pods, so a zone offers
// what its nodes have beside their DaemonSets, in whole pods a node.
func zoneShortfall(e *model.Environment, nd node, d demand, n, replicas int) string {
	zones := e.NodeZones()
	z := min(len(zones), n)
	if z < 2 {
		return ""
	}
	appCPU, appMem := quantity(e.App.Resources.Requests.CPU)*1000, quantity(e.App.Resources.Requests.Memory)/(1<<20)
	perNode := nd.pods - d.perNodePods
	if appCPU > 0 {
		perNode = min(perNode, int((nd.cpu-d.perNodeCPU)/appCPU))
	}
	if appMem > 0 {
		perNode = min(perNode, int((nd.memMi-d.perNodeM)/appMem))
	}
	q, r := replicas/z, replicas%z
	fuller, short := 0, false
	holds := make([]string, z)
	for i := range z {
		nodes := n / z
		if i < n%z {
			nodes++
		}
		room := nodes * perNode
		short = short || room < q
		if room >= q+1 {
			fuller++
		}
		holds[i] = fmt.Sprintf("%s %d", zones[i], room)
	}
	if !short && fuller >= r {
		return ""
	}
	need := fmt.Sprintf("%d", q)
	if r > 0 {
		need = fmt.Sprintf("%d or %d", q, q+1)
	}
	return fmt.Sprintf("the app's zone spread needs %s of its %d pods in each of %d zones, but %d nodes balanced over them hold %d a node beside the DaemonSets (%s)",
		need, replicas, z, n, perNode, strings.Join(holds, ", "))
}

// fix names the fewest nodes of this type, and the cheapest type at this
// node count, that would hold replicas app pods with the platform; drained
// nodes are out of service and added to the counts it names.
func fix(e *model.Environment, d demand, n, replicas, drained int) string {
	var parts []string
	c := e.Prices.EC2Capacity[e.Cluster.Nodes.InstanceType]
	for more := n + 1; more <= 100; more++ {
		if shortfall(e, nodeOf(c), d, more, replicas) == "" {
			parts = append(parts, fmt.Sprintf("nodes.min %d", more+drained))
			break
		}
	}
	types := make([]string, 0, len(e.Prices.EC2Capacity))
	for t := range e.Prices.EC2Capacity {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool {
		if e.Prices.EC2[types[i]] != e.Prices.EC2[types[j]] {
			return e.Prices.EC2[types[i]] < e.Prices.EC2[types[j]]
		}
		return types[i] < types[j]
	})
	for _, t := range types {
		if t != e.Cluster.Nodes.InstanceType && shortfall(e, nodeOf(e.Prices.EC2Capacity[t]), d, n, replicas) == "" {
			parts = append(parts, fmt.Sprintf("instanceType %s", t))
			break
		}
	}
	if len(parts) == 0 {
		return "lower the requests or the replicas"
	}
	return "set " + strings.Join(parts, " or ") + ", or lower the requests or the replicas"
}

// capacity checks that the node group holds the app with the platform
// (the EKS add-ons, the in-cluster components, Argo CD): at its maximum
// size the HPA's maximum; at its minimum the HPA's minimum plus the one
// extra pod of a rolling update, and the HPA's minimum with one node
// drained; at night the HPA's minimum.
func capacity(e *model.Environment, add adder) {
	if e.Prices == nil {
		return
	}
	c, ok := e.Prices.EC2Capacity[e.Cluster.Nodes.InstanceType]
	if !ok {
		return
	}
	nd, d, ng, r := nodeOf(c), platformDemand(e), e.Cluster.Nodes, e.App.Replicas
	it := ng.InstanceType
	// The totals below say nothing if one pod fits on no node: the
	// scheduler places whole pods, each beside its node's DaemonSets.
	req := e.App.Resources.Requests
	if cpu, mem := quantity(req.CPU)*1000, quantity(req.Memory)/(1<<20); cpu > nd.cpu-d.perNodeCPU || mem > nd.memMi-d.perNodeM {
		add("app.resources.requests", false, "one pod of the app asks %s CPU and %s memory, but a %s offers %.0fm and %.0fMi beside the platform's DaemonSets, so no node can run it; lower the requests or set a larger cluster.nodes.instanceType",
			req.CPU, req.Memory, it, nd.cpu-d.perNodeCPU, nd.memMi-d.perNodeM)
		return
	}
	if lack := shortfall(e, nd, d, ng.Max, r.Max); lack != "" {
		add("cluster.nodes.max", false, "%d x %s cannot hold the HPA's maximum of %d replicas with the platform: they offer %s; %s",
			ng.Max, it, r.Max, lack, strings.Replace(fix(e, d, ng.Max, r.Max, 0), "nodes.min", "nodes.max", 1))
	} else if shortfall(e, nd, d, ng.Desired, r.Max) != "" {
		add("cluster.nodes.desired", true, "%d x %s cannot hold the HPA's maximum of %d replicas with the platform; they fit only when the Cluster Autoscaler adds nodes (up to %d)",
			ng.Desired, it, r.Max, ng.Max)
	}
	if lack := shortfall(e, nd, d, ng.Min, r.Min+1); lack != "" {
		add("cluster.nodes.min", false, "%d x %s (nodes.min) cannot hold the platform, the HPA's minimum of %d replicas and the one extra pod of a rolling update: they offer %s; %s",
			ng.Min, it, r.Min, lack, fix(e, d, ng.Min, r.Min+1, 0))
	} else if ng.Min >= 2 {
		// A drain is routine (node upgrades, spot reclaims, the Cluster
		// Autoscaler's scale-down): every tier must survive one. Issue 14's
		// scheduling check saw staging's 2 x t3.medium fail it on the real
		// scheduler, as this arithmetic says.
		if lack := shortfall(e, nd, d, ng.Min-1, r.Min); lack != "" {
			add("cluster.nodes.min", false, "with one of its %d x %s drained (an upgrade, a reclaimed node), the rest cannot hold the platform and the HPA's minimum of %d replicas: they offer %s; %s",
				ng.Min, it, r.Min, lack, fix(e, d, ng.Min-1, r.Min, 1))
		}
	}
	if s := ng.Schedule; s != nil && s.NightSize < ng.Min {
		if lack := shortfall(e, nd, d, s.NightSize, r.Min); lack != "" {
			add("cluster.nodes.schedule.nightSize", false, "%d x %s at night cannot hold the platform and the HPA's minimum of %d replicas (%s CPU and %s each): they offer %s, so pods would stay pending and the PodDisruptionBudget would block the scale-down's drains; raise nightSize or lower app.replicas.min",
				s.NightSize, it, r.Min, e.App.Resources.Requests.CPU, e.App.Resources.Requests.Memory, lack)
		}
	}
}

// kubeProxyVersions are the kube-proxy EKS add-on versions the EKS user
// guide lists ("Manage kube-proxy in Amazon EKS clusters", version table),
// for the message when an environment's pin is for another Kubernetes
// version than its cluster.
var kubeProxyVersions = map[string]string{
	"1.32": "v1.32.9-eksbuild.2", "1.33": "v1.33.5-eksbuild.2", "1.34": "v1.34.1-eksbuild.2", "1.35": "v1.35.3-eksbuild.2",
}

// addonVersions refuses a kube-proxy add-on pinned for another Kubernetes
// minor version than the cluster's: kube-proxy must match the control
// plane, and the schema's defaults are for 1.34.
func addonVersions(e *model.Environment, add adder) {
	k := e.Cluster.KubernetesVersion
	if v := e.Platform.Addons.KubeProxy; !strings.HasPrefix(v, "v"+k+".") {
		hint := "the version `aws eks describe-addon-versions --kubernetes-version " + k + " --addon-name kube-proxy` lists"
		if known, ok := kubeProxyVersions[k]; ok {
			hint = known + " (EKS user guide), or " + hint
		}
		add("cluster.kubernetesVersion", false, "kube-proxy %s (platform.addons.kubeProxy) is for another Kubernetes version than the cluster's %s: set platform.addons.kubeProxy to %s, and check coredns, vpc-cni, podIdentityAgent and metricsServer for %s too (the defaults are for 1.34)",
			v, k, hint, k)
	}
}

// Allocatable is what one node of an instance type offers pods, as the
// capacity check counts it (nodeOf): the e2e scheduling check builds its
// simulated nodes from the same figures.
func Allocatable(c model.Capacity) (pods int, cpuMilli, memMi float64) {
	n := nodeOf(c)
	return n.pods, n.cpu, n.memMi
}
