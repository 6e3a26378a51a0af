package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	goyaml "go.yaml.in/yaml/v2"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/lexecon/lexgen/internal/model"
)

// k8sObject is one Kubernetes manifest and the file it goes to.
type k8sObject struct {
	file string
	obj  any
}

// kubernetesObjects builds the application's objects in apply order.
func kubernetesObjects(e *model.Environment) ([]k8sObject, error) {
	cm := configMap(e)
	dep, err := deployment(e, cm)
	if err != nil {
		return nil, err
	}
	objs := []k8sObject{
		{"namespace.yaml", namespace(e)},
		{"priorityclass.yaml", priorityClass(e)},
		{"serviceaccount.yaml", serviceAccount(e)},
		{"serviceaccount-external-secrets.yaml", externalSecretsServiceAccount(e)},
		{"secretstore.yaml", secretStore(e)},
		{"externalsecret.yaml", externalSecret(e)},
		{"configmap.yaml", cm},
		{"deployment.yaml", dep},
		{"service.yaml", service(e)},
		{"hpa.yaml", hpa(e)},
		{"pdb.yaml", pdb(e)},
		{"networkpolicy.yaml", networkPolicy(e)},
	}
	if e.App.MetricsEnabled {
		objs = append(objs, k8sObject{"servicemonitor.yaml", serviceMonitor(e)})
	}
	return objs, nil
}

func kubernetesFiles(e *model.Environment) ([]File, error) {
	objs, err := kubernetesObjects(e)
	if err != nil {
		return nil, err
	}
	head := header("#", e.Source)
	var files []File
	var names []string
	for _, o := range objs {
		data, err := manifest(o.obj)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.file, err)
		}
		files = append(files, File{Path: "kubernetes/" + o.file, Data: append([]byte(head), data...)})
		names = append(names, o.file)
	}
	k, err := yaml.Marshal(kustomization{
		APIVersion: "kustomize.config.k8s.io/v1beta1",
		Kind:       "Kustomization",
		Namespace:  e.Namespace(),
		Resources:  names,
	})
	if err != nil {
		return nil, err
	}
	files = append(files, File{Path: "kubernetes/kustomization.yaml", Data: append([]byte(head), k...)})
	return files, nil
}

// kustomization is the part of kustomize's Kustomization that lexgen writes,
// so that `kubectl apply -k out/<env>/kubernetes` applies every file.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Namespace  string   `json:"namespace"`
	Resources  []string `json:"resources"`
}

// manifest serializes a typed object as YAML without the fields that only the
// API server fills in (status, a null creationTimestamp), so the committed
// file holds what lexgen decides and nothing else.
//
// It writes what sigs.k8s.io/yaml.Marshal writes (the object's JSON form,
// as YAML with sorted keys), without that library's second parse of the
// JSON, which was a quarter of the time of rendering a thousand environments.
func manifest(obj any) ([]byte, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	delete(m, "status")
	pruneCreationTimestamps(m)
	return goyaml.Marshal(yamlValue(m))
}

// yamlValue converts a decoded JSON value into the types go-yaml gives the
// same document when it reads it (integers as int, other numbers as
// float64), so that it writes each scalar the same way.
func yamlValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[any]any, len(x))
		for k, c := range x {
			m[k] = yamlValue(c)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, c := range x {
			l[i] = yamlValue(c)
		}
		return l
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

func pruneCreationTimestamps(v any) {
	switch x := v.(type) {
	case map[string]any:
		if ts, ok := x["creationTimestamp"]; ok && ts == nil {
			delete(x, "creationTimestamp")
		}
		for _, c := range x {
			pruneCreationTimestamps(c)
		}
	case []any:
		for _, c := range x {
			pruneCreationTimestamps(c)
		}
	}
}

// labels are the app.kubernetes.io labels on every object; selector is the
// stable subset a Deployment and Service select pods by (never the version,
// which changes with every release).
func labels(e *model.Environment) map[string]string {
	l := selector(e)
	l["app.kubernetes.io/part-of"] = e.Service
	l["app.kubernetes.io/managed-by"] = "lexgen"
	l["lexecon.dev/environment"] = e.Name
	return l
}

// versioned adds the image tag as app.kubernetes.io/version, which only the
// Deployment and its pods carry: there it says what runs, and an image bump
// changes the Deployment alone instead of every object.
func versioned(e *model.Environment, l map[string]string) map[string]string {
	l["app.kubernetes.io/version"] = e.App.Image.Tag
	return l
}

func selector(e *model.Environment) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":     e.Service,
		"app.kubernetes.io/instance": e.AppName(),
	}
}

