package delta

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lexecon/lexgen/internal/model"
)

func TestFields(t *testing.T) {
	a := &model.Environment{Name: "a", Tier: "non-production", Database: model.Database{BackupRetentionDays: 7, MultiAZ: false},
		AWS: model.AWS{NodeSubnets: []model.Subnet{{ID: "subnet-1", Zone: "z1"}}}, Tags: map[string]string{"Team": "x"}}
	b := &model.Environment{Name: "b", Tier: "production", Database: model.Database{BackupRetentionDays: 30, MultiAZ: true},
		AWS: model.AWS{NodeSubnets: []model.Subnet{{ID: "subnet-1", Zone: "z1"}, {ID: "subnet-2", Zone: "z2"}}}}
	got, err := Fields(a, b, "name")
	if err != nil {
		t.Fatal(err)
	}
	want := []Field{
		{"aws", "aws.nodeSubnets.1.id", "", "subnet-2"},
		{"aws", "aws.nodeSubnets.1.zone", "", "z2"},
		{"database", "database.backupRetentionDays", "7", "30"},
		{"database", "database.multiAZ", "false", "true"},
		{"tags", "tags.Team", "x", ""},
		{"tier", "tier", "non-production", "production"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if same, _ := Fields(a, a); len(same) != 0 {
		t.Errorf("an environment differs from itself: %v", same)
	}
}

func TestNumericPathOrder(t *testing.T) {
	if !less("a.9", "a.10") || less("a.10", "a.9") {
		t.Error("a.9 should come before a.10")
	}
}
