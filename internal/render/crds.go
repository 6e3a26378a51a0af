package render

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Typed objects for the custom resources lexgen renders: the fields it sets
// and no others, with the JSON names of the upstream CRDs (checked against
// those CRDs by a real API server in `make e2e`). Importing the projects' own
// Go APIs would pull in their controllers' dependency trees for a few
// structs.

// External Secrets, external-secrets.io/v1.

type SecretStore struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              SecretStoreSpec `json:"spec"`
}

type SecretStoreSpec struct {
	Provider SecretStoreProvider `json:"provider"`
}

type SecretStoreProvider struct {
	AWS *AWSProvider `json:"aws,omitempty"`
}

type AWSProvider struct {
	Service string  `json:"service"`
	Region  string  `json:"region"`
	Auth    AWSAuth `json:"auth"`
}

type AWSAuth struct {
	JWT *AWSJWTAuth `json:"jwt,omitempty"`
}

type AWSJWTAuth struct {
	ServiceAccountRef ServiceAccountSelector `json:"serviceAccountRef"`
}

type ServiceAccountSelector struct {
	Name string `json:"name"`
}

type ExternalSecret struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ExternalSecretSpec `json:"spec"`
}

type ExternalSecretSpec struct {
	RefreshInterval string                       `json:"refreshInterval"`
	SecretStoreRef  SecretStoreRef               `json:"secretStoreRef"`
	Target          ExternalSecretTarget         `json:"target"`
	Data            []ExternalSecretData         `json:"data,omitempty"`
	DataFrom        []ExternalSecretDataFromItem `json:"dataFrom,omitempty"`
}

type SecretStoreRef struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

type ExternalSecretTarget struct {
	Name           string                  `json:"name"`
	CreationPolicy string                  `json:"creationPolicy"`
	DeletionPolicy string                  `json:"deletionPolicy"`
	Template       *ExternalSecretTemplate `json:"template,omitempty"`
}

type ExternalSecretTemplate struct {
	EngineVersion string            `json:"engineVersion"`
	Type          string            `json:"type"`
	Data          map[string]string `json:"data"`
}

type ExternalSecretData struct {
	SecretKey string    `json:"secretKey"`
	RemoteRef RemoteRef `json:"remoteRef"`
}

type RemoteRef struct {
	Key      string `json:"key"`
	Property string `json:"property,omitempty"`
}

type ExternalSecretDataFromItem struct {
	Find    *ExternalSecretFind     `json:"find,omitempty"`
	Rewrite []ExternalSecretRewrite `json:"rewrite,omitempty"`
}

type ExternalSecretFind struct {
	Tags map[string]string `json:"tags"`
}

type ExternalSecretRewrite struct {
	Regexp *ExternalSecretRewriteRegexp `json:"regexp,omitempty"`
}

type ExternalSecretRewriteRegexp struct {
	Source string `json:"source"`
	Target string `json:"target"`
}

// Prometheus Operator, monitoring.coreos.com/v1.

type ServiceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ServiceMonitorSpec `json:"spec"`
}

type ServiceMonitorSpec struct {
	Selector  metav1.LabelSelector `json:"selector"`
	Endpoints []MonitorEndpoint    `json:"endpoints"`
}

type MonitorEndpoint struct {
	Port     string `json:"port"`
	Path     string `json:"path"`
	Interval string `json:"interval"`
}

// Argo CD, argoproj.io/v1alpha1.

type Application struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ApplicationSpec `json:"spec"`
}

type ApplicationSpec struct {
	Project     string                 `json:"project"`
	Source      ApplicationSource      `json:"source"`
	Destination ApplicationDestination `json:"destination"`
	SyncPolicy  *SyncPolicy            `json:"syncPolicy,omitempty"`
}

type ApplicationSource struct {
	RepoURL        string `json:"repoURL"`
	TargetRevision string `json:"targetRevision"`
	Path           string `json:"path,omitempty"`
	// Chart and Helm: a chart from a Helm repository, with its values.
	Chart string                 `json:"chart,omitempty"`
	Helm  *ApplicationSourceHelm `json:"helm,omitempty"`
}

type ApplicationSourceHelm struct {
	ReleaseName  string `json:"releaseName"`
	ValuesObject any    `json:"valuesObject,omitempty"`
}

type ApplicationDestination struct {
	Server    string `json:"server,omitempty"`
	Name      string `json:"name,omitempty"`
	Namespace string `json:"namespace"`
}

type SyncPolicy struct {
	Automated   *SyncPolicyAutomated `json:"automated,omitempty"`
	SyncOptions []string             `json:"syncOptions,omitempty"`
}

type SyncPolicyAutomated struct {
	Prune    bool `json:"prune"`
	SelfHeal bool `json:"selfHeal"`
}
