package render

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lexecon/lexgen/internal/model"
)

// Component is one in-cluster part of the platform: an upstream Helm chart
// at the model's pinned version, synced by Argo CD into its namespace.
type Component struct {
	// Name is the Application's and the Helm release's name.
	Name      string
	Namespace string
	Chart     model.Chart
	// Wave is the Argo CD sync wave: components that install CRDs sync
	// before those that use them.
	Wave int
	// CRDs are the custom resources (group/version Kind) the chart
	// installs, from the pinned chart's crds/ or templates (the closure
	// check counts them; e2e installs them from ../shared/crds).
	CRDs []string
	// Pods are the pods the chart runs with lexgen's values and their
	// requests (the capacity check counts them).
	Pods   []PlatformPod
	values any
}

// PlatformPod is one workload of a component: a DaemonSet runs one on every
// node, a Deployment or StatefulSet Replicas in the cluster.
type PlatformPod struct {
	Name      string
	DaemonSet bool
	Replicas  int
	CPU       string
	Memory    string
	// Priority is the PriorityClass its pods run at ("" for none, priority
	// 0): the app's class (AppPriority) may preempt those without one.
	Priority string
}

// The built-in classes every cluster has (the kube-apiserver creates them).
const (
	nodeCritical    = "system-node-critical"
	clusterCritical = "system-cluster-critical"
)

// requests is the resources block of a chart's values: explicit requests
// and a memory limit for every platform pod.
func requests(p PlatformPod) *corev1.ResourceRequirements {
	return &corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(p.CPU), corev1.ResourceMemory: resource.MustParse(p.Memory)},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(p.Memory)},
	}
}

// Values of the charts: only what lexgen sets, with the charts' own key
// names (each chart's values.yaml at the pinned version).
type resourcesOnly struct {
	Resources *corev1.ResourceRequirements `json:"resources"`
}

type esoValues struct {
	InstallCRDs    bool                         `json:"installCRDs"`
	Resources      *corev1.ResourceRequirements `json:"resources"`
	Webhook        resourcesOnly                `json:"webhook"`
	CertController resourcesOnly                `json:"certController"`
}

type reloaderValues struct {
	Reloader struct {
		Deployment resourcesOnly `json:"deployment"`
	} `json:"reloader"`
}

type promStackValues struct {
	Grafana      enabled `json:"grafana"`
	Alertmanager enabled `json:"alertmanager"`
	Prometheus   struct {
		PrometheusSpec struct {
			// lexgen states the selector itself rather than relying on the
			// chart's default (monitors labelled release: <release>).
			ServiceMonitorSelectorNilUsesHelmValues bool                         `json:"serviceMonitorSelectorNilUsesHelmValues"`
			ServiceMonitorSelector                  metav1.LabelSelector         `json:"serviceMonitorSelector"`
			ServiceMonitorNamespaceSelector         metav1.LabelSelector         `json:"serviceMonitorNamespaceSelector"`
			Resources                               *corev1.ResourceRequirements `json:"resources"`
		} `json:"prometheusSpec"`
	} `json:"prometheus"`
	PrometheusOperator resourcesOnly `json:"prometheusOperator"`
	KubeStateMetrics   resourcesOnly `json:"kube-state-metrics"`
	NodeExporter       struct {
		Resources *corev1.ResourceRequirements `json:"resources"`
		// A node's exporter must not be what the app preempts: a DaemonSet
		// pod has nowhere else to go.
		PriorityClassName string `json:"priorityClassName"`
	} `json:"prometheus-node-exporter"`
}

type enabled struct {
	Enabled bool `json:"enabled"`
}

