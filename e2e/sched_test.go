//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/lexecon/lexgen/internal/check"
	"github.com/lexecon/lexgen/internal/load"
	"github.com/lexecon/lexgen/internal/model"
	lexrender "github.com/lexecon/lexgen/internal/render"
)

// The scheduling check (issue 14): the real kube-scheduler and
// kube-controller-manager place, roll and drain the rendered app, unchanged
// from out/<env>/kubernetes, with the platform's pods at their requests, on
// nodes KWOK simulates in the shape of the environment's EKS node group.

// startScheduler runs the real kube-scheduler (its default profile) and
// KWOK, which plays the kubelet of every node labelled type=kwok: nodes
// Ready at once, pods Running and Ready 1 to 6 s after binding (the stages
// `make e2e` copies from the pinned KWOK release into .cache/kwok/stages).
func startScheduler(t *testing.T) {
	t.Helper()
	startControllerManager(t)
	err := once("kube-scheduler", func() error {
		if err := startDaemon("kube-scheduler", k8sBin(t, "kube-scheduler"),
			"--kubeconfig", kube.kubeconfig, "--leader-elect=false",
			"--bind-address", "127.0.0.1", "--secure-port", fmt.Sprint(freePort(t))); err != nil {
			return err
		}
		kwok := cacheDir("kwok", "bin", "kwok")
		if _, err := os.Stat(kwok); err != nil {
			return fmt.Errorf("%s is missing: run make e2e, which builds it from tools/kwok", kwok)
		}
		stages, err := filepath.Glob(cacheDir("kwok", "stages", "*.yaml"))
		if err != nil || len(stages) < 4 {
			return fmt.Errorf("KWOK's stages are missing from %s: run make e2e", cacheDir("kwok", "stages"))
		}
		args := []string{"--kubeconfig", kube.kubeconfig, "--manage-all-nodes=false",
			"--manage-nodes-with-label-selector", "type=kwok",
			"--server-address", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "--cidr", "10.64.0.0/12", "--node-ip", "10.63.0.1"}
		for _, s := range stages {
			args = append(args, "--config", s)
		}
		return startDaemon("kwok", kwok, args...)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// startDaemon starts a long-running process logging into a temporary
// folder, stopped with the apiserver when the test binary ends.
func startDaemon(name, bin string, args ...string) error {
	dir, err := os.MkdirTemp("", "lexgen-e2e-"+name+"-")
	if err != nil {
		return err
	}
	log, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return err
	}
	stop := kube.stop
	kube.stop = func() {
		cmd.Process.Kill()
		cmd.Wait()
		os.RemoveAll(dir)
		stop()
	}
	return nil
}

// The nodes' allocatable and the platform's pods are the capacity check's
// (check.Allocatable: EKS's max pods, kube-reserved and eviction threshold
// for the type; render.PlatformPods: the add-ons', the charts' and Argo
// CD's pods at the requests lexgen gives them), so what fails here is what
// the arithmetic must refuse.

const platformNS = "e2e-platform"

// platformManifest is e's platform as typed DaemonSets and, with
// deployments, Deployments.
func platformManifest(t *testing.T, e *model.Environment, deployments bool) []byte {
	t.Helper()
	var docs []string
	add := func(o any) {
		data, err := yaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(data))
	}
	add(&corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: platformNS}})
	no := false
	for _, p := range lexrender.PlatformPods(e) {
		kind := "deployment"
		if p.DaemonSet {
			kind = "daemonset"
		}
		labels := map[string]string{"app": p.Name, "e2e-kind": kind}
		rl := corev1.ResourceList{}
		if p.CPU != "0" {
			rl[corev1.ResourceCPU] = resource.MustParse(p.CPU)
		}
		if p.Memory != "0" {
			rl[corev1.ResourceMemory] = resource.MustParse(p.Memory)
		}
		tmpl := corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec: corev1.PodSpec{
				PriorityClassName:            p.Priority,
				AutomountServiceAccountToken: &no,
				Containers:                   []corev1.Container{{Name: p.Name, Image: "registry.k8s.io/pause:3.10", Resources: corev1.ResourceRequirements{Requests: rl}}},
			},
		}
		meta := metav1.ObjectMeta{Name: p.Name, Namespace: platformNS}
		sel := &metav1.LabelSelector{MatchLabels: labels}
		if p.DaemonSet {
			add(&appsv1.DaemonSet{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"}, ObjectMeta: meta,
				Spec: appsv1.DaemonSetSpec{Selector: sel, Template: tmpl}})
			continue
		}
		if !deployments {
			continue
		}
		r := int32(p.Replicas)
		add(&appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}, ObjectMeta: meta,
			Spec: appsv1.DeploymentSpec{Replicas: &r, Selector: sel, Template: tmpl}})
	}
	return []byte(strings.Join(docs, "---\n"))
}

// schedCase is one environment to schedule: its model and rendered
// manifests.
type schedCase struct {
	name string
	env  *model.Environment
	dir  string // its out/<env>/kubernetes
}

