// Package model holds one environment as plain Go values, decoded from CUE
// after validation, so that renderers never see an incomplete value.
package model

// Environment mirrors schema.#Environment field for field; the JSON names are
// the CUE field names.
type Environment struct {
	Name     string            `json:"name"`
	Tier     string            `json:"tier"`
	Service  string            `json:"service"`
	AWS      AWS               `json:"aws"`
	Cluster  Cluster           `json:"cluster"`
	Database Database          `json:"database"`
	App      App               `json:"app"`
	Secrets  Secrets           `json:"secrets"`
	Delivery Delivery          `json:"delivery"`
	Recovery Recovery          `json:"recovery"`
	Platform Platform          `json:"platform"`
	Tags     map[string]string `json:"tags"`
	// ExpectedMonthlyCost is what the team expects the environment to cost
	// (the seed's estimate), if it says.
	ExpectedMonthlyCost *CostRange `json:"expectedMonthlyCost,omitempty"`

	// Source is the environment's file relative to the repository root
	// (envs/production.cue); the loader sets it, CUE does not.
	Source string `json:"-"`
	// Prices are the list prices of schema/prices.cue, shared by every
	// environment; the loader sets them.
	Prices *Prices `json:"-"`
}

// ProductionTier is the tier whose policies guard availability and data.
const ProductionTier = "production"

// IsProduction reports whether the production-tier policies apply.
func (e *Environment) IsProduction() bool { return e.Tier == ProductionTier }

type AWS struct {
	AccountID       string   `json:"accountId"`
	Region          string   `json:"region"`
	VPCID           string   `json:"vpcId"`
	NodeSubnets     []Subnet `json:"nodeSubnets"`
	DatabaseSubnets []Subnet `json:"databaseSubnets"`
}

type Subnet struct {
	ID   string `json:"id"`
	Zone string `json:"zone"`
}

type Cluster struct {
	KubernetesVersion    string    `json:"kubernetesVersion"`
	EndpointPublicAccess bool      `json:"endpointPublicAccess"`
	PublicAccessCIDRs    []string  `json:"publicAccessCidrs"`
	LogTypes             []string  `json:"logTypes"`
	Admins               []string  `json:"admins"`
	LogRetentionDays     int       `json:"logRetentionDays"`
	Nodes                NodeGroup `json:"nodes"`
}

type NodeGroup struct {
	InstanceType string `json:"instanceType"`
	Desired      int    `json:"desired"`
	Min          int    `json:"min"`
	Max          int    `json:"max"`
	DiskSizeGiB  int    `json:"diskSizeGiB"`
	// CapacityType is ON_DEMAND or SPOT.
	CapacityType      string    `json:"capacityType"`
	SpotInstanceTypes []string  `json:"spotInstanceTypes"`
	Schedule          *Schedule `json:"schedule,omitempty"`
}

// Schedule scales a node group down at night.
type Schedule struct {
	TimeZone  string `json:"timeZone"`
	Days      string `json:"days"` // MON-FRI or MON-SUN
	DownAt    string `json:"downAt"`
	UpAt      string `json:"upAt"`
	NightSize int    `json:"nightSize"`
}

// BackupReplication copies automated backups to another region.
type BackupReplication struct {
	Region        string `json:"region"`
	RetentionDays int    `json:"retentionDays"`
}

type Database struct {
	EngineVersion             string             `json:"engineVersion"`
	InstanceClass             string             `json:"instanceClass"`
	AllocatedStorageGiB       int                `json:"allocatedStorageGiB"`
	MultiAZ                   bool               `json:"multiAZ"`
	BackupRetentionDays       int                `json:"backupRetentionDays"`
	BackupWindow              string             `json:"backupWindow"`
	MaintenanceWindow         string             `json:"maintenanceWindow"`
	DeletionProtection        bool               `json:"deletionProtection"`
	MaxAllocatedStorageGiB    int                `json:"maxAllocatedStorageGiB"`
	FinalSnapshot             bool               `json:"finalSnapshot"`
	CopyTagsToSnapshot        bool               `json:"copyTagsToSnapshot"`
	BackupReplication         *BackupReplication `json:"backupReplication,omitempty"`
	RestoreFromSnapshot       string             `json:"restoreFromSnapshot,omitempty"`
	StorageEncrypted          bool               `json:"storageEncrypted"`
	ForceTLS                  bool               `json:"forceTLS"`
	MonitoringIntervalSeconds int                `json:"monitoringIntervalSeconds"`
	LogRetentionDays          int                `json:"logRetentionDays"`
	DatabaseName              string             `json:"databaseName"`
	Username                  string             `json:"username"`
	Port                      int                `json:"port"`
}