type autoscalerValues struct {
	CloudProvider string `json:"cloudProvider"`
	AWSRegion     string `json:"awsRegion"`
	AutoDiscovery struct {
		ClusterName string `json:"clusterName"`
	} `json:"autoDiscovery"`
	RBAC struct {
		ServiceAccount struct {
			Create      bool              `json:"create"`
			Name        string            `json:"name"`
			Annotations map[string]string `json:"annotations"`
		} `json:"serviceAccount"`
	} `json:"rbac"`
	ExtraArgs         map[string]string            `json:"extraArgs"`
	Resources         *corev1.ResourceRequirements `json:"resources"`
	PriorityClassName string                       `json:"priorityClassName"`
}

// ChartCRDs are the custom resources (group/version Kind) each pinned chart
// installs, by chart name: the closure check (golden/closure_test.go) counts
// a kind as served only if a rendered component installs it. From each
// chart's crds/ at the pinned version; Argo CD's are installed by
// bootstrap-platform.sh.
var ChartCRDs = map[string][]string{
	"external-secrets": {"external-secrets.io/v1 SecretStore", "external-secrets.io/v1 ExternalSecret", "external-secrets.io/v1 ClusterSecretStore", "external-secrets.io/v1 ClusterExternalSecret"},
	"kube-prometheus-stack": {"monitoring.coreos.com/v1 ServiceMonitor", "monitoring.coreos.com/v1 PodMonitor", "monitoring.coreos.com/v1 Prometheus", "monitoring.coreos.com/v1 PrometheusRule",
		"monitoring.coreos.com/v1 Alertmanager", "monitoring.coreos.com/v1 Probe", "monitoring.coreos.com/v1 ThanosRuler",
		"monitoring.coreos.com/v1alpha1 AlertmanagerConfig", "monitoring.coreos.com/v1alpha1 ScrapeConfig", "monitoring.coreos.com/v1alpha1 PrometheusAgent"},
	"argo-cd": {"argoproj.io/v1alpha1 Application", "argoproj.io/v1alpha1 AppProject", "argoproj.io/v1alpha1 ApplicationSet"},
}

// Platform lists the in-cluster components of e's platform, in sync order.
// Argo CD itself is installed by scripts/bootstrap-platform.sh.
func Platform(e *model.Environment) []Component {
	p := e.Platform
	var cs []Component

	eso := Component{Name: "external-secrets", Namespace: "external-secrets", Chart: p.ExternalSecrets, Wave: -2,
		CRDs: ChartCRDs["external-secrets"],
		Pods: []PlatformPod{
			{Name: "external-secrets", Replicas: 1, CPU: "10m", Memory: "64Mi"},
			{Name: "external-secrets-webhook", Replicas: 1, CPU: "10m", Memory: "32Mi"},
			{Name: "external-secrets-cert-controller", Replicas: 1, CPU: "10m", Memory: "32Mi"},
		}}
	eso.values = esoValues{InstallCRDs: true, Resources: requests(eso.Pods[0]),
		Webhook: resourcesOnly{requests(eso.Pods[1])}, CertController: resourcesOnly{requests(eso.Pods[2])}}
	cs = append(cs, eso)

	if p.Prometheus.Install {
		ps := Component{Name: "kube-prometheus-stack", Namespace: e.App.MonitoringNamespace, Chart: p.Prometheus.Chart, Wave: -2,
			CRDs: ChartCRDs["kube-prometheus-stack"],
			Pods: []PlatformPod{
				{Name: "prometheus", Replicas: 1, CPU: "100m", Memory: "512Mi"},
				{Name: "prometheus-operator", Replicas: 1, CPU: "50m", Memory: "64Mi"},
				{Name: "kube-state-metrics", Replicas: 1, CPU: "10m", Memory: "64Mi"},
				{Name: "node-exporter", DaemonSet: true, CPU: "10m", Memory: "32Mi", Priority: nodeCritical},
			}}
		v := promStackValues{}
		v.Prometheus.PrometheusSpec.ServiceMonitorSelector = metav1.LabelSelector{MatchLabels: p.Prometheus.ServiceMonitorLabels}
		v.Prometheus.PrometheusSpec.Resources = requests(ps.Pods[0])
		v.PrometheusOperator.Resources = requests(ps.Pods[1])
		v.KubeStateMetrics.Resources = requests(ps.Pods[2])
		v.NodeExporter.Resources = requests(ps.Pods[3])
		v.NodeExporter.PriorityClassName = ps.Pods[3].Priority
		ps.values = v
		cs = append(cs, ps)
	}

	rl := Component{Name: "reloader", Namespace: "reloader", Chart: p.Reloader, Wave: 0,
		Pods: []PlatformPod{{Name: "reloader", Replicas: 1, CPU: "10m", Memory: "64Mi"}}}
	rv := reloaderValues{}
	rv.Reloader.Deployment.Resources = requests(rl.Pods[0])
	rl.values = rv
	cs = append(cs, rl)

	ca := Component{Name: "cluster-autoscaler", Namespace: model.ClusterAutoscalerNamespace, Chart: p.ClusterAutoscaler, Wave: 0,
		Pods: []PlatformPod{{Name: "cluster-autoscaler", Replicas: 1, CPU: "50m", Memory: "128Mi", Priority: clusterCritical}}}
	av := autoscalerValues{CloudProvider: "aws", AWSRegion: e.AWS.Region, Resources: requests(ca.Pods[0]), PriorityClassName: ca.Pods[0].Priority,
		// Never below the node group's min, never above its max: the
		// group's own limits bound it; balance keeps the zones even.
		ExtraArgs: map[string]string{"balance-similar-node-groups": "true", "skip-nodes-with-local-storage": "false"}}
	av.AutoDiscovery.ClusterName = e.ClusterName()
	av.RBAC.ServiceAccount.Create = true
	av.RBAC.ServiceAccount.Name = model.ClusterAutoscalerServiceAccount
	av.RBAC.ServiceAccount.Annotations = map[string]string{"eks.amazonaws.com/role-arn": e.ClusterAutoscalerRoleARN()}
	ca.values = av
	cs = append(cs, ca)
	return cs
}