func meta(e *model.Environment, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: e.Namespace(), Labels: labels(e)}
}

func namespace(e *model.Environment) *corev1.Namespace {
	l := labels(e)
	for _, mode := range []string{"enforce", "audit", "warn"} {
		l["pod-security.kubernetes.io/"+mode] = "restricted"
		l["pod-security.kubernetes.io/"+mode+"-version"] = "latest"
	}
	return &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: e.Namespace(), Labels: l},
	}
}

func serviceAccount(e *model.Environment) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{
		TypeMeta:                     metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
		ObjectMeta:                   meta(e, e.Service),
		AutomountServiceAccountToken: ptr(false),
	}
}

// configMap holds the non-secret configuration the seed lists.
func configMap(e *model.Environment) *corev1.ConfigMap {
	// The model's own settings first; the schema refuses app.env names that
	// lexgen sets, so neither hides the other.
	data := make(map[string]string, len(e.App.Env)+6)
	for k, v := range e.App.Env {
		data[k] = v
	}
	for k, v := range map[string]string{
		"ENVIRONMENT":  e.Name,
		"LOG_LEVEL":    e.App.LogLevel,
		"SERVICE_NAME": e.Service,
		"AWS_REGION":   e.AWS.Region,
		"PORT":         strconv.Itoa(e.App.Port),
		"METRICS_PATH": e.App.MetricsPath,
	} {
		data[k] = v
	}
	if !e.App.MetricsEnabled {
		delete(data, "METRICS_PATH")
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta(e, e.ConfigMapName()),
		Data:       data,
	}
}

// checksum is a digest of the ConfigMap's data; as a pod annotation it makes
// a configuration change roll the pods.
func checksum(cm *corev1.ConfigMap) string {
	keys := make([]string, 0, len(cm.Data))
	for k := range cm.Data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%q=%q\n", k, cm.Data[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

const httpPort = "http"

func deployment(e *model.Environment, cm *corev1.ConfigMap) (*appsv1.Deployment, error) {
	res, err := resources(e.App.Resources)
	if err != nil {
		return nil, err
	}
	annotations := map[string]string{"checksum/config": checksum(cm)}
	if e.App.MetricsEnabled {
		annotations["prometheus.io/scrape"] = "true"
		annotations["prometheus.io/port"] = strconv.Itoa(e.App.Port)
		annotations["prometheus.io/path"] = e.App.MetricsPath
	}
	// Readiness asks the health path, which the seed says checks the
	// database: a pod that cannot reach it leaves the Service and comes back.
	// Liveness and startup only ask whether the process accepts connections
	// on its port: a database failover must not restart every pod at once,
	// and a slow start gets 5 x 30 s before liveness may restart it.
	readiness := &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: e.App.HealthPath, Port: intstr.FromString(httpPort),
		}},
		PeriodSeconds: 5, TimeoutSeconds: 3, FailureThreshold: 3,
	}
	listening := func(period, failures int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString(httpPort)}},
			PeriodSeconds: period, TimeoutSeconds: 3, FailureThreshold: failures,
		}
	}
	liveness, startup := listening(10, 3), listening(5, 30)
	spread := func(key string, when corev1.UnsatisfiableConstraintAction) corev1.TopologySpreadConstraint {
		return corev1.TopologySpreadConstraint{
			MaxSkew:           1,
			TopologyKey:       key,
			WhenUnsatisfiable: when,
			LabelSelector:     &metav1.LabelSelector{MatchLabels: selector(e)},
			// A cordoned node (a drain) is not a place to spread to: by
			// default its zone would still count, with no pods, and hold
			// the other zones to one pod each.
			NodeTaintsPolicy: ptr(corev1.NodeInclusionPolicyHonor),
		}
	}
	podLabels := versioned(e, labels(e))
	m := meta(e, e.AppName())
	m.Labels = versioned(e, m.Labels)
	m.Annotations = restartOnSecretChange(e)
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: m,
		Spec: appsv1.DeploymentSpec{
			// No replicas: the HorizontalPodAutoscaler owns the count, and a
			// fixed number here would reset it on every apply.
			Selector:             &metav1.LabelSelector{MatchLabels: selector(e)},
			RevisionHistoryLimit: ptr(int32(10)),
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxUnavailable: ptr(intstr.FromInt32(0)),
					MaxSurge:       ptr(intstr.FromInt32(1)),
				},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels, Annotations: annotations},
				Spec: corev1.PodSpec{
					ServiceAccountName:           e.Service,
					AutomountServiceAccountToken: ptr(false),
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   ptr(true),
						RunAsUser:      ptr(e.App.RunAsUser),
						RunAsGroup:     ptr(e.App.RunAsUser),
						FSGroup:        ptr(e.App.RunAsUser),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
						PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
							Weight: 100,
							PodAffinityTerm: corev1.PodAffinityTerm{
								TopologyKey:   "kubernetes.io/hostname",
								LabelSelector: &metav1.LabelSelector{MatchLabels: selector(e)},
							},
						}},
					}},
					// The zones are kept even (a zone's outage takes at most
					// half the pods, rounded up), the nodes preferably: when
					// the zone a pod must go to is full, the priority class
					// lets the scheduler preempt a platform pod rather than
					// stack the app in one zone (issue 14: after a drain,
					// both replicas landed in one zone with ScheduleAnyway).
					PriorityClassName: e.AppName(),
					TopologySpreadConstraints: []corev1.TopologySpreadConstraint{
						spread("topology.kubernetes.io/zone", corev1.DoNotSchedule),
						spread("kubernetes.io/hostname", corev1.ScheduleAnyway),
					},
					Containers: []corev1.Container{{
						Name:  e.Service,
						Image: e.App.Image.Ref(),
						Ports: []corev1.ContainerPort{{Name: httpPort, ContainerPort: int32(e.App.Port), Protocol: corev1.ProtocolTCP}},
						EnvFrom: []corev1.EnvFromSource{
							{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: e.ConfigMapName()}}},
							{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: e.AppSecretName()}}},
						},
						Resources:      res,
						LivenessProbe:  liveness,
						ReadinessProbe: readiness,
						StartupProbe:   startup,
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: ptr(false),
							ReadOnlyRootFilesystem:   ptr(true),
							RunAsNonRoot:             ptr(true),
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						},
						VolumeMounts: []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}},
					}},
					Volumes: []corev1.Volume{{
						Name:         "tmp",
						VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: ptr(resource.MustParse(tmpSize))}},
					}},
				},
			},
		},
	}, nil
}

