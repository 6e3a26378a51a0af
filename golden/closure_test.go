package golden

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/lexecon/lexgen/internal/render"
)

// builtin are the apiVersion/kind pairs Kubernetes itself serves that lexgen
// renders (Kubernetes 1.32 to 1.35 all serve them).
var builtin = map[string]bool{
	"v1 Namespace": true, "v1 ConfigMap": true, "v1 Service": true, "v1 ServiceAccount": true,
	"apps/v1 Deployment": true, "autoscaling/v2 HorizontalPodAutoscaler": true,
	"policy/v1 PodDisruptionBudget": true, "networking.k8s.io/v1 NetworkPolicy": true, "scheduling.k8s.io/v1 PriorityClass": true,
}

// object is the part of a rendered object the closure check reads.
type object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string            `json:"name"`
		Namespace string            `json:"namespace"`
		Labels    map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		// NetworkPolicy
		Ingress []struct {
			From []struct {
				NamespaceSelector *struct {
					MatchLabels map[string]string `json:"matchLabels"`
				} `json:"namespaceSelector"`
			} `json:"from"`
		} `json:"ingress"`
		// Application
		Source struct {
			Chart string `json:"chart"`
			Helm  *struct {
				ValuesObject struct {
					Prometheus struct {
						PrometheusSpec struct {
							ServiceMonitorSelector struct {
								MatchLabels map[string]string `json:"matchLabels"`
							} `json:"serviceMonitorSelector"`
						} `json:"prometheusSpec"`
					} `json:"prometheus"`
				} `json:"valuesObject"`
			} `json:"helm"`
		} `json:"source"`
		Destination struct {
			Namespace string `json:"namespace"`
		} `json:"destination"`
	} `json:"spec"`
}

// renderedObjects reads every Kubernetes object of one environment's
// output folder: kubernetes/ (but the kustomization), argocd/ and platform/.
func renderedObjects(t *testing.T, dir string) map[string]object {
	t.Helper()
	objs := map[string]object{}
	for _, sub := range []string{"kubernetes", "argocd", "platform"} {
		files, _ := filepath.Glob(filepath.Join(dir, sub, "*.yaml"))
		for _, f := range files {
			if filepath.Base(f) == "kustomization.yaml" {
				continue
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var o object
			if err := yaml.Unmarshal(data, &o); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			objs[sub+"/"+filepath.Base(f)] = o
		}
	}
	return objs
}

// closureProblems says what the rendered objects of one environment need
// that nothing rendered for it provides: a kind no component serves, a
// namespace a NetworkPolicy admits that nothing creates, a ServiceMonitor
// no rendered Prometheus selects.
func closureProblems(objs map[string]object) []string {
	served := map[string]string{}
	// Argo CD, installed by bootstrap-platform.sh, serves its own kinds.
	for _, k := range render.ChartCRDs["argo-cd"] {
		served[k] = "argo-cd"
	}
	namespaces := map[string]bool{"kube-system": true}
	var selectors []map[string]string
	for _, o := range objs {
		if o.Kind == "Namespace" {
			namespaces[o.Metadata.Name] = true
		}
		if o.Kind == "Application" && o.Spec.Source.Chart != "" {
			for _, k := range render.ChartCRDs[o.Spec.Source.Chart] {
				served[k] = o.Spec.Source.Chart
			}
			// Platform Applications sync with CreateNamespace=true.
			namespaces[o.Spec.Destination.Namespace] = true
			if o.Spec.Source.Chart == "kube-prometheus-stack" && o.Spec.Source.Helm != nil {
				selectors = append(selectors, o.Spec.Source.Helm.ValuesObject.Prometheus.PrometheusSpec.ServiceMonitorSelector.MatchLabels)
			}
		}
	}
	var problems []string
	for name, o := range objs {
		k := o.APIVersion + " " + o.Kind
		if !builtin[k] && served[k] == "" {
			problems = append(problems, fmt.Sprintf("%s: %s is served neither by Kubernetes nor by a CRD of the platform's components", name, k))
		}
		for _, rule := range o.Spec.Ingress {
			for _, from := range rule.From {
				if from.NamespaceSelector == nil {
					continue
				}
				if ns := from.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]; ns != "" && !namespaces[ns] {
					problems = append(problems, fmt.Sprintf("%s admits namespace %s, which nothing rendered creates", name, ns))
				}
			}
		}
		if o.Kind == "ServiceMonitor" {
			selected := false
			for _, sel := range selectors {
				match := len(sel) > 0
				for lk, lv := range sel {
					match = match && o.Metadata.Labels[lk] == lv
				}
				selected = selected || match
			}
			if !selected {
				problems = append(problems, fmt.Sprintf("%s: no rendered Prometheus selects ServiceMonitor %s (labels %v)", name, o.Metadata.Name, o.Metadata.Labels))
			}
		}
	}
	sort.Strings(problems)
	return problems
}

// outputDirs are the output folders of every environment of out/ and of
// every golden render case.
func outputDirs(t *testing.T) []string {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(repoRoot, "out", "*"))
	cases, _ := filepath.Glob(filepath.Join(repoRoot, "golden", "render", "*", "out", "*"))
	var out []string
	for _, d := range append(dirs, cases...) {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			out = append(out, d)
		}
	}
	if len(out) < 3 {
		t.Fatalf("found only %v", out)
	}
	return out
}

// TestPlatformClosure: everything lexgen renders for an environment is
// served and selected by what it renders for that environment.
func TestPlatformClosure(t *testing.T) {
	for _, dir := range outputDirs(t) {
		rel, _ := filepath.Rel(repoRoot, dir)
		t.Run(rel, func(t *testing.T) {
			for _, p := range closureProblems(renderedObjects(t, dir)) {
				t.Error(p)
			}
		})
	}
}

// TestPlatformClosureCanFail removes one component at a time from
// out/production and requires the check to name what breaks.
func TestPlatformClosureCanFail(t *testing.T) {
	dir := filepath.Join(repoRoot, "out", "production")
	for _, c := range []struct {
		remove string
		want   []string
	}{
		{"platform/external-secrets.yaml", []string{"external-secrets.io/v1 ExternalSecret", "external-secrets.io/v1 SecretStore"}},
		{"platform/kube-prometheus-stack.yaml", []string{"monitoring.coreos.com/v1 ServiceMonitor", "admits namespace monitoring", "no rendered Prometheus selects"}},
	} {
		objs := renderedObjects(t, dir)
		if _, ok := objs[c.remove]; !ok {
			t.Fatalf("out/production has no %s", c.remove)
		}
		delete(objs, c.remove)
		got := strings.Join(closureProblems(objs), "\n")
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("without %s the closure check does not report %q; it reports:\n%s", c.remove, w, got)
			}
		}
	}
	// A ServiceMonitor whose labels the Prometheus does not select.
	objs := renderedObjects(t, dir)
	sm := objs["kubernetes/servicemonitor.yaml"]
	sm.Metadata.Labels = map[string]string{"release": "someone-else"}
	objs["kubernetes/servicemonitor.yaml"] = sm
	if got := closureProblems(objs); len(got) != 1 || !strings.Contains(got[0], "no rendered Prometheus selects") {
		t.Errorf("a ServiceMonitor with other labels: the closure check reports %q", got)
	}
}
