// Package modeltest makes environments for tests and benchmarks: random,
// but always within the schema's bounds and policies, so that every one
// validates and renders.
package modeltest

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"math/rand"
	"os"
	"path/filepath"

	"github.com/lexecon/lexgen/internal/model"
)

// Lists the schema holds as patterns, not as sets of values; the rest of
// the generator's choices come from the schema itself (SchemaChoices), and
// TestNoListTheSchemaHolds keeps it that way.
var (
	// days are the day names of an RDS maintenance window (a pattern in
	// #Database.maintenanceWindow).
	days = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	// nodeTypes are the types whose one node holds the whole platform
	// (internal/check counts it) with room for the app; smaller types
	// need more nodes than the generator's sizes promise. Each is one of
	// #InstanceTypes (the test checks).
	nodeTypes = []string{"t3.xlarge", "m6i.xlarge", "m7i.xlarge", "c6i.xlarge"}
	// timeZones are examples of the IANA names #NodeGroup.schedule.timeZone
	// allows (a pattern).
	timeZones = []string{"UTC", "Europe/Berlin", "America/New_York"}
	// kubeProxy is the kube-proxy add-on version for each Kubernetes
	// version (the EKS user guide's table, which the schema does not hold:
	// its default is for 1.34); the test requires one for every version
	// the schema allows.
	kubeProxy = map[string]string{
		"1.32": "v1.32.9-eksbuild.2", "1.33": "v1.33.5-eksbuild.2", "1.34": "v1.34.1-eksbuild.2", "1.35": "v1.35.3-eksbuild.2",
	}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.Intn(len(xs))] }

func between(r *rand.Rand, lo, hi int) int { return lo + r.Intn(hi-lo+1) }

func hex(r *rand.Rand, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.Intn(16)]
	}
	return string(b)
}

func subnets(r *rand.Rand, region string) []model.Subnet {
	n := between(r, 2, 3)
	out := make([]model.Subnet, n)
	for i := range out {
		out[i] = model.Subnet{ID: "subnet-" + hex(r, 17), Zone: region + string(rune('a'+i))}
	}
	return out
}

// maintenanceWindow is an hour on the given day that starts half an hour
// after a daily backup window of hour:00 to hour+1:00 ends, so the two never
// overlap (RDS refuses that); it may run past midnight into the next day.
func maintenanceWindow(day, hour int) string {
	at := func(m int) string {
		m %= 7 * 24 * 60
		return fmt.Sprintf("%s:%02d:%02d", days[m/(24*60)], m/60%24, m%60)
	}
	start := day*24*60 + (hour+1)*60 + 30
	return at(start) + "-" + at(start+60)
}