func schedCases(t *testing.T) []schedCase {
	t.Helper()
	var cases []schedCase
	r, err := load.Open(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	envs, ds := r.Load(r.Names())
	if ds != nil {
		t.Fatal(ds)
	}
	for _, e := range envs {
		cases = append(cases, schedCase{e.Name, e, filepath.Join(repoRoot, "out", e.Name, "kubernetes")})
	}
	// Every golden render case (golden/base's environments are the same as
	// envs/'s but for comments and costs, and are covered above): loaded
	// as the golden test does, the schema, the base environments, the
	// case's; its environments are those of its own envs/.
	cs, err := filepath.Glob(filepath.Join(repoRoot, "golden", "render", "*", "envs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, caseEnvs := range cs {
		name := filepath.Base(filepath.Dir(caseEnvs))
		files, _ := filepath.Glob(filepath.Join(caseEnvs, "*.cue"))
		var own []string
		for _, f := range files {
			own = append(own, strings.TrimSuffix(filepath.Base(f), ".cue"))
		}
		root := t.TempDir()
		for _, d := range [][2]string{{"cue.mod", "cue.mod"}, {"schema", "schema"}, {"golden/base/envs", "envs"}, {"golden/render/" + name + "/envs", "envs"}} {
			copyDir(t, filepath.Join(repoRoot, d[0]), filepath.Join(root, d[1]))
		}
		r, err := load.Open(root)
		if err != nil {
			t.Fatal(err)
		}
		envs, ds := r.Load(own)
		if ds != nil {
			t.Fatalf("golden case %s: %v", name, ds)
		}
		for _, e := range envs {
			cases = append(cases, schedCase{"golden-" + name + "-" + e.Name, e, filepath.Join(repoRoot, "golden", "render", name, "out", e.Name, "kubernetes")})
		}
	}
	if len(cases) < 5 {
		t.Fatalf("only %d cases", len(cases))
	}
	return cases
}

// nodesManifest models nodes of e's node group (name -> zone), labelled as
// EKS labels them.
func nodesManifest(t *testing.T, prefix string, e *model.Environment, nodes map[string]string) []byte {
	t.Helper()
	ng := e.Cluster.Nodes
	capa, ok := e.Prices.EC2Capacity[ng.InstanceType]
	if !ok {
		t.Fatalf("no capacity for %s in schema/prices.cue", ng.InstanceType)
	}
	pods, cpu, mem := check.Allocatable(capa)
	// The node's disk (cluster.nodes.diskSizeGiB) less what the EKS AMI's
	// kubelet keeps: 1Gi of kube-reserved ephemeral storage and the 10%
	// nodefs.available eviction threshold.
	disk := int64(ng.DiskSizeGiB) << 30
	ephemeral := disk - 1<<30 - disk/10
	var docs []string
	names := make([]string, 0, len(nodes))
	for name := range nodes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		zone := nodes[name]
		node := corev1.Node{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
			ObjectMeta: metav1.ObjectMeta{Name: name,
				Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"},
				Labels: map[string]string{
					"type": "kwok", "e2e-case": prefix,
					"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
					"topology.kubernetes.io/zone": zone, "topology.kubernetes.io/region": e.AWS.Region,
					"node.kubernetes.io/instance-type": ng.InstanceType, "eks.amazonaws.com/capacityType": ng.CapacityType,
				}},
			Status: corev1.NodeStatus{
				Capacity: corev1.ResourceList{
					corev1.ResourceCPU:              *resource.NewMilliQuantity(int64(capa.VCPU*1000), resource.DecimalSI),
					corev1.ResourceMemory:           resource.MustParse(fmt.Sprintf("%dMi", int64(capa.MemoryGiB*1024))),
					corev1.ResourcePods:             *resource.NewQuantity(int64(pods), resource.DecimalSI),
					corev1.ResourceEphemeralStorage: *resource.NewQuantity(disk, resource.BinarySI),
				},
				Allocatable: corev1.ResourceList{
					corev1.ResourceCPU:              *resource.NewMilliQuantity(int64(cpu), resource.DecimalSI),
					corev1.ResourceMemory:           resource.MustParse(fmt.Sprintf("%dMi", int64(mem))),
					corev1.ResourcePods:             *resource.NewQuantity(int64(pods), resource.DecimalSI),
					corev1.ResourceEphemeralStorage: *resource.NewQuantity(ephemeral, resource.BinarySI),
				},
			},
		}
		data, err := yaml.Marshal(node)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(data))
	}
	return []byte(strings.Join(docs, "---\n"))
}