// platformApplication is the Argo CD Application that installs c. Platform
// components sync automatically in every tier: their versions change only
// through a reviewed change of envs/ or schema/.
func platformApplication(e *model.Environment, c Component) *Application {
	dest := ApplicationDestination{Namespace: c.Namespace, Server: "https://kubernetes.default.svc"}
	if !e.Delivery.ArgoCD.InCluster {
		dest = ApplicationDestination{Namespace: c.Namespace, Name: e.ClusterName()}
	}
	l := map[string]string{"app.kubernetes.io/part-of": e.Service + "-platform", "app.kubernetes.io/managed-by": "lexgen", "lexecon.dev/environment": e.Name}
	return &Application{
		TypeMeta: metav1.TypeMeta{APIVersion: "argoproj.io/v1alpha1", Kind: "Application"},
		ObjectMeta: metav1.ObjectMeta{
			Name: e.Name + "-" + c.Name, Namespace: e.Delivery.ArgoCD.Namespace, Labels: l,
			Annotations: map[string]string{"argocd.argoproj.io/sync-wave": strconv.Itoa(c.Wave)},
		},
		Spec: ApplicationSpec{
			Project: e.Delivery.ArgoCD.Project,
			Source: ApplicationSource{
				RepoURL: c.Chart.Repo, Chart: c.Chart.Name, TargetRevision: c.Chart.Version,
				Helm: &ApplicationSourceHelm{ReleaseName: c.Name, ValuesObject: c.values},
			},
			Destination: dest,
			SyncPolicy: &SyncPolicy{
				Automated: &SyncPolicyAutomated{Prune: true, SelfHeal: true},
				// CRDs of kube-prometheus-stack are too large for a
				// client-side apply's last-applied annotation.
				SyncOptions: []string{"CreateNamespace=true", "ServerSideApply=true"},
			},
		},
	}
}