// Random returns an environment named name that satisfies the schema; about
// a third are production-tier, with the production policies met.
func Random(r *rand.Rand, name string) *model.Environment {
	c := SchemaChoices()
	prod := r.Intn(3) == 0
	region := pick(r, c.Regions)
	desired := between(r, 1, 10)
	minNodes := between(r, 1, desired)
	if prod {
		desired = between(r, 3, 12)
		minNodes = between(r, 3, desired)
	}
	maxNodes := between(r, desired, desired+10)
	replicasMin := between(r, 1, 5)
	if prod {
		replicasMin = between(r, 2, 5)
	}
	retention := between(r, 1, 35)
	if prod {
		retention = between(r, 30, 35)
	}
	hour := between(r, 0, 22)
	e := &model.Environment{
		Name: name, Tier: "non-production", Service: "lexecon",
		AWS: model.AWS{
			AccountID: fmt.Sprintf("%012d", r.Int63n(1e12)), Region: region, VPCID: "vpc-" + hex(r, 17),
			NodeSubnets: subnets(r, region), DatabaseSubnets: subnets(r, region),
		},
		Cluster: model.Cluster{
			KubernetesVersion: pick(r, c.KubernetesVersions), EndpointPublicAccess: r.Intn(2) == 0,
			PublicAccessCIDRs: []string{fmt.Sprintf("%d.%d.%d.0/24", between(r, 1, 223), r.Intn(256), r.Intn(256))},
			LogTypes:          c.LogTypes[:between(r, 0, len(c.LogTypes))],
			Admins:            []string{},
			LogRetentionDays:  pick(r, c.LogRetentionDays),
			Nodes: model.NodeGroup{
				InstanceType: pick(r, nodeTypes), Desired: desired, Min: minNodes, Max: maxNodes,
				DiskSizeGiB: between(r, 20, 200), CapacityType: "ON_DEMAND", SpotInstanceTypes: []string{},
			},
		},
		Database: model.Database{
			EngineVersion: pick(r, c.EngineVersions), InstanceClass: pick(r, c.DBInstanceClasses),
			AllocatedStorageGiB: between(r, 20, 500), MultiAZ: prod || r.Intn(2) == 0,
			BackupRetentionDays: retention,
			BackupWindow:        fmt.Sprintf("%02d:00-%02d:00", hour, hour+1),
			MaintenanceWindow:   maintenanceWindow(r.Intn(7), hour),
			DeletionProtection:  prod || r.Intn(2) == 0, StorageEncrypted: true, ForceTLS: true,
			FinalSnapshot: prod || r.Intn(2) == 0, CopyTagsToSnapshot: r.Intn(4) != 0,
			MonitoringIntervalSeconds: pick(r, c.MonitoringSeconds), PerformanceInsights: r.Intn(2) == 0, LogRetentionDays: pick(r, c.LogRetentionDays), DatabaseName: "lexecon", Username: "lexecon", Port: 5432,
		},
		App: model.App{
			Image: model.Image{Repository: "ghcr.io/lexecon/lexecon", Tag: fmt.Sprintf("%d.%d.%d", r.Intn(5), r.Intn(20), r.Intn(20))},
			// At most four replicas a node at the largest node count, with the
			// requests below, fits the smallest node type (the cross-checks).
			Port: between(r, 1024, 65535), Replicas: model.Replicas{Min: replicasMin, Max: between(r, replicasMin, max(replicasMin, min(30, 4*maxNodes)))},
			Autoscaling: model.Autoscaling{CPUPercent: between(r, 1, 100), MemoryPercent: between(r, 1, 100)},
			Resources: model.Resources{
				Requests: model.Quantities{CPU: fmt.Sprintf("%dm", between(r, 50, 250)), Memory: fmt.Sprintf("%dMi", between(r, 64, 200))},
				Limits:   model.Quantities{CPU: fmt.Sprint(between(r, 1, 4)), Memory: fmt.Sprintf("%dGi", between(r, 1, 4))},
			},
			HealthPath: "/health", MetricsEnabled: r.Intn(4) != 0, MetricsPath: "/metrics", MonitoringNamespace: "monitoring",
			Env: map[string]string{}, LogLevel: pick(r, c.LogLevels), RunAsUser: int64(between(r, 1000, 65000)),
		},
		Secrets: model.Secrets{APIKeys: []string{"LEXECON_API_KEY"}, RefreshInterval: fmt.Sprintf("%dm", between(r, 1, 120))},
		Delivery: model.Delivery{
			RepoURL: "https://github.com/lexecon/lexecon-infrastructure.git", Revision: "main",
			AutoSync: !prod && r.Intn(2) == 0, RequireApproval: prod || r.Intn(3) == 0,
			ArgoCD:         model.ArgoCD{Namespace: "argocd", Project: "default", InCluster: r.Intn(2) == 0},
			TerraformState: model.TerraformState{Bucket: "lexecon-terraform-state", LockTable: "terraform-locks", Region: "us-east-1"},
		},
		Recovery: model.Recovery{RTOMinutes: between(r, 15, 600), RPOMinutes: between(r, 5, 600)},
		Platform: DefaultPlatform(),
		Tags:     map[string]string{"Team": fmt.Sprintf("team-%d", r.Intn(100))},
		Source:   "envs/" + name + ".cue",
		Prices:   Prices(),
	}
	if prod {
		e.Tier = model.ProductionTier
	}
	// The seed's cost and recovery options, each on now and then.
	if !prod && r.Intn(3) == 0 {
		e.Cluster.Nodes.CapacityType = "SPOT"
		e.Cluster.Nodes.SpotInstanceTypes = []string{pick(r, c.InstanceTypes)}
		if e.Cluster.Nodes.SpotInstanceTypes[0] == e.Cluster.Nodes.InstanceType {
			e.Cluster.Nodes.SpotInstanceTypes = []string{}
		}
	}
	// A night size that still holds the minimum replicas (at most four a
	// node with the requests above), keeps production's three nodes, and is
	// below the day's minimum.
	night := max(1, (e.App.Replicas.Min+3)/4)
	if prod {
		night = max(night, 3)
	}
	if night < minNodes && r.Intn(3) == 0 {
		e.Cluster.Nodes.Schedule = &model.Schedule{
			TimeZone: pick(r, timeZones), Days: pick(r, c.ScheduleDays),
			DownAt: fmt.Sprintf("%02d:00", between(r, 18, 23)), UpAt: fmt.Sprintf("%02d:30", between(r, 5, 8)), NightSize: night,
		}
	}
	// kube-proxy follows the cluster's version.
	e.Platform.Addons.KubeProxy = kubeProxy[e.Cluster.KubernetesVersion]
	if r.Intn(4) == 0 {
		e.Platform.Prometheus.Install = false
		e.Platform.Prometheus.ServiceMonitorLabels = map[string]string{"prometheus": fmt.Sprintf("team-%d", r.Intn(10))}
	}
	if r.Intn(5) == 0 {
		e.Platform.Addons.VPCCNI.NetworkPolicy = false
	}
	if r.Intn(3) == 0 {
		e.Database.MaxAllocatedStorageGiB = e.Database.AllocatedStorageGiB + between(r, 1, 1000)
	}
	if r.Intn(3) == 0 {
		dest := pick(r, c.Regions)
		if dest != region {
			e.Database.BackupReplication = &model.BackupReplication{Region: dest, RetentionDays: between(r, 1, 35)}
		}
	}
	if r.Intn(3) == 0 {
		b := &model.BackupPlan{Schedule: fmt.Sprintf("cron(%d %d ? * * *)", r.Intn(60), r.Intn(24)), DeleteAfterDays: between(r, 1, 400)}
		if r.Intn(2) == 0 {
			b.ColdStorageAfterDays = between(r, 1, 60)
			b.DeleteAfterDays = b.ColdStorageAfterDays + 90 + r.Intn(300)
		}
		if dest := pick(r, c.Regions); dest != region {
			b.CopyRegion = dest
		}
		e.Database.BackupPlan = b
	}
	if r.Intn(5) == 0 {
		e.Database.RestoreFromSnapshot = fmt.Sprintf("rds:%s-2026-%02d-%02d-03-00", e.DBIdentifier(), between(r, 1, 12), between(r, 1, 28))
	}
	return e
}

