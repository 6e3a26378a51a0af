package render

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/lexecon/lexgen/internal/model"
)

// application is the Argo CD Application that syncs out/<env>/kubernetes.
// Where the model says auto-sync, Argo CD applies every merge and undoes
// drift (prune, self-heal); otherwise a person presses sync.
func application(e *model.Environment) *Application {
	dest := ApplicationDestination{Namespace: e.Namespace(), Server: "https://kubernetes.default.svc"}
	if !e.Delivery.ArgoCD.InCluster {
		dest = ApplicationDestination{Namespace: e.Namespace(), Name: e.ClusterName()}
	}
	policy := &SyncPolicy{SyncOptions: []string{"ServerSideApply=true", "PruneLast=true"}}
	if e.Delivery.AutoSync {
		policy.Automated = &SyncPolicyAutomated{Prune: true, SelfHeal: true}
	}
	m := metav1.ObjectMeta{Name: e.ArgoAppName(), Namespace: e.Delivery.ArgoCD.Namespace, Labels: labels(e)}
	return &Application{
		TypeMeta:   metav1.TypeMeta{APIVersion: "argoproj.io/v1alpha1", Kind: "Application"},
		ObjectMeta: m,
		Spec: ApplicationSpec{
			Project: e.Delivery.ArgoCD.Project,
			Source: ApplicationSource{
				RepoURL:        e.Delivery.RepoURL,
				TargetRevision: e.Delivery.Revision,
				Path:           "out/" + e.Name + "/kubernetes",
			},
			Destination: dest,
			SyncPolicy:  policy,
		},
	}
}

func argocdFiles(e *model.Environment) ([]File, error) {
	data, err := manifest(application(e))
	if err != nil {
		return nil, err
	}
	return []File{{Path: "argocd/application.yaml", Data: append([]byte(header("#", e.Source)), data...)}}, nil
}