func platformFiles(e *model.Environment) ([]File, error) {
	var files []File
	for _, c := range Platform(e) {
		data, err := manifest(platformApplication(e, c))
		if err != nil {
			return nil, err
		}
		files = append(files, File{Path: fmt.Sprintf("platform/%s.yaml", c.Name), Data: append([]byte(header("#", e.Source)), data...)})
	}
	if e.Delivery.ArgoCD.InCluster {
		data, err := manifest(argocdValuesFor())
		if err != nil {
			return nil, err
		}
		files = append(files, File{Path: ArgoCDValuesPath, Data: append([]byte(header("#", e.Source)), data...)})
	}
	return files, nil
}

// argocdValues are the argo-cd chart's values bootstrap-platform.sh installs
// it with: explicit requests for every pod, and no Dex or notifications
// controller (two pods nothing here uses).
type argocdValues struct {
	Controller     resourcesOnly `json:"controller"`
	RepoServer     resourcesOnly `json:"repoServer"`
	Server         resourcesOnly `json:"server"`
	Redis          resourcesOnly `json:"redis"`
	ApplicationSet resourcesOnly `json:"applicationSet"`
	Dex            enabled       `json:"dex"`
	Notifications  enabled       `json:"notifications"`
}

// argocdPods are Argo CD's pods with those values.
var argocdPods = []PlatformPod{
	{Name: "argocd-application-controller", Replicas: 1, CPU: "100m", Memory: "256Mi"},
	{Name: "argocd-repo-server", Replicas: 1, CPU: "50m", Memory: "128Mi"},
	{Name: "argocd-server", Replicas: 1, CPU: "20m", Memory: "64Mi"},
	{Name: "argocd-redis", Replicas: 1, CPU: "20m", Memory: "64Mi"},
	{Name: "argocd-applicationset-controller", Replicas: 1, CPU: "10m", Memory: "64Mi"},
}

func argocdValuesFor() argocdValues {
	return argocdValues{
		Controller: resourcesOnly{requests(argocdPods[0])}, RepoServer: resourcesOnly{requests(argocdPods[1])},
		Server: resourcesOnly{requests(argocdPods[2])}, Redis: resourcesOnly{requests(argocdPods[3])},
		ApplicationSet: resourcesOnly{requests(argocdPods[4])},
	}
}

// ArgoCDValuesPath is where the Argo CD values go, under out/<env>/.
const ArgoCDValuesPath = "platform/argocd/values.yaml"

// addonPods are the pods the EKS add-ons run, at their requests as the
// add-ons ship them (the add-ons' manifests: aws-node 25m CPU, kube-proxy
// 100m, CoreDNS 2 x 100m and 70Mi; metrics-server 100m and 200Mi, counted
// at 2 replicas; the pod identity agent sets no requests). Their priority
// classes are the add-ons' too: the node agents system-node-critical,
// CoreDNS and metrics-server system-cluster-critical.
var addonPods = []PlatformPod{
	{Name: "aws-node", DaemonSet: true, CPU: "25m", Memory: "0", Priority: nodeCritical},
	{Name: "kube-proxy", DaemonSet: true, CPU: "100m", Memory: "0", Priority: nodeCritical},
	{Name: "eks-pod-identity-agent", DaemonSet: true, CPU: "0", Memory: "0", Priority: nodeCritical},
	{Name: "coredns", Replicas: 2, CPU: "100m", Memory: "70Mi", Priority: clusterCritical},
	{Name: "metrics-server", Replicas: 2, CPU: "100m", Memory: "200Mi", Priority: clusterCritical},
}

// PlatformPods are every pod the platform runs in e's cluster besides the
// app: the EKS add-ons', the in-cluster components' and Argo CD's (when it
// runs in the cluster). The capacity check counts them.
func PlatformPods(e *model.Environment) []PlatformPod {
	pods := append([]PlatformPod{}, addonPods...)
	for _, c := range Platform(e) {
		pods = append(pods, c.Pods...)
	}
	if e.Delivery.ArgoCD.InCluster {
		pods = append(pods, argocdPods...)
	}
	return pods
}