// kubectlIn runs kubectl with stdin.
func kubectlIn(t *testing.T, stdin []byte, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(kube.kubectl, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kube.kubeconfig)
	cmd.Stdin = strings.NewReader(string(stdin))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// pod is what the checks read of a pod.
type pod struct {
	Metadata struct {
		Name              string            `json:"name"`
		Namespace         string            `json:"namespace"`
		Labels            map[string]string `json:"labels"`
		DeletionTimestamp *string           `json:"deletionTimestamp"`
	} `json:"metadata"`
	Spec struct {
		NodeName string `json:"nodeName"`
	} `json:"spec"`
	Status corev1.PodStatus `json:"status"`
}

func (p pod) ready() bool {
	if p.Metadata.DeletionTimestamp != nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func getPods(t *testing.T, args ...string) ([]pod, error) {
	out, errOut, err := kubectl(t, append([]string{"get", "pods", "-o", "json"}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, errOut)
	}
	var list struct{ Items []pod }
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		return nil, err
	}
	return list.Items, nil
}

// cluster is one case's cluster state the checks read.
type cluster struct {
	t        *testing.T
	env      *model.Environment
	ns       string // the app's namespace
	deploy   string
	selector string
	nodes    map[string]string // node -> zone
	removed  map[string]bool   // nodes the case deleted (their pods go with PodGC)
	prefix   string            // of the case's node names
	next     int               // the next node's number
}

// nextNode names a new node and gives it the zone an autoscaling group
// launches in: the first, in subnet order, of the zones with fewest nodes
// (so n nodes are balanced as validate's capacity check assumes). It
// records the node in c.nodes with that zone.
func (c *cluster) nextNode() string {
	zones := c.env.NodeZones()
	per := map[string]int{}
	for _, z := range c.nodes {
		per[z]++
	}
	zone := zones[0]
	for _, z := range zones {
		if per[z] < per[zone] {
			zone = z
		}
	}
	name := fmt.Sprintf("%s-%d", c.prefix, c.next)
	c.next++
	c.nodes[name] = zone
	return name
}

// addNode creates one more node of the group, as the group's scale-out
// (the Cluster Autoscaler, a managed update's surge) launches it, and
// waits for it to be Ready.
func (c *cluster) addNode() error {
	name := c.nextNode()
	if out, err := kubectlIn(c.t, nodesManifest(c.t, c.prefix, c.env, map[string]string{name: c.nodes[name]}), "apply", "-f", "-"); err != nil {
		return fmt.Errorf("adding node %s: %v\n%s", name, err, out)
	}
	if _, errOut, err := kubectl(c.t, "wait", "--for=condition=Ready", "node/"+name, "--timeout=60s"); err != nil {
		return fmt.Errorf("node %s not Ready: %v: %s", name, err, errOut)
	}
	return nil
}

// systemNamespaces are the apiserver's own; a reset leaves them.
var systemNamespaces = map[string]bool{"default": true, "kube-system": true, "kube-public": true, "kube-node-lease": true}

// resetCluster empties the cluster for a case: every namespace but the
// system ones (the platform's, an earlier case's app, and whatever other
// e2e tests left there: the External Secrets tests leave the rendered
// Deployments of staging, production and qa behind, whose pending pods
// would otherwise be placed on this case's nodes), every KWOK node, and
// every pod, forced where its node is gone and no KWOK would finish its
// deletion. It fails, naming what is left, if the cluster does not empty.
func resetCluster(t *testing.T) error {
	t.Helper()
	doomed, err := userNamespaces(t)
	if err != nil {
		return err
	}
	if len(doomed) > 0 {
		if _, errOut, err := kubectl(t, append([]string{"delete", "namespace", "--wait=false"}, doomed...)...); err != nil {
			return fmt.Errorf("deleting the namespaces %s: %v: %s", strings.Join(doomed, ", "), err, errOut)
		}
	}
	if err := purgeNodes(t); err != nil {
		return err
	}
	deadline := time.Now().Add(120 * time.Second)
	for {
		ps, err := getPods(t, "-A")
		if err != nil {
			return err
		}
		left, err := userNamespaces(t)
		if err != nil {
			return err
		}
		if len(ps) == 0 && len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			var names []string
			for _, p := range ps {
				names = append(names, p.Metadata.Namespace+"/"+p.Metadata.Name+" on "+p.Spec.NodeName)
			}
			return fmt.Errorf("the cluster does not empty after 120s: namespaces %v, pods %v", left, names)
		}
		if len(ps) > 0 {
			kubectl(t, "delete", "pods", "--all", "-A", "--force", "--grace-period=0", "--wait=false")
		}
		time.Sleep(time.Second)
	}
}

// userNamespaces are the namespaces other than the system ones.
func userNamespaces(t *testing.T) ([]string, error) {
	t.Helper()
	out, errOut, err := kubectl(t, "get", "namespaces", "-o", "jsonpath={.items[*].metadata.name}")
	if err != nil {
		return nil, fmt.Errorf("listing the namespaces: %v: %s", err, errOut)
	}
	var user []string
	for _, ns := range strings.Fields(out) {
		if !systemNamespaces[ns] {
			user = append(user, ns)
		}
	}
	return user, nil
}

// purgeNodes deletes every KWOK node and waits until none is left,
// finalizers and all; it says which nodes stayed and why if any does.
func purgeNodes(t *testing.T) error {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		out, errOut, err := kubectl(t, "get", "nodes", "-l", "type=kwok", "-o", "json")
		if err != nil {
			return fmt.Errorf("listing the nodes: %v: %s", err, errOut)
		}
		var list struct{ Items []corev1.Node }
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			return err
		}
		if len(list.Items) == 0 {
			return nil
		}
		var left []string
		for _, n := range list.Items {
			left = append(left, fmt.Sprintf("%s (deletion %v, finalizers %v)", n.Name, n.DeletionTimestamp, n.Finalizers))
			if len(n.Finalizers) > 0 {
				kubectl(t, "patch", "node", n.Name, "--type=merge", "-p", `{"metadata":{"finalizers":null}}`)
			}
			if n.DeletionTimestamp == nil {
				kubectl(t, "delete", "node", n.Name, "--wait=false")
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nodes of an earlier case are still there after 90s: %s", strings.Join(left, "; "))
		}
		time.Sleep(time.Second)
	}
}