// DefaultPlatform is schema/platform.cue's defaults.
func DefaultPlatform() model.Platform {
	p := SchemaChoices().Platform
	// The maps are shared by every caller: copy them.
	p.Prometheus.ServiceMonitorLabels = maps.Clone(p.Prometheus.ServiceMonitorLabels)
	return p
}

// Prices is a price table for tests: every type and class the generator
// uses, at made-up prices.
func Prices() *model.Prices {
	p := &model.Prices{
		Region: "us-east-1", Currency: "USD", Taken: "2025-06-01", HoursPerMonth: 730,
		EC2: map[string]float64{}, RDS: map[string]float64{}, EC2Capacity: map[string]model.Capacity{},
		EKSControlPlanePerHour: 0.1, EBSGp3PerGBMonth: 0.08, RDSGp3PerGBMonth: 0.115,
		RDSBackupPerGBMonth: 0.095, SecretPerMonth: 0.4, KMSKeyPerMonth: 1,
		SpotDiscount: 0.6, CrossRegionTransferPerGB: 0.02,
	}
	for i, t := range SchemaChoices().InstanceTypes {
		p.EC2[t] = 0.02 * float64(i+1)
		p.EC2Capacity[t] = model.Capacity{VCPU: 64, MemoryGiB: 256, MaxPods: 110}
	}
	for i, c := range SchemaChoices().DBInstanceClasses {
		p.RDS[c] = 0.015 * float64(i+1)
	}
	return p
}

// CUE writes e as an environment file for envs/: JSON is CUE, so the
// model's own encoding is the file's body.
func CUE(e *model.Environment) ([]byte, error) {
	body, err := json.MarshalIndent(e, "", "\t")
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "package envs\n\n%q: %s\n", e.Name, body), nil
}

// WriteRepo lays out a repository at out with n random environments: the
// cue.mod, schema and envs/shared.cue of the repository at repo, and the
// environments as envs/env-NNNN.cue. out must not exist.
func WriteRepo(repo, out string, n int, seed int64) error {
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s exists", out)
	}
	for _, dir := range []string{"cue.mod", "schema"} {
		if err := CopyDir(filepath.Join(repo, dir), filepath.Join(out, dir)); err != nil {
			return err
		}
	}
	envs := filepath.Join(out, "envs")
	if err := os.MkdirAll(envs, 0o755); err != nil {
		return err
	}
	shared, err := os.ReadFile(filepath.Join(repo, "envs", "shared.cue"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(envs, "shared.cue"), shared, 0o644); err != nil {
		return err
	}
	r := rand.New(rand.NewSource(seed))
	for i := 0; i < n; i++ {
		e := Random(r, fmt.Sprintf("env-%04d", i))
		src, err := CUE(e)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(envs, e.Name+".cue"), src, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// CopyDir copies the files of a folder tree into another (for tests and
// benchmarks that lay out repositories).
func CopyDir(from, to string) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
}
