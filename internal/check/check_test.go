package check

import (
	"strings"
	"testing"

	"github.com/lexecon/lexgen/internal/model"
)

func env() *model.Environment {
	return &model.Environment{
		Name: "x", Tier: "non-production", Service: "lexecon",
		Cluster:  model.Cluster{KubernetesVersion: "1.34", Nodes: model.NodeGroup{InstanceType: "t3.small", Desired: 2, Min: 2, Max: 3}},
		Platform: model.Platform{Addons: model.Addons{KubeProxy: "v1.34.1-eksbuild.2"}},
		Database: model.Database{MultiAZ: true},
		App: model.App{
			Replicas: model.Replicas{Min: 2, Max: 5},
			Resources: model.Resources{
				Requests: model.Quantities{CPU: "250m", Memory: "256Mi"},
				Limits:   model.Quantities{CPU: "1", Memory: "512Mi"},
			},
		},
		Recovery: model.Recovery{RTOMinutes: 30, RPOMinutes: 60},
		Prices:   &model.Prices{EC2Capacity: map[string]model.Capacity{"t3.small": {VCPU: 4, MemoryGiB: 8, MaxPods: 58}}},
	}
}

func findings(e *model.Environment) string {
	var s []string
	for _, f := range Environment(e) {
		kind := "error"
		if f.Warning {
			kind = "warning"
		}
		s = append(s, kind+" "+f.Path)
	}
	return strings.Join(s, ", ")
}

