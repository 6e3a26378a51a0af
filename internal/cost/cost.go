// Package cost estimates what one environment costs per month from the price
// table in schema/prices.cue: line items of quantity x unit price, each with
// the assumption it rests on.
package cost

import (
	"fmt"
	"math"
	"strings"

	"github.com/lexecon/lexgen/internal/model"
)

// Line is one item of an estimate.
type Line struct {
	Item       string  `json:"item"`
	Quantity   float64 `json:"quantity"`
	Unit       string  `json:"unit"`
	UnitPrice  float64 `json:"unitPrice"`
	Monthly    float64 `json:"monthly"`
	Assumption string  `json:"assumption"`
}

// Estimate is an environment's monthly cost.
type Estimate struct {
	Environment string           `json:"environment"`
	Currency    string           `json:"currency"`
	PriceRegion string           `json:"priceRegion"`
	PricesTaken string           `json:"pricesTaken"`
	Lines       []Line           `json:"lines"`
	Total       float64          `json:"total"`
	Expected    *model.CostRange `json:"expected,omitempty"`
	Notes       []string         `json:"notes,omitempty"`
}

// Cents rounds to the cent, so that a total is the sum of its lines as
// printed.
func Cents(x float64) float64 { return math.Round(x*100) / 100 }

// dayHoursPerWeek is how many hours a week a schedule keeps the day size:
// from upAt to downAt on each scheduled day. On MON-FRI the group stays
// down from Friday evening to Monday morning.
func dayHoursPerWeek(s *model.Schedule) float64 {
	minutes := func(clock string) int {
		var h, m int
		fmt.Sscanf(clock, "%d:%d", &h, &m)
		return 60*h + m
	}
	day := minutes(s.DownAt) - minutes(s.UpAt)
	if day < 0 {
		day += 24 * 60 // up in the evening, down after midnight
	}
	days := 5.0
	if s.Days == "MON-SUN" {
		days = 7
	}
	return days * float64(day) / 60
}