// The app's local disk: its root filesystem is read-only, so it writes
// only logs and /tmp (an emptyDir of at most tmpSize). The limit bounds
// what one pod can take from its node's disk before the kubelet evicts it.
const (
	tmpSize          = "512Mi"
	ephemeralRequest = "128Mi"
	ephemeralLimit   = "1Gi"
)

func resources(r model.Resources) (corev1.ResourceRequirements, error) {
	list := func(q model.Quantities) (corev1.ResourceList, error) {
		cpu, err := resource.ParseQuantity(q.CPU)
		if err != nil {
			return nil, fmt.Errorf("cpu %q: %w", q.CPU, err)
		}
		mem, err := resource.ParseQuantity(q.Memory)
		if err != nil {
			return nil, fmt.Errorf("memory %q: %w", q.Memory, err)
		}
		return corev1.ResourceList{corev1.ResourceCPU: cpu, corev1.ResourceMemory: mem}, nil
	}
	req, err := list(r.Requests)
	if err != nil {
		return corev1.ResourceRequirements{}, err
	}
	lim, err := list(r.Limits)
	if err != nil {
		return corev1.ResourceRequirements{}, err
	}
	req[corev1.ResourceEphemeralStorage] = resource.MustParse(ephemeralRequest)
	lim[corev1.ResourceEphemeralStorage] = resource.MustParse(ephemeralLimit)
	return corev1.ResourceRequirements{Requests: req, Limits: lim}, nil
}

// service exposes the app on port 80 inside the cluster, as the seed's
// `kubectl port-forward svc/lexecon-staging 8000:80` expects.
func service(e *model.Environment) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta(e, e.AppName()),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: selector(e),
			Ports: []corev1.ServicePort{{
				Name: httpPort, Port: 80, TargetPort: intstr.FromString(httpPort), Protocol: corev1.ProtocolTCP,
			}},
		},
	}
}