func TestCrossChecks(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(*model.Environment)
		want string
	}{
		{"fits", func(e *model.Environment) {}, ""},
		{"limit below request", func(e *model.Environment) { e.App.Resources.Limits.CPU = "100m" }, "error x.app.resources.limits.cpu"},
		{"memory limit below request", func(e *model.Environment) { e.App.Resources.Limits.Memory = "128Mi" }, "error x.app.resources.limits.memory"},
		// A node of the test's type offers 4000m - 80m reserved - 125m of
		// DaemonSets = 3795m; the platform's other pods (no Prometheus, no
		// Argo CD here) request 490m: 3 nodes hold 43 replicas of 250m.
		// 3795m a node beside the DaemonSets: no node holds a 4-CPU pod,
		// though 3 nodes hold 2 of them in total.
		{"one pod fits on no node", func(e *model.Environment) {
			e.App.Resources.Requests.CPU, e.App.Resources.Limits.CPU = "3900m", "4"
		}, "error x.app.resources.requests"},
		// 4 nodes hold 14690m for 12 x 1200m in total, 3 pods a node; but
		// balanced over 3 zones (2, 1, 1 nodes) the zones hold 6, 3, 3 and
		// the DoNotSchedule zone spread needs 4 in each.
		{"zones cannot keep the spread", func(e *model.Environment) {
			e.AWS.NodeSubnets = []model.Subnet{{ID: "s1", Zone: "a"}, {ID: "s2", Zone: "b"}, {ID: "s3", Zone: "c"}}
			e.Cluster.Nodes.Desired, e.Cluster.Nodes.Min, e.Cluster.Nodes.Max = 4, 4, 4
			e.App.Resources.Requests.CPU, e.App.Resources.Limits.CPU = "1200m", "2"
			e.App.Replicas.Max = 12
		}, "error x.cluster.nodes.max"},
		{"max replicas do not fit", func(e *model.Environment) { e.App.Replicas.Max = 50 }, "error x.cluster.nodes.max"},
		// 2 nodes hold 28 of 250m, 3 hold 43.
		{"fits only at max nodes", func(e *model.Environment) { e.App.Replicas.Max = 35 }, "warning x.cluster.nodes.desired"},
		// 58 pods a node, 3 of them DaemonSets; the platform runs 9 more:
		// 3 nodes hold 156 app pods.
		{"pods per node bind", func(e *model.Environment) {
			e.App.Resources.Requests = model.Quantities{CPU: "10m", Memory: "16Mi"}
			e.App.Replicas.Max = 100
			e.Cluster.Nodes.Max, e.Cluster.Nodes.Desired = 2, 2
			e.Prices.EC2Capacity["t3.small"] = model.Capacity{VCPU: 4, MemoryGiB: 8, MaxPods: 50}
		}, "error x.cluster.nodes.max"},
		// Drained to 1 node: 3795m - 490m holds 13 replicas of 250m, not 14.
		// Every tier must survive a drain (issue 14: staging's failed on
		// the real scheduler).
		{"a drain leaves too little", func(e *model.Environment) {
			e.App.Replicas.Min, e.App.Replicas.Max = 14, 14
			e.Cluster.Nodes.Max = 2
		}, "error x.cluster.nodes.min"},
		{"a drain leaves too little in production", func(e *model.Environment) {
			e.Tier = "production"
			e.App.Replicas.Min, e.App.Replicas.Max = 14, 14
			e.Cluster.Nodes.Max = 2
		}, "error x.cluster.nodes.min"},
		// At nodes.min (2): 7590m - 490m holds 28 of 250m; 28 and a surge
		// pod do not fit.
		{"no room for the surge pod", func(e *model.Environment) {
			e.App.Replicas.Min, e.App.Replicas.Max = 28, 28
			e.Cluster.Nodes.Max = 3
		}, "error x.cluster.nodes.min"},
		{"one replica", func(e *model.Environment) { e.App.Replicas.Min = 1 }, "warning x.app.replicas.min"},
		{"single-AZ with an RTO no restore meets", func(e *model.Environment) {
			e.Database.MultiAZ = false
			e.Recovery.RTOMinutes = 10
		}, "error x.recovery.rtoMinutes"},
		{"single-AZ with a short RTO", func(e *model.Environment) { e.Database.MultiAZ = false }, "warning x.recovery.rtoMinutes"},
		{"spot types on demand", func(e *model.Environment) { e.Cluster.Nodes.SpotInstanceTypes = []string{"t3.large"} }, "error x.cluster.nodes.spotInstanceTypes"},
		{"a night size that holds the minimum", func(e *model.Environment) {
			e.Cluster.Nodes.Schedule = &model.Schedule{TimeZone: "UTC", DownAt: "20:00", UpAt: "07:00", NightSize: 1}
		}, ""},
		// 0 nodes hold nothing.
		{"night size zero", func(e *model.Environment) {
			e.Cluster.Nodes.Schedule = &model.Schedule{TimeZone: "UTC", DownAt: "20:00", UpAt: "07:00", NightSize: 0}
		}, "error x.cluster.nodes.schedule.nightSize"},
		// 1 node at night: 8192Mi - 893Mi kube-reserved - 100Mi eviction -
		// 860Mi of platform = 6339Mi < 11 x 600Mi (and so is a drained
		// node at nodes.min 2)
		{"night size below the HPA minimum", func(e *model.Environment) {
			e.App.Resources.Requests.Memory = "600Mi"
			e.App.Resources.Limits.Memory = "1Gi"
			e.App.Replicas.Min, e.App.Replicas.Max = 11, 11
			e.Cluster.Nodes.Schedule = &model.Schedule{TimeZone: "UTC", DownAt: "20:00", UpAt: "07:00", NightSize: 1}
		}, "error x.cluster.nodes.min, error x.cluster.nodes.schedule.nightSize"},
		{"night size not below min", func(e *model.Environment) {
			e.Cluster.Nodes.Schedule = &model.Schedule{TimeZone: "UTC", DownAt: "20:00", UpAt: "07:00", NightSize: 2}
		}, "error x.cluster.nodes.schedule.nightSize"},
		{"down and up at once", func(e *model.Environment) {
			e.Cluster.Nodes.Schedule = &model.Schedule{TimeZone: "UTC", DownAt: "07:00", UpAt: "07:00", NightSize: 1}
		}, "error x.cluster.nodes.schedule"},
		{"storage maximum not above", func(e *model.Environment) {
			e.Database.AllocatedStorageGiB = 50
			e.Database.MaxAllocatedStorageGiB = 50
		}, "error x.database.maxAllocatedStorageGiB"},
		{"replication to the same region", func(e *model.Environment) {
			e.AWS.Region = "us-east-1"
			e.Database.BackupReplication = &model.BackupReplication{Region: "us-east-1", RetentionDays: 7}
		}, "error x.database.backupReplication.region"},
		{"backup plan deleting from cold storage too early", func(e *model.Environment) {
			e.Database.BackupPlan = &model.BackupPlan{Schedule: "cron(0 5 ? * * *)", DeleteAfterDays: 100, ColdStorageAfterDays: 30}
		}, "error x.database.backupPlan.deleteAfterDays"},
		{"backup plan keeping cold storage 90 days", func(e *model.Environment) {
			e.Database.BackupPlan = &model.BackupPlan{Schedule: "cron(0 5 ? * * *)", DeleteAfterDays: 120, ColdStorageAfterDays: 30, CopyRegion: "us-west-2"}
		}, ""},
		{"backup copy to the database's own region", func(e *model.Environment) {
			e.AWS.Region = "us-east-1"
			e.Database.BackupPlan = &model.BackupPlan{Schedule: "cron(0 5 ? * * *)", DeleteAfterDays: 35, CopyRegion: "us-east-1"}
		}, "error x.database.backupPlan.copyRegion"},
		{"kube-proxy for another Kubernetes version", func(e *model.Environment) { e.Cluster.KubernetesVersion = "1.33" }, "error x.cluster.kubernetesVersion"},
		{"kube-proxy for the cluster's version", func(e *model.Environment) {
			e.Cluster.KubernetesVersion = "1.33"
			e.Platform.Addons.KubeProxy = "v1.33.5-eksbuild.2"
		}, ""},
	} {
		e := env()
		c.edit(e)
		if got := findings(e); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestSound: a finding counts on a partly decoded environment only when no
// field it used is broken, nor a field above or below one it used.
func TestSound(t *testing.T) {
	e := env()
	e.Database.MultiAZ = false
	e.Recovery.RTOMinutes = 10
	var rto Finding
	for _, f := range Environment(e) {
		if f.Path == "x.recovery.rtoMinutes" {
			rto = f
		}
	}
	for _, c := range []struct {
		broken []string
		want   bool
	}{
		{nil, true},
		{[]string{"x.database.multiAz", "x.app.logLevel"}, true}, // a misspelt sibling is not the field
		{[]string{"x.database.multiAZ"}, false},                  // a field it read
		{[]string{"x.recovery.rtoMinutes"}, false},               // the field it is about
		{[]string{"x.database"}, false},                          // above a field it read
		{[]string{"x"}, false},                                   // the whole environment
	} {
		if got := rto.Sound(c.broken); got != c.want {
			t.Errorf("Sound(%v) = %v, want %v (uses %v)", c.broken, got, c.want, rto.Uses)
		}
	}
}

// TestZeroEnvironment: the cross-checks run on environments the schema
// refused, where every broken field is a zero value; they must not panic
// on any of them.
func TestZeroEnvironment(t *testing.T) {
	Environment(&model.Environment{Name: "x"})
	e := &model.Environment{Name: "x", Prices: env().Prices}
	e.Cluster.Nodes.InstanceType = "t3.small"
	e.Cluster.Nodes.Schedule = &model.Schedule{}
	Environment(e)
}
