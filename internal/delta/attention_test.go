package delta

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lexecon/lexgen/internal/model"
)

// production is a production environment as the seed describes it.
func production() *model.Environment {
	return &model.Environment{
		Name: "production", Tier: model.ProductionTier, Service: "lexecon",
		AWS: model.AWS{NodeSubnets: []model.Subnet{{ID: "subnet-a"}, {ID: "subnet-b"}}},
		Cluster: model.Cluster{EndpointPublicAccess: true, PublicAccessCIDRs: []string{"203.0.113.0/24"},
			Admins: []string{"arn:aws:iam::123456789012:role/platform"},
			Nodes:  model.NodeGroup{InstanceType: "t3.small", CapacityType: "ON_DEMAND", SpotInstanceTypes: []string{"t3.medium"}}},
		Database: model.Database{EngineVersion: "17", InstanceClass: "db.t3.small", MultiAZ: true, BackupRetentionDays: 30,
			DeletionProtection: true, FinalSnapshot: true, StorageEncrypted: true, DatabaseName: "lexecon", Username: "lexecon",
			MaintenanceWindow: "sun:04:00-sun:05:00"},
		Delivery: model.Delivery{Revision: "main", AutoSync: false, RequireApproval: true},
	}
}

func clone(t *testing.T, e *model.Environment) *model.Environment {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	c := &model.Environment{}
	if err := json.Unmarshal(b, c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAttention is the table of what review flags: each case changes one
// thing from the seed's production and names the notices it must raise
// (kind and path) and a value the sentence must carry. Changes that are
// not risky raise nothing.
func TestAttention(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(c *model.Environment)
		want   []string // kind path
		says   string   // one of the values in the sentence
	}{
		{"nothing", func(c *model.Environment) {}, nil, ""},
		{"more replicas, a new image", func(c *model.Environment) { c.App.Replicas.Min = 3; c.App.Image.Tag = "1.0.1" }, nil, ""},
		{"backups kept longer", func(c *model.Environment) { c.Database.BackupRetentionDays = 35 }, nil, ""},
		{"subnets in another order", func(c *model.Environment) {
			c.AWS.NodeSubnets = []model.Subnet{{ID: "subnet-b"}, {ID: "subnet-a"}}
		}, nil, ""},
		{"encryption off: rds.tf encrypts whatever the model says", func(c *model.Environment) { c.Database.StorageEncrypted = false }, nil, ""},
		{"API narrowed", func(c *model.Environment) { c.Cluster.PublicAccessCIDRs = []string{"203.0.113.128/25"} }, nil, ""},
		{"API private", func(c *model.Environment) { c.Cluster.EndpointPublicAccess = false }, nil, ""},
		{"an admin removed", func(c *model.Environment) { c.Cluster.Admins = nil }, nil, ""},

		{"tier lowered", func(c *model.Environment) { c.Tier = "non-production" }, []string{"relaxes tier"}, "non-production"},
		{"username", func(c *model.Environment) { c.Database.Username = "app" }, []string{"replaces database.username"}, "lexecon-production"},
		{"databaseName", func(c *model.Environment) { c.Database.DatabaseName = "app" }, []string{"replaces database.databaseName"}, "app"},
		{"PostgreSQL major upgrade (a new parameter group)", func(c *model.Environment) { c.Database.EngineVersion = "18" }, []string{"replaces database.engineVersion"}, "18"},
		{"node subnets", func(c *model.Environment) { c.AWS.NodeSubnets = []model.Subnet{{ID: "subnet-a"}, {ID: "subnet-c"}} }, []string{"replaces aws.nodeSubnets"}, "subnet-a, subnet-c"},
		{"node instance type", func(c *model.Environment) { c.Cluster.Nodes.InstanceType = "t3.large" }, []string{"replaces cluster.nodes.instanceType"}, "t3.large"},
		{"spot nodes", func(c *model.Environment) { c.Cluster.Nodes.CapacityType = "SPOT" }, []string{"replaces cluster.nodes.capacityType"}, "SPOT"},
		{"spot types", func(c *model.Environment) { c.Cluster.Nodes.SpotInstanceTypes = []string{"t3.large"} }, []string{"replaces cluster.nodes.spotInstanceTypes"}, "t3.large"},
		{"service renamed (identifier, KMS key, subnet group)", func(c *model.Environment) { c.Service = "lexicon" }, []string{"replaces service"}, "lexicon-production"},
		{"PostgreSQL downgrade", func(c *model.Environment) { c.Database.EngineVersion = "16" }, []string{"replaces database.engineVersion", "relaxes database.engineVersion"}, "16"},
		{"PostgreSQL minor-form downgrade", func(c *model.Environment) { c.Database.EngineVersion = "15.4" }, []string{"replaces database.engineVersion", "relaxes database.engineVersion"}, "15.4"},
		{"multi-AZ off", func(c *model.Environment) { c.Database.MultiAZ = false }, []string{"relaxes database.multiAZ"}, "lexecon-production"},
		{"backup retention lowered", func(c *model.Environment) { c.Database.BackupRetentionDays = 7 }, []string{"relaxes database.backupRetentionDays"}, "7"},
		{"deletion protection off", func(c *model.Environment) { c.Database.DeletionProtection = false }, []string{"relaxes database.deletionProtection"}, "lexecon-production"},
		{"final snapshot off", func(c *model.Environment) { c.Database.FinalSnapshot = false }, []string{"relaxes database.finalSnapshot"}, "lexecon-production"},
		{"auto-sync in production", func(c *model.Environment) { c.Delivery.AutoSync = true }, []string{"relaxes delivery.autoSync"}, "main"},
		{"approval off in production", func(c *model.Environment) { c.Delivery.RequireApproval = false }, []string{"relaxes delivery.requireApproval"}, ""},
		{"API widened", func(c *model.Environment) { c.Cluster.PublicAccessCIDRs = []string{"203.0.113.0/24", "0.0.0.0/0"} }, []string{"relaxes cluster.publicAccessCidrs"}, "0.0.0.0/0"},
		{"API widened by a shorter prefix", func(c *model.Environment) { c.Cluster.PublicAccessCIDRs = []string{"203.0.112.0/23"} }, []string{"relaxes cluster.publicAccessCidrs"}, "203.0.112.0/23"},
		{"an admin added", func(c *model.Environment) {
			c.Cluster.Admins = append(c.Cluster.Admins, "arn:aws:iam::123456789012:user/mallory")
		}, []string{"relaxes cluster.admins"}, "arn:aws:iam::123456789012:user/mallory"},
		{"instance class", func(c *model.Environment) { c.Database.InstanceClass = "db.m6g.large" }, []string{"waits database.instanceClass"}, "sun:04:00-sun:05:00"},
		{"tier lowered with its policies", func(c *model.Environment) {
			c.Tier = "non-production"
			c.Database.MultiAZ = false
			c.Database.BackupRetentionDays = 7
			c.Delivery.AutoSync = true // the default once the tier is lowered
			c.Delivery.RequireApproval = false
		}, []string{"relaxes tier", "relaxes database.multiAZ", "relaxes database.backupRetentionDays", "relaxes delivery.autoSync", "relaxes delivery.requireApproval"}, "7"},
		{"auto-sync outside production", func(c *model.Environment) {
			// both sides non-production: see the base below
			c.Delivery.AutoSync = true
		}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := production()
			if tc.name == "spot types" {
				o.Cluster.Nodes.CapacityType = "SPOT"
			}
			if tc.name == "auto-sync outside production" {
				o.Tier, o.Name, o.Delivery.RequireApproval = "non-production", "staging", false
			}
			c := clone(t, o)
			tc.change(c)
			notices := Attention(o, c)
			var got []string
			var said []string
			for _, n := range notices {
				got = append(got, string(n.Kind)+" "+n.Path)
				if strings.Count(n.Format, "%s") != len(n.Args) {
					t.Errorf("%s: %d values for %q", n.Path, len(n.Args), n.Format)
				}
				said = append(said, fmt.Sprintf(n.Format, anys(n.Args)...))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("notices (-want +got):\n%s", diff)
			}
			if tc.says != "" && !strings.Contains(strings.Join(said, "\n"), tc.says) {
				t.Errorf("no notice says %q:\n%s", tc.says, strings.Join(said, "\n"))
			}
		})
	}
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