type App struct {
	Image          Image       `json:"image"`
	Port           int         `json:"port"`
	Replicas       Replicas    `json:"replicas"`
	Autoscaling    Autoscaling `json:"autoscaling"`
	Resources      Resources   `json:"resources"`
	HealthPath     string      `json:"healthPath"`
	MetricsEnabled bool        `json:"metricsEnabled"`
	MetricsPath    string      `json:"metricsPath"`
	// MonitoringNamespace is where Prometheus runs.
	MonitoringNamespace string            `json:"monitoringNamespace"`
	Env                 map[string]string `json:"env"`
	LogLevel            string            `json:"logLevel"`
	RunAsUser           int64             `json:"runAsUser"`
}

type Image struct {
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
}

// Ref is the image reference the Deployment runs.
func (i Image) Ref() string { return i.Repository + ":" + i.Tag }

type Replicas struct {
	Min int `json:"min"`
	Max int `json:"max"`
}

type Autoscaling struct {
	CPUPercent    int `json:"cpuPercent"`
	MemoryPercent int `json:"memoryPercent"`
}

type Resources struct {
	Requests Quantities `json:"requests"`
	Limits   Quantities `json:"limits"`
}

type Quantities struct {
	CPU    string `json:"cpu"`
	Memory string `json:"memory"`
}

type Secrets struct {
	APIKeys         []string `json:"apiKeys"`
	RefreshInterval string   `json:"refreshInterval"`
}

type Delivery struct {
	RepoURL         string         `json:"repoURL"`
	Revision        string         `json:"revision"`
	AutoSync        bool           `json:"autoSync"`
	RequireApproval bool           `json:"requireApproval"`
	ArgoCD          ArgoCD         `json:"argocd"`
	TerraformState  TerraformState `json:"terraformState"`
}

type ArgoCD struct {
	Namespace string `json:"namespace"`
	Project   string `json:"project"`
	InCluster bool   `json:"inCluster"`
}

type TerraformState struct {
	Bucket    string `json:"bucket"`
	LockTable string `json:"lockTable"`
	Region    string `json:"region"`
}

type Recovery struct {
	RTOMinutes int `json:"rtoMinutes"`
	RPOMinutes int `json:"rpoMinutes"`
}

// Platform is what the cluster runs for the rest to work, every version
// pinned (schema/platform.cue).
type Platform struct {
	Addons            Addons     `json:"addons"`
	ExternalSecrets   Chart      `json:"externalSecrets"`
	Reloader          Chart      `json:"reloader"`
	Prometheus        Prometheus `json:"prometheus"`
	ClusterAutoscaler Chart      `json:"clusterAutoscaler"`
	ArgoCD            Chart      `json:"argocd"`
}

// Addons are the EKS managed add-ons' versions.
type Addons struct {
	VPCCNI           VPCCNI `json:"vpcCni"`
	CoreDNS          string `json:"coredns"`
	KubeProxy        string `json:"kubeProxy"`
	PodIdentityAgent string `json:"podIdentityAgent"`
	MetricsServer    string `json:"metricsServer"`
}

type VPCCNI struct {
	Version       string `json:"version"`
	NetworkPolicy bool   `json:"networkPolicy"`
}

// Chart is a Helm chart pinned to one version.
type Chart struct {
	Repo    string `json:"repo"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Prometheus says whether lexgen installs kube-prometheus-stack or plugs
// into an existing Prometheus Operator, and which labels select the
// ServiceMonitor.
type Prometheus struct {
	Install              bool              `json:"install"`
	Chart                Chart             `json:"chart"`
	ServiceMonitorLabels map[string]string `json:"serviceMonitorLabels"`
}
