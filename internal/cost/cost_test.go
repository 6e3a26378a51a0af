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
	BackupWarmPerGBMonth: 0.095, BackupColdPerGBMonth: 0.01,
	LogsIngestPerGB: 0.50, LogsStoragePerGBMonth: 0.03, EKSLogGBPerTypeMonth: 1, RDSLogGBPerMonth: 0.5,
}

func env(nodes int, node, db string, multiAZ bool) *model.Environment {
	return &model.Environment{
		Name: "x",
		AWS:  model.AWS{Region: "us-east-1"},
		Cluster: model.Cluster{LogTypes: []string{"api", "audit", "authenticator"}, LogRetentionDays: 90, Nodes: model.NodeGroup{
			InstanceType: node, Desired: nodes, Min: nodes, Max: nodes + 2, DiskSizeGiB: 20,
		}},
		Database: model.Database{InstanceClass: db, MultiAZ: multiAZ, AllocatedStorageGiB: 20, BackupRetentionDays: 7, LogRetentionDays: 30, PerformanceInsights: true},
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
		1.50,  // 3 log types x 1 GB x $0.50
		0.25,  // 0.5 GB x $0.50
		0.28,  // (3 GB x 90/30 + 0.5 GB x 30/30) = 9.5 GB x $0.03 = 0.285, 0.28 in binary floating point
		0,     // Performance Insights, 7 days free
		1.20,  // 3 x $0.40
		3.00,  // 3 x $1: database, secrets, logs
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
	if est.Total != 158.61 || est.Total != Cents(sum) {
		t.Errorf("total $%.2f, want $158.61", est.Total)
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

// TestOptions checks the lines the cost-reduction and recovery options
// change, against arithmetic done by hand.
func TestOptions(t *testing.T) {
	p := *prices
	p.SpotDiscount, p.CrossRegionTransferPerGB = 0.6, 0.02
	e := env(3, "t3.medium", "db.t3.micro", false)
	e.Cluster.Nodes.CapacityType = "SPOT"
	e.Cluster.Nodes.Schedule = &model.Schedule{TimeZone: "UTC", Days: "MON-FRI", DownAt: "20:00", UpAt: "07:00", NightSize: 1}
	e.Database.BackupReplication = &model.BackupReplication{Region: "us-west-2", RetentionDays: 14}
	e.Database.MaxAllocatedStorageGiB = 100
	est, err := Of(e, &p)
	if err != nil {
		t.Fatal(err)
	}
	byItem := map[string]Line{}
	for _, l := range est.Lines {
		byItem[l.Item] = l
	}
	// 13 h x 5 days = 65 day hours of 168: (65 x 3 + 103 x 1) / 168 = 1.7738
	// nodes on average; x 730 h = 1294.88 h at $0.0416 x 0.4 = $21.55.
	nodes := byItem["EKS nodes: t3.medium, 3 by day, 1 at night (spot)"]
	if nodes.Monthly != 21.55 {
		t.Errorf("nodes: %+v, want $21.55", nodes)
	}
	if d := byItem["EKS node disks (gp3)"]; d.Monthly != 2.84 { // 1.7738 x 20 GB x $0.08
		t.Errorf("disks: %+v, want $2.84", d)
	}
	if r := byItem["Replicated backups in us-west-2"]; r.Monthly != 1.90 { // 20 GB x $0.095
		t.Errorf("replicated backups: %+v, want $1.90", r)
	}
	if x := byItem["Cross-region backup transfer"]; x.Monthly != 0.40 { // 20 GB x $0.02
		t.Errorf("transfer: %+v, want $0.40", x)
	}
	if k := byItem["KMS keys"]; k.Quantity != 4 {
		t.Errorf("KMS keys: %+v, want 4", k)
	}
	// An AWS Backup plan with cold storage and a copy: RDS snapshots stay
	// warm, the copy is priced as warm storage there plus the transfer.
	e.Database.BackupPlan = &model.BackupPlan{Schedule: "cron(0 5 ? * * *)", DeleteAfterDays: 120, ColdStorageAfterDays: 30, CopyRegion: "eu-west-1"}
	if est, err = Of(e, &p); err != nil {
		t.Fatal(err)
	}
	byItem = map[string]Line{}
	for _, l := range est.Lines {
		byItem[l.Item] = l
	}
	for item, want := range map[string]float64{
		"AWS Backup vault (warm)":      1.90, // 20 GB x $0.095
		"AWS Backup vault (cold)":      0,
		"AWS Backup copy in eu-west-1": 1.90,
		"AWS Backup copy transfer":     0.40, // 20 GB x $0.02
		"KMS keys":                     5,    // database, secrets, logs, replica, backup copy
	} {
		if l, ok := byItem[item]; !ok || l.Monthly != want {
			t.Errorf("%s: %+v, want $%.2f", item, l, want)
		}
	}
	found := false
	for _, n := range est.Notes {
		found = found || n == "storage autoscaling may grow the database to 100 GB: up to $9.20 a month more" // 80 GB x $0.115
	}
	if !found {
		t.Errorf("notes %v lack the storage autoscaling ceiling", est.Notes)
	}
}

func TestDayHours(t *testing.T) {
	for _, c := range []struct {
		s    model.Schedule
		want float64
	}{
		{model.Schedule{Days: "MON-FRI", DownAt: "20:00", UpAt: "07:00"}, 65},
		{model.Schedule{Days: "MON-SUN", DownAt: "22:30", UpAt: "06:00"}, 115.5},
		{model.Schedule{Days: "MON-FRI", DownAt: "01:00", UpAt: "09:00"}, 80}, // down after midnight
	} {
		if got := dayHoursPerWeek(&c.s); got != c.want {
			t.Errorf("%+v: %v day hours a week, want %v", c.s, got, c.want)
		}
	}
}