// onCaseNodes fails when a pod of ps runs on a node that is not one of the
// case's: its figures would not be the case's.
func (c *cluster) onCaseNodes(ps []pod) error {
	for _, p := range ps {
		if n := p.Spec.NodeName; n != "" && !c.removed[n] && p.Metadata.DeletionTimestamp == nil {
			if _, ok := c.nodes[n]; !ok {
				names := make([]string, 0, len(c.nodes))
				for name := range c.nodes {
					names = append(names, name)
				}
				sort.Strings(names)
				return fmt.Errorf("pod %s/%s runs on node %s, which is not one of the case's nodes (%s)", p.Metadata.Namespace, p.Metadata.Name, n, strings.Join(names, ", "))
			}
		}
	}
	return nil
}

func (c *cluster) appPods() []pod {
	ps, err := getPods(c.t, "-n", c.ns, "-l", c.selector)
	if err != nil {
		c.t.Fatal(err)
	}
	return ps
}

// settled waits, bounded, until want app pods and every platform pod are
// Ready and nothing is pending; it returns why not otherwise, with the
// scheduler's reasons for every pending pod.
func (c *cluster) settled(want int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		app := c.appPods()
		plat, err := getPods(c.t, "-n", platformNS)
		if err != nil {
			return err
		}
		if err := c.onCaseNodes(append(app, plat...)); err != nil {
			return err
		}
		ready, pending := 0, []string{}
		for _, p := range app {
			if p.ready() {
				ready++
			}
		}
		for _, p := range append(app, plat...) {
			if p.Metadata.DeletionTimestamp == nil && p.Spec.NodeName == "" {
				pending = append(pending, p.Metadata.Namespace+"/"+p.Metadata.Name)
			}
		}
		// Every live platform pod Ready, and at least one DaemonSet pod
		// per schedulable node besides the Deployments' (a drained node
		// keeps its DaemonSet pods).
		platReady, platLive := 0, 0
		for _, p := range plat {
			if p.ready() {
				platReady++
			}
			if p.Metadata.DeletionTimestamp == nil {
				platLive++
			}
		}
		live := 0
		for _, p := range app {
			if p.Metadata.DeletionTimestamp == nil {
				live++
			}
		}
		if ready == want && live == want && len(pending) == 0 && platReady == platLive && platReady >= c.platformWant() {
			return nil
		}
		if time.Now().After(deadline) {
			var unready []string
			for _, p := range append(app, plat...) {
				if p.Metadata.DeletionTimestamp == nil && p.Spec.NodeName != "" && !p.ready() {
					unready = append(unready, fmt.Sprintf("%s/%s on %s (%s)", p.Metadata.Namespace, p.Metadata.Name, p.Spec.NodeName, p.Status.Phase))
				}
			}
			return fmt.Errorf("after %s: %d of %d app pods Ready, %d of %d platform pods Ready, %d pending:\n%s\nbound, not Ready: %s",
				timeout, ready, want, platReady, c.platformWant(), len(pending), c.why(pending), strings.Join(unready, ", "))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// daemonSets counts the platform's DaemonSets.
func (c *cluster) daemonSets() int {
	n := 0
	for _, p := range lexrender.PlatformPods(c.env) {
		if p.DaemonSet {
			n++
		}
	}
	return n
}

// platformWant is how many platform pods run on the case's nodes.
func (c *cluster) platformWant() int {
	n := 0
	for _, p := range lexrender.PlatformPods(c.env) {
		if p.DaemonSet {
			n += c.schedulable()
		} else {
			n += p.Replicas
		}
	}
	return n
}

func (c *cluster) schedulable() int {
	out, _, err := kubectl(c.t, "get", "nodes", "-l", "type=kwok", "-o", "jsonpath={range .items[*]}{.metadata.name}={.spec.unschedulable}{\"\\n\"}{end}")
	if err != nil {
		c.t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if l != "" && !strings.HasSuffix(l, "=true") {
			n++
		}
	}
	return n
}

// why lists the scheduler's last FailedScheduling message of each pod.
func (c *cluster) why(pending []string) string {
	var b strings.Builder
	for _, p := range pending {
		ns, name, _ := strings.Cut(p, "/")
		out, _, _ := kubectl(c.t, "get", "events", "-n", ns, "--field-selector", "involvedObject.name="+name+",reason=FailedScheduling",
			"-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}")
		msgs := strings.Split(strings.TrimSpace(out), "\n")
		fmt.Fprintf(&b, "  %s: %s\n", p, msgs[len(msgs)-1])
	}
	return b.String()
}

// spread counts the app's pods by zone and by node, and checks each of the
// Deployment's topology spread constraints: the skew between the most and
// least loaded domains (every domain of the case's nodes counts, empty ones
// too) within its maxSkew.
func (c *cluster) spread() (string, error) { return c.spreadIn(nil) }

// spreadIn is spread over the zones in zones only (all when nil): a zone
// the group reached after the pods were placed holds none of them, since
// Kubernetes does not move running pods to new nodes.
func (c *cluster) spreadIn(zones map[string]bool) (string, error) {
	byZone, byNode := map[string]int{}, map[string]int{}
	for n, z := range c.nodes {
		if c.unschedulable(n) || zones != nil && !zones[z] {
			continue
		}
		byZone[z] += 0
		byNode[n] += 0
	}
	app := c.appPods()
	if err := c.onCaseNodes(app); err != nil {
		return "", err
	}
	for _, p := range app {
		if p.Metadata.DeletionTimestamp != nil || p.Spec.NodeName == "" || zones != nil && !zones[c.nodes[p.Spec.NodeName]] {
			continue
		}
		byZone[c.nodes[p.Spec.NodeName]]++
		byNode[p.Spec.NodeName]++
	}
	var d appsv1.Deployment
	out, errOut, err := kubectl(c.t, "get", "deployment", "-n", c.ns, c.deploy, "-o", "json")
	if err != nil {
		c.t.Fatalf("%v: %s", err, errOut)
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		c.t.Fatal(err)
	}
	figures := fmt.Sprintf("by zone %s, by node %s", counts(byZone), counts(byNode))
	var bad []string
	for _, tsc := range d.Spec.Template.Spec.TopologySpreadConstraints {
		m := map[string]map[string]int{"topology.kubernetes.io/zone": byZone, "kubernetes.io/hostname": byNode}[tsc.TopologyKey]
		if m == nil {
			continue
		}
		lo, hi := 1<<30, 0
		for _, v := range m {
			lo, hi = min(lo, v), max(hi, v)
		}
		if hi-lo <= int(tsc.MaxSkew) {
			continue
		}
		msg := fmt.Sprintf("%s skew %d > maxSkew %d (%s)", tsc.TopologyKey, hi-lo, tsc.MaxSkew, tsc.WhenUnsatisfiable)
		// A DoNotSchedule constraint is a promise; a ScheduleAnyway one
		// a preference the scheduler drops when a domain is full (here,
		// of platform pods: placement varies from run to run), so its
		// skew is reported, and only the zone spread a zone outage
		// needs is required of it: the app in two zones or more.
		if tsc.WhenUnsatisfiable == corev1.DoNotSchedule {
			bad = append(bad, msg)
			continue
		}
		figures += "; preferred " + msg
	}
	used := 0
	for _, v := range byZone {
		if v > 0 {
			used++
		}
	}
	if want := min(len(byZone), 2); used < want {
		bad = append(bad, fmt.Sprintf("the app runs in %d zone(s) of %d", used, len(byZone)))
	}
	if bad != nil {
		return figures, fmt.Errorf("%s: %s", strings.Join(bad, "; "), figures)
	}
	return figures, nil
}

func (c *cluster) unschedulable(node string) bool {
	out, _, _ := kubectl(c.t, "get", "node", node, "-o", "jsonpath={.spec.unschedulable}")
	return out == "true"
}

func counts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// watchReady samples the app's Ready pods until stopped and returns the
// fewest it saw.
func (c *cluster) watchReady() (stop func() int) {
	ctx, cancel := context.WithCancel(context.Background())
	least := 1 << 30
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			ps, err := getPods(c.t, "-n", c.ns, "-l", c.selector)
			if err == nil {
				n := 0
				for _, p := range ps {
					if p.ready() {
						n++
					}
				}
				least = min(least, n)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
	return func() int { cancel(); <-done; return least }
}

// TestScheduling runs every environment and the golden options case on
// the real scheduler; each check is its own subtest and prints one line.
func TestScheduling(t *testing.T) {
	startScheduler(t)
	for _, sc := range schedCases(t) {
		t.Run(sc.name, func(t *testing.T) { scheduleCase(t, sc, sc.dir) })
	}
}

// setupCase creates the case's nodes at the node group's desired size and
// applies the manifests in dir unchanged; everything is deleted when t ends.
func setupCase(t *testing.T, sc schedCase, dir string) (*cluster, func(replicas int) int) {
	e := sc.env
	ng, reps := e.Cluster.Nodes, e.App.Replicas
	c := &cluster{t: t, env: e, ns: e.Name, nodes: map[string]string{}, removed: map[string]bool{}}
	var d appsv1.Deployment
	readYAML(t, filepath.Join(dir, "deployment.yaml"), &d)
	c.ns, c.deploy = d.Namespace, d.Name
	var sel []string
	for k, v := range d.Spec.Selector.MatchLabels {
		sel = append(sel, k+"="+v)
	}
	sort.Strings(sel)
	c.selector = strings.Join(sel, ",")
	var pdb struct {
		Spec struct {
			MinAvailable   *int `json:"minAvailable"`
			MaxUnavailable *int `json:"maxUnavailable"`
		} `json:"spec"`
	}
	readYAML(t, filepath.Join(dir, "pdb.yaml"), &pdb)
	minAvailable := func(replicas int) int {
		if pdb.Spec.MinAvailable != nil {
			return *pdb.Spec.MinAvailable
		}
		return replicas - *pdb.Spec.MaxUnavailable
	}

	// The node group at its desired size, the app unchanged.
	pods, cpu, mem := check.Allocatable(e.Prices.EC2Capacity[ng.InstanceType])
	t.Logf("node model: %d x %s (%s), %.0fm CPU, %.0fMi memory, %d pods a node allocatable; app %d-%d replicas",
		ng.Desired, ng.InstanceType, ng.CapacityType, cpu, mem, pods, reps.Min, reps.Max)
	prefix := sc.name
	c.prefix = prefix
	// Each case starts on an empty cluster. In CI, the Deployments the
	// External Secrets tests leave behind (no nodes there, so their pods
	// pend) had their pods placed on an earlier case's nodes, which then
	// went away under them: the figures below were not the case's own.
	if err := resetCluster(t); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < ng.Desired; i++ {
		c.nextNode()
	}
	if out, err := kubectlIn(t, nodesManifest(t, prefix, e, c.nodes), "apply", "-f", "-"); err != nil {
		t.Fatalf("creating the nodes: %v\n%s", err, out)
	}
	// Every node Ready, untainted, with the allocatable of the model.
	want := fmt.Sprintf("%.0f %.0fMi %d", cpu, mem, pods)
	deadline := time.Now().Add(90 * time.Second)
	for {
		out, _, _ := kubectl(t, "get", "nodes", "-l", "e2e-case="+prefix, "-o",
			`jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status} {.spec.taints} {.status.allocatable.cpu} {.status.allocatable.memory} {.status.allocatable.pods}{"\n"}{end}`)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		ok := len(lines) == ng.Desired
		for _, l := range lines {
			f := strings.Fields(l)
			ok = ok && len(f) == 5 && f[1] == "True" && strings.TrimSuffix(f[2], "m")+" "+f[3]+" "+f[4] == want
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the nodes are not Ready, untainted, with %s allocatable (CPU, memory, pods) after 90s:\n%s", want, out)
		}
		time.Sleep(time.Second)
	}
	t.Cleanup(func() {
		if err := resetCluster(t); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	// As on EKS, a node runs its DaemonSets (aws-node must run before the
	// node is Ready) before the workloads land on it: the platform's
	// Deployments are created once every node holds its DaemonSet pods.
	// Created together, the scheduler may fill a node's 11 pods with
	// Deployment pods first and leave a DaemonSet pod pending.
	if out, err := kubectlIn(t, platformManifest(t, e, false), "apply", "--server-side", "--field-manager=lexgen-e2e", "-f", "-"); err != nil {
		t.Fatalf("applying the platform's DaemonSets: %v\n%s", err, out)
	}
	dsDeadline := time.Now().Add(90 * time.Second)
	for {
		ps, err := getPods(t, "-n", platformNS, "-l", "e2e-kind=daemonset")
		if err != nil {
			t.Fatal(err)
		}
		ready := 0
		for _, p := range ps {
			if p.ready() {
				ready++
			}
		}
		if want := c.daemonSets() * ng.Desired; ready == want {
			break
		} else if time.Now().After(dsDeadline) {
			t.Fatalf("%d of %d DaemonSet pods Ready after 90s", ready, want)
		}
		time.Sleep(time.Second)
	}
	if out, err := kubectlIn(t, platformManifest(t, e, true), "apply", "--server-side", "--field-manager=lexgen-e2e", "-f", "-"); err != nil {
		t.Fatalf("applying the platform: %v\n%s", err, out)
	}
	ensureNamespace(t, "-f", filepath.Join(dir, "namespace.yaml"))
	if out, errOut, err := kubectl(t, "apply", "--server-side", "--field-manager=lexgen-e2e", "-k", dir); err != nil {
		t.Fatalf("applying %s: %v\n%s%s", dir, err, out, errOut)
	}
	return c, minAvailable
}

// scheduleCase runs the checks for one case on manifests in dir.
func scheduleCase(t *testing.T, sc schedCase, dir string) {
	reps := sc.env.App.Replicas
	c, minAvailable := setupCase(t, sc, dir)
	// The Deployment leaves replicas to the HPA (1 until it acts); the HPA
	// keeps at least its minimum, which this test sets as the HPA would.
	scale := func(n int) {
		if _, errOut, err := kubectl(t, "scale", "deployment", "-n", c.ns, c.deploy, fmt.Sprintf("--replicas=%d", n)); err != nil {
			t.Fatalf("scaling: %v\n%s", err, errOut)
		}
	}
	const settle = 60 * time.Second
	check := func(name string, f func() (string, error)) bool {
		start := time.Now()
		figures, err := f()
		if err != nil {
			t.Errorf("FAIL %s/%s (%s): %v", sc.name, name, time.Since(start).Round(time.Second), err)
			return false
		}
		t.Logf("ok   %s/%s (%s): %s", sc.name, name, time.Since(start).Round(time.Second), figures)
		return true
	}

	scale(reps.Min)
	check("all pods running at the HPA minimum", func() (string, error) {
		return fmt.Sprintf("%d app and %d platform pods Ready", reps.Min, c.platformWant()), c.settled(reps.Min, settle)
	})
	check("spread at the HPA minimum", c.spread)

	ng := sc.env.Cluster.Nodes
	zonesBefore := map[string]bool{}
	for _, z := range c.nodes {
		zonesBefore[z] = true
	}
	scale(reps.Max)
	added := 0
	check("all pods placed at the HPA maximum", func() (string, error) {
		// While pods stay pending for want of room the Cluster Autoscaler
		// adds a node, up to nodes.max (validate warns when the desired
		// size alone cannot hold the HPA maximum, refuses when max cannot).
		// It reacts within seconds; the last size gets the full wait.
		wait := func() time.Duration {
			if len(c.nodes) < ng.Max {
				return settle / 2
			}
			return settle
		}
		err := c.settled(reps.Max, wait())
		for err != nil && len(c.nodes) < ng.Max {
			if err := c.addNode(); err != nil {
				return "", err
			}
			added++
			err = c.settled(reps.Max, wait())
		}
		if err != nil {
			return "", err
		}
		// The spread is over the zones the group had when the HPA scaled:
		// where the app preempted platform pods rather than wait (a group
		// of one node), the autoscaler's new zone holds only those.
		figures, err := c.spreadIn(zonesBefore)
		if added > 0 {
			figures = fmt.Sprintf("%d node(s) added as the Cluster Autoscaler would (%d of nodes.max %d); %s", added, len(c.nodes), ng.Max, figures)
		}
		return figures, err
	})
	scale(reps.Min)
	if err := c.settled(reps.Min, settle); err != nil {
		t.Fatalf("back to the HPA minimum: %v", err)
	}
	if added > 0 {
		check(fmt.Sprintf("the Cluster Autoscaler's scale-down to the desired size (%d nodes)", ng.Desired), func() (string, error) {
			return c.scaleIn(ng.Desired, minAvailable(reps.Min), reps.Min, settle)
		})
	}

	check("rolling update completes", func() (string, error) {
		stop := c.watchReady()
		patch := fmt.Sprintf(`{"spec":{"template":{"metadata":{"annotations":{"e2e.lexgen/rolled":%q}}}}}`, time.Now().Format(time.RFC3339Nano))
		if _, errOut, err := kubectl(t, "patch", "deployment", "-n", c.ns, c.deploy, "--type=merge", "-p", patch); err != nil {
			stop()
			return "", fmt.Errorf("%v: %s", err, errOut)
		}
		out, errOut, err := kubectl(t, "rollout", "status", "deployment", "-n", c.ns, c.deploy, "--timeout=90s")
		least := stop()
		if err != nil {
			_, why := c.pendingWhy()
			return "", fmt.Errorf("%v: %s%s\n%s", err, out, errOut, why)
		}
		if least < minAvailable(reps.Min) {
			return "", fmt.Errorf("the app fell to %d Ready pods, below the PDB's %d", least, minAvailable(reps.Min))
		}
		return fmt.Sprintf("never below %d Ready of %d", least, reps.Min), c.settled(reps.Min, settle)
	})

	check("drain of the busiest node respects the PDB", func() (string, error) {
		node := c.busiest()
		surge := ""
		if ng := sc.env.Cluster.Nodes; len(c.nodes) == 1 && ng.Max > 1 {
			// One node cannot be drained into itself: a managed node
			// group's update launches the new node first, and the Cluster
			// Autoscaler adds one for the evicted pod. Both up to max.
			if err := c.addNode(); err != nil {
				return "", err
			}
			surge = "a second node added first (nodes.max " + strconv.Itoa(ng.Max) + "); "
			if err := c.settled(reps.Min, settle); err != nil {
				return "", err
			}
		}
		stop := c.watchReady()
		err := c.drain(node)
		least := stop()
		defer kubectl(t, "uncordon", node)
		if err != nil {
			return "", err
		}
		if least < minAvailable(reps.Min) {
			return "", fmt.Errorf("the app fell to %d Ready pods during the drain, below the PDB's minimum available %d", least, minAvailable(reps.Min))
		}
		if err := c.settled(reps.Min, settle); err != nil {
			return "", fmt.Errorf("after draining %s: %v", node, err)
		}
		figures, err := c.spread()
		return fmt.Sprintf("%sdrained %s; never below %d Ready (PDB minimum %d); %s", surge, node, least, minAvailable(reps.Min), figures), err
	})

	// The group's smallest size, the night size of a schedule or
	// nodes.min, from the zone with the most nodes, as the autoscaling
	// group balances.
	target, what := ng.Min, "nodes.min"
	if s := ng.Schedule; s != nil && s.NightSize < target {
		target, what = s.NightSize, "the night size"
	}
	if target >= ng.Desired {
		t.Logf("--   %s/scale-in: the group never runs below its desired size %d", sc.name, ng.Desired)
		return
	}
	check(fmt.Sprintf("scaled in to %s (%d nodes)", what, target), func() (string, error) {
		return c.scaleIn(target, minAvailable(reps.Min), reps.Min, settle)
	})
}

// scaleIn removes nodes until target remain, one at a time as a managed
// node group does (cordon, evict through the PDB, terminate), and checks
// the app never fell below minAvailable and everything is placed again.
func (c *cluster) scaleIn(target, minAvailable, replicas int, settle time.Duration) (string, error) {
	stop := c.watchReady()
	var removed []string
	for len(c.nodes) > target {
		node := c.scaleInVictim()
		if err := c.drain(node); err != nil {
			stop()
			return "", err
		}
		if _, errOut, err := kubectl(c.t, "delete", "node", node, "--wait=true", "--timeout=60s"); err != nil {
			stop()
			return "", fmt.Errorf("deleting node %s: %v: %s", node, err, errOut)
		}
		// What PodGC does to the pods of a node that is gone (after its
		// 40 s quarantine), done at once: the DaemonSet pods that stayed
		// for the drain, and any pod the scheduler bound to the node in
		// the moment before it saw the cordon, which no kubelet will ever
		// start. Their controllers place them again on the nodes left.
		if _, errOut, err := kubectl(c.t, "delete", "pods", "-A", "--field-selector", "spec.nodeName="+node,
			"--force", "--grace-period=0", "--wait=false"); err != nil {
			stop()
			return "", fmt.Errorf("removing the pods of node %s: %v: %s", node, err, errOut)
		}
		delete(c.nodes, node)
		c.removed[node] = true
		removed = append(removed, node)
	}
	least := stop()
	if least < minAvailable {
		return "", fmt.Errorf("the app fell to %d Ready pods during the scale-in, below the PDB's minimum available %d", least, minAvailable)
	}
	if err := c.settled(replicas, settle); err != nil {
		return "", fmt.Errorf("at %d nodes: %v", target, err)
	}
	figures, err := c.spread()
	return fmt.Sprintf("removed %s; never below %d Ready; %s", strings.Join(removed, ", "), least, figures), err
}

// drain drains node as the runbook says (out/<env>/README: the app's /tmp
// is an emptyDir), through the eviction API and so the PDB, bounded.
func (c *cluster) drain(node string) error {
	out, errOut, err := kubectl(c.t, "drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=90s")
	if err != nil {
		return fmt.Errorf("kubectl drain %s: %v\n%s", node, err, tail(out+errOut, 1500))
	}
	return nil
}

// scaleInVictim is the node an autoscaling group's scale-in removes: one in
// the zone with the most nodes (it keeps the zones balanced), the newest
// (the highest name) there.
func (c *cluster) scaleInVictim() string {
	perZone := map[string]int{}
	for _, z := range c.nodes {
		perZone[z]++
	}
	best := ""
	for n, z := range c.nodes {
		if best == "" || perZone[z] > perZone[c.nodes[best]] || perZone[z] == perZone[c.nodes[best]] && n > best {
			best = n
		}
	}
	return best
}

// busiest is the node holding the most app pods.
func (c *cluster) busiest() string {
	n := map[string]int{}
	for _, p := range c.appPods() {
		n[p.Spec.NodeName]++
	}
	best := ""
	for name := range c.nodes {
		if best == "" || n[name] > n[best] || n[name] == n[best] && name < best {
			best = name
		}
	}
	return best
}

func (c *cluster) pendingWhy() (int, string) {
	var pending []string
	ps, _ := getPods(c.t, "-A")
	for _, p := range ps {
		if p.Metadata.DeletionTimestamp == nil && p.Spec.NodeName == "" {
			pending = append(pending, p.Metadata.Namespace+"/"+p.Metadata.Name)
		}
	}
	return len(pending), c.why(pending)
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestSchedulingFailsOnABrokenManifest: the same checks fail when a
// manifest change breaks scheduling: a required anti-affinity (one pod a
// node) with more replicas at the HPA maximum than the node group has nodes.
func TestSchedulingFailsOnABrokenManifest(t *testing.T) {
	startScheduler(t)
	var sc schedCase
	for _, c := range schedCases(t) {
		if c.name == "staging" {
			sc = c
		}
	}
	if sc.env == nil {
		t.Fatal("no staging environment")
	}
	dir := filepath.Join(t.TempDir(), "kubernetes")
	copyDir(t, sc.dir, dir)
	p := filepath.Join(dir, "deployment.yaml")
	var d appsv1.Deployment
	readYAML(t, p, &d)
	aa := d.Spec.Template.Spec.Affinity
	if aa == nil || aa.PodAntiAffinity == nil || len(aa.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution) == 0 {
		t.Fatal("the Deployment no longer prefers one pod a node; update this test")
	}
	for _, w := range aa.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
		aa.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution = append(aa.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution, w.PodAffinityTerm)
	}
	aa.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution = nil
	data, err := yaml.Marshal(&d)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	c, _ := setupCase(t, sc, dir)
	max := sc.env.App.Replicas.Max
	if _, errOut, err := kubectl(t, "scale", "deployment", "-n", c.ns, c.deploy, fmt.Sprintf("--replicas=%d", max)); err != nil {
		t.Fatalf("scaling: %v\n%s", err, errOut)
	}
	err = c.settled(max, 30*time.Second)
	if err == nil {
		t.Fatalf("%d replicas with a required one-a-node anti-affinity all placed on %d nodes", max, sc.env.Cluster.Nodes.Desired)
	}
	if !strings.Contains(err.Error(), "anti-affinity") {
		t.Errorf("the failure does not give the scheduler's reason:\n%v", err)
	}
	t.Logf("fails as expected: %v", err)
}

// TestOnCaseNodes: a live pod on a node the case did not create fails the
// case's figures; one on a node the case removed waits for PodGC, and one
// being deleted is gone already.
func TestOnCaseNodes(t *testing.T) {
	c := &cluster{t: t, nodes: map[string]string{"case-0": "us-east-1a"}, removed: map[string]bool{"case-1": true}}
	on := func(node string) []pod {
		var p pod
		p.Metadata.Namespace, p.Metadata.Name, p.Spec.NodeName = "ns", "p", node
		return []pod{p}
	}
	for node, bad := range map[string]bool{"case-0": false, "case-1": false, "": false, "other-2": true} {
		err := c.onCaseNodes(on(node))
		if (err != nil) != bad {
			t.Errorf("a pod on %q: got %v, want an error: %v", node, err, bad)
		}
	}
	deleting := on("other-2")
	deleting[0].Metadata.DeletionTimestamp = new(string)
	if err := c.onCaseNodes(deleting); err != nil {
		t.Errorf("a pod being deleted: %v", err)
	}
}