// Of estimates e's monthly cost at prices p.
func Of(e *model.Environment, p *model.Prices) (Estimate, error) {
	h := p.HoursPerMonth
	est := Estimate{Environment: e.Name, Currency: p.Currency, PriceRegion: p.Region, PricesTaken: p.Taken, Expected: e.ExpectedMonthlyCost}
	add := func(item string, qty float64, unit string, price float64, assumption string) {
		est.Lines = append(est.Lines, Line{Item: item, Quantity: qty, Unit: unit, UnitPrice: price, Monthly: Cents(qty * price), Assumption: assumption})
	}
	n := e.Cluster.Nodes
	ec2, ok := p.EC2[n.InstanceType]
	if !ok {
		return est, fmt.Errorf("no price for EC2 %s in schema/prices.cue", n.InstanceType)
	}
	rds, ok := p.RDS[e.Database.InstanceClass]
	if !ok {
		return est, fmt.Errorf("no price for RDS %s in schema/prices.cue", e.Database.InstanceClass)
	}
	d := e.Database

	add("EKS control plane", h, "hour", p.EKSControlPlanePerHour,
		fmt.Sprintf("%.0f hours a month, standard Kubernetes version support", h))

	// Nodes: the desired size, or with a night-time scale-down the desired
	// size by day and the night size otherwise; on demand or spot.
	nodes, when := float64(n.Desired), fmt.Sprintf("the desired size (%d) all month", n.Desired)
	if s := n.Schedule; s != nil {
		day := dayHoursPerWeek(s)
		nodes = (day*float64(n.Desired) + (168-day)*float64(s.NightSize)) / 168
		when = fmt.Sprintf("%d nodes %s-%s %s (%s), %d otherwise: %.0f of 168 hours a week at day size, %.2f nodes on average",
			n.Desired, s.UpAt, s.DownAt, s.Days, s.TimeZone, s.NightSize, day, nodes)
	}
	nodePrice, buying := ec2, "on demand"
	if n.CapacityType == "SPOT" {
		nodePrice = ec2 * (1 - p.SpotDiscount)
		buying = fmt.Sprintf("spot, assumed %.0f%% below on-demand ($%s); spot prices vary", 100*p.SpotDiscount, fmt.Sprint(ec2))
	}
	item := fmt.Sprintf("EKS nodes: %d x %s", n.Desired, n.InstanceType)
	if n.Schedule != nil {
		item = fmt.Sprintf("EKS nodes: %s, %d by day, %d at night", n.InstanceType, n.Desired, n.Schedule.NightSize)
	}
	if n.CapacityType == "SPOT" {
		item += " (spot)"
	}
	add(item, nodes*h, "instance-hour", nodePrice,
		fmt.Sprintf("%s, %s; between min %d ($%.2f) and max %d ($%.2f) around the clock",
			when, buying, n.Min, Cents(float64(n.Min)*h*nodePrice), n.Max, Cents(float64(n.Max)*h*nodePrice)))
	add("EKS node disks (gp3)", nodes*float64(n.DiskSizeGiB), "GB-month", p.EBSGp3PerGBMonth,
		fmt.Sprintf("%d GiB per node, for the nodes above", n.DiskSizeGiB))
	azs, azNote := 1.0, "single-AZ"
	if d.MultiAZ {
		azs, azNote = 2, "multi-AZ: a standby instance in a second zone doubles it"
	}
	add("RDS PostgreSQL "+d.InstanceClass, azs*h, "instance-hour", rds, azNote)
	add("RDS storage (gp3)", azs*float64(d.AllocatedStorageGiB), "GB-month", p.RDSGp3PerGBMonth,
		fmt.Sprintf("%d GB allocated, %s", d.AllocatedStorageGiB, map[bool]string{false: "single-AZ", true: "multi-AZ doubles it"}[d.MultiAZ]))
	add("RDS backup storage", 0, "GB-month", p.RDSBackupPerGBMonth,
		fmt.Sprintf("%d days of backups fit in the free allowance of %d GB (the allocated storage) while daily changes stay small", d.BackupRetentionDays, d.AllocatedStorageGiB))
	keys, keysNote := 3.0, "the database, secrets and log groups' keys; requests not counted"
	if r := d.BackupReplication; r != nil {
		add("Replicated backups in "+r.Region, float64(d.AllocatedStorageGiB), "GB-month", p.RDSBackupPerGBMonth,
			fmt.Sprintf("about one copy of the %d GB database kept %d days in %s, billed as backup storage there", d.AllocatedStorageGiB, r.RetentionDays, r.Region))
		add("Cross-region backup transfer", float64(d.AllocatedStorageGiB), "GB", p.CrossRegionTransferPerGB,
			"about the database's size a month of changes copied across; it grows with the write volume")
		keys, keysNote = 4, "the database, secrets and log groups' keys and the replicated backups' key; requests not counted"
	}
	if b := d.BackupPlan; b != nil {
		// RDS snapshots stay warm whatever the plan's cold-storage setting
		// (AWS Backup ignores it for RDS); incremental snapshots of a
		// database with small daily changes come to about one copy of it.
		add("AWS Backup vault (warm)", float64(d.AllocatedStorageGiB), "GB-month", p.BackupWarmPerGBMonth,
			fmt.Sprintf("about one copy of the %d GB database, snapshots kept %d days; RDS snapshots do not move to cold storage", d.AllocatedStorageGiB, b.DeleteAfterDays))
		add("AWS Backup vault (cold)", 0, "GB-month", p.BackupColdPerGBMonth,
			"nothing: the plan covers only the RDS database, whose snapshots AWS Backup keeps warm")
		if b.CopyRegion != "" {
			add("AWS Backup copy in "+b.CopyRegion, float64(d.AllocatedStorageGiB), "GB-month", p.BackupWarmPerGBMonth,
				fmt.Sprintf("the same copy kept %d days in %s", b.DeleteAfterDays, b.CopyRegion))
			add("AWS Backup copy transfer", float64(d.AllocatedStorageGiB), "GB", p.CrossRegionTransferPerGB,
				"about the database's size a month copied across; it grows with the write volume")
			keys++
			keysNote += "; and the backup copies' key"
		}
	}

	// CloudWatch Logs: what the control plane and PostgreSQL send, and
	// what the log groups keep at their retention (stored uncompressed
	// here, so an upper bound; CloudWatch bills compressed storage).
	eksGB := float64(len(e.Cluster.LogTypes)) * p.EKSLogGBPerTypeMonth
	add("CloudWatch Logs ingest (EKS control plane)", eksGB, "GB", p.LogsIngestPerGB,
		fmt.Sprintf("%d log types (%s) at an assumed %.1f GB a month each", len(e.Cluster.LogTypes), strings.Join(e.Cluster.LogTypes, ", "), p.EKSLogGBPerTypeMonth))
	add("CloudWatch Logs ingest (PostgreSQL)", p.RDSLogGBPerMonth, "GB", p.LogsIngestPerGB,
		fmt.Sprintf("an assumed %.1f GB a month at RDS's default logging parameters", p.RDSLogGBPerMonth))
	kept := func(gb float64, days int) float64 { return gb * math.Min(float64(days), 3653) / 30 }
	stored := kept(eksGB, e.Cluster.LogRetentionDays) + kept(p.RDSLogGBPerMonth, d.LogRetentionDays)
	add("CloudWatch Logs storage", math.Round(stored*100)/100, "GB-month", p.LogsStoragePerGBMonth,
		fmt.Sprintf("the ingest above kept %d days (control plane) and %d days (PostgreSQL), uncompressed: an upper bound", e.Cluster.LogRetentionDays, d.LogRetentionDays))
	if d.PerformanceInsights {
		add("Performance Insights", 0, "month", 0, "7 days of retention, free (RDS pricing, Performance Insights; Database Insights Standard mode)")
	}

	add("Secrets Manager secrets", 3, "secret-month", p.SecretPerMonth,
		"the app and database secrets Terraform creates and the master secret RDS manages; API calls not counted")
	add("KMS keys", keys, "key-month", p.KMSKeyPerMonth, keysNote)

	for _, l := range est.Lines {
		est.Total += l.Monthly
	}
	est.Total = Cents(est.Total)
	if e.AWS.Region != p.Region {
		est.Notes = append(est.Notes, fmt.Sprintf("priced at %s list prices; %s prices differ", p.Region, e.AWS.Region))
	}
	if d.MaxAllocatedStorageGiB > 0 {
		grow := azs * float64(d.MaxAllocatedStorageGiB-d.AllocatedStorageGiB) * p.RDSGp3PerGBMonth
		est.Notes = append(est.Notes, fmt.Sprintf("storage autoscaling may grow the database to %d GB: up to $%.2f a month more", d.MaxAllocatedStorageGiB, Cents(grow)))
	}
	est.Notes = append(est.Notes,
		"not counted: data transfer, NAT gateways and load balancers (the module creates none), CloudWatch metrics, Enhanced Monitoring logs")
	if x := e.ExpectedMonthlyCost; x != nil {
		switch {
		case est.Total < x.Low:
			est.Notes = append(est.Notes, fmt.Sprintf("below the expected $%.0f-%.0f: the expectation may include what is not counted above", x.Low, x.High))
		case est.Total > x.High:
			est.Notes = append(est.Notes, fmt.Sprintf("above the expected $%.0f-%.0f: see the largest line items", x.Low, x.High))
		}
	}
	return est, nil
}
