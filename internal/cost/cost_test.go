package cost

import (
	"testing"

	"github.com/lexecon/lexgen/internal/model"
)

var prices = &model.Prices{
	Region: "us-east-1", Currency: "USD", Taken: "2025-06-01", HoursPerMonth: 730,
	EC2:                    map[string]float64{"t3.medium": 0.0416, "t3.small": 0.0208},
	RDS:                    map[string]float64{"db.t3.micro": 0.018, "db.t3.small": 0.036},
	EKSControlPlanePerHour: 0.10, EBSGp3PerGBMonth: 0.08, RDSGp3PerGBMonth: 0.115,
	RDSBackupPerGBMonth: 0.095, SecretPerMonth: 0.40, KMSKeyPerMonth: 1,
}

func env(nodes int, node, db string, multiAZ bool) *model.Environment {
	return &model.Environment{
		Name: "x",
		AWS:  model.AWS{Region: "us-east-1"},
		Cluster: model.Cluster{Nodes: model.NodeGroup{
			InstanceType: node, Desired: nodes, Min: nodes, Max: nodes + 2, DiskSizeGiB: 20,
		}},
		Database: model.Database{InstanceClass: db, MultiAZ: multiAZ, AllocatedStorageGiB: 20, BackupRetentionDays: 7},
	}
}

// TestLines checks each line item against arithmetic done by hand.
func TestLines(t *testing.T) {
	est, err := Of(env(2, "t3.medium", "db.t3.micro", false), prices)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{
		73.00, // 730 h x $0.10
		60.74, // 2 x 730 h x $0.0416 = 60.736
		3.20,  // 2 x 20 GB x $0.08
		13.14, // 730 h x $0.018
		2.30,  // 20 GB x $0.115
		0,     // within the free allowance
		1.20,  // 3 x $0.40
		2.00,  // 2 x $1
	}
	if len(est.Lines) != len(want) {
		t.Fatalf("%d lines, want %d", len(est.Lines), len(want))
	}
	sum := 0.0
	for i, w := range want {
		if est.Lines[i].Monthly != w {
			t.Errorf("%s: $%.2f, want $%.2f", est.Lines[i].Item, est.Lines[i].Monthly, w)
		}
		if est.Lines[i].Assumption == "" {
			t.Errorf("%s states no assumption", est.Lines[i].Item)
		}
		sum += w
	}
	if est.Total != 155.58 || est.Total != cents(sum) {
		t.Errorf("total $%.2f, want $155.58", est.Total)
	}
}

func TestMultiAZDoublesTheDatabase(t *testing.T) {
	single, _ := Of(env(3, "t3.small", "db.t3.small", false), prices)
	multi, _ := Of(env(3, "t3.small", "db.t3.small", true), prices)
	if multi.Lines[3].Monthly != 2*single.Lines[3].Monthly || multi.Lines[3].Monthly != 52.56 {
		t.Errorf("instance: single $%.2f, multi $%.2f; want $26.28 and $52.56", single.Lines[3].Monthly, multi.Lines[3].Monthly)
	}
	if multi.Lines[4].Monthly != 4.60 {
		t.Errorf("multi-AZ storage $%.2f, want $4.60", multi.Lines[4].Monthly)
	}
}

func TestUnknownPrice(t *testing.T) {
	if _, err := Of(env(1, "t3.nano", "db.t3.micro", false), prices); err == nil {
		t.Error("an instance type without a price was estimated")
	}
}

func TestExpectedRangeExplained(t *testing.T) {
	e := env(3, "t3.small", "db.t3.small", true)
	e.ExpectedMonthlyCost = &model.CostRange{Low: 300, High: 400}
	est, _ := Of(e, prices)
	found := false
	for _, n := range est.Notes {
		found = found || n == "below the expected $300-400: the expectation may include what is not counted above"
	}
	if !found {
		t.Errorf("notes %v do not explain the gap to $300-400 (total $%.2f)", est.Notes, est.Total)
	}
}