func hpa(e *model.Environment) *autoscalingv2.HorizontalPodAutoscaler {
	target := func(name corev1.ResourceName, percent int) autoscalingv2.MetricSpec {
		return autoscalingv2.MetricSpec{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{
				Name:   name,
				Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(int32(percent))},
			},
		}
	}
	return &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: meta(e, e.AppName()),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: e.AppName()},
			MinReplicas:    ptr(int32(e.App.Replicas.Min)),
			MaxReplicas:    int32(e.App.Replicas.Max),
			Metrics: []autoscalingv2.MetricSpec{
				target(corev1.ResourceCPU, e.App.Autoscaling.CPUPercent),
				target(corev1.ResourceMemory, e.App.Autoscaling.MemoryPercent),
			},
		},
	}
}

// AppPriority is the app's pods' priority: above the platform components
// that set none (External Secrets, Argo CD, Prometheus, Reloader: 0), below
// the system classes of the EKS add-ons, node-exporter and the Cluster
// Autoscaler (2,000,000,000 and up).
const AppPriority = 1000

// priorityClass lets the app's pods preempt a platform component when the
// zone their spread requires has no room (a drain, a scale-up); the
// component goes pending and the Cluster Autoscaler adds a node for it. It
// is cluster-wide, named for the environment.
func priorityClass(e *model.Environment) *schedulingv1.PriorityClass {
	return &schedulingv1.PriorityClass{
		TypeMeta:         metav1.TypeMeta{APIVersion: "scheduling.k8s.io/v1", Kind: "PriorityClass"},
		ObjectMeta:       metav1.ObjectMeta{Name: e.AppName(), Labels: labels(e)},
		Value:            AppPriority,
		PreemptionPolicy: ptr(corev1.PreemptLowerPriority),
		Description:      "The " + e.AppName() + " pods: placed before the platform's components (lexgen).",
	}
}

// pdb lets a node drain evict one pod at a time, so N-1 keep serving. A pod
// that is not ready may always be evicted, so a broken one never blocks a
// drain.
func pdb(e *model.Environment) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: meta(e, e.AppName()),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable:             ptr(intstr.FromInt32(1)),
			Selector:                   &metav1.LabelSelector{MatchLabels: selector(e)},
			UnhealthyPodEvictionPolicy: ptr(policyv1.AlwaysAllow),
		},
	}
}

// networkPolicy admits traffic to the app port only from the namespace
// itself and from the monitoring namespace, and lets the pods reach only DNS,
// the database port and HTTPS (AWS APIs).
func networkPolicy(e *model.Environment) *networkingv1.NetworkPolicy {
	nsPeer := func(ns string) networkingv1.NetworkPolicyPeer {
		return networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns},
		}}
	}
	port := func(proto corev1.Protocol, p int) networkingv1.NetworkPolicyPort {
		return networkingv1.NetworkPolicyPort{Protocol: ptr(proto), Port: ptr(intstr.FromInt(p))}
	}
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: meta(e, e.AppName()),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: selector(e)},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{nsPeer(e.Namespace()), nsPeer(e.App.MonitoringNamespace)},
				Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolTCP, e.App.Port)},
			}},
			Egress: []networkingv1.NetworkPolicyEgressRule{
				{Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolUDP, 53), port(corev1.ProtocolTCP, 53)}},
				{Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolTCP, e.Database.Port)}},
				{Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolTCP, 443)}},
			},
		},
	}
}

// serviceMonitor carries the labels the Prometheus selects monitors by
// (platform.prometheus.serviceMonitorLabels): the one it installs, or an
// existing one.
func serviceMonitor(e *model.Environment) *ServiceMonitor {
	m := meta(e, e.AppName())
	for k, v := range e.Platform.Prometheus.ServiceMonitorLabels {
		m.Labels[k] = v
	}
	return &ServiceMonitor{
		TypeMeta:   metav1.TypeMeta{APIVersion: "monitoring.coreos.com/v1", Kind: "ServiceMonitor"},
		ObjectMeta: m,
		Spec: ServiceMonitorSpec{
			Selector:  metav1.LabelSelector{MatchLabels: selector(e)},
			Endpoints: []MonitorEndpoint{{Port: httpPort, Path: e.App.MetricsPath, Interval: "30s"}},
		},
	}
}

func ptr[T any](v T) *T { return &v }
