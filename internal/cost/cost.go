// Package cost estimates what one environment costs per month from the price
// table in schema/prices.cue: line items of quantity x unit price, each with
// the assumption it rests on.
package cost

import (
	"fmt"
	"math"

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

// cents rounds to the cent, so that the total is the sum of the lines as
// printed.
func cents(x float64) float64 { return math.Round(x*100) / 100 }

// Of estimates e's monthly cost at prices p.
func Of(e *model.Environment, p *model.Prices) (Estimate, error) {
	h := p.HoursPerMonth
	est := Estimate{Environment: e.Name, Currency: p.Currency, PriceRegion: p.Region, PricesTaken: p.Taken, Expected: e.ExpectedMonthlyCost}
	add := func(item string, qty float64, unit string, price float64, assumption string) {
		est.Lines = append(est.Lines, Line{Item: item, Quantity: qty, Unit: unit, UnitPrice: price, Monthly: cents(qty * price), Assumption: assumption})
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
	add(fmt.Sprintf("EKS nodes: %d x %s", n.Desired, n.InstanceType), float64(n.Desired)*h, "instance-hour", ec2,
		fmt.Sprintf("the desired size (%d) all month, on demand; between min %d ($%.2f) and max %d ($%.2f)",
			n.Desired, n.Min, cents(float64(n.Min)*h*ec2), n.Max, cents(float64(n.Max)*h*ec2)))
	add("EKS node disks (gp3)", float64(n.Desired*n.DiskSizeGiB), "GB-month", p.EBSGp3PerGBMonth,
		fmt.Sprintf("%d GiB per node", n.DiskSizeGiB))
	azs, azNote := 1.0, "single-AZ"
	if d.MultiAZ {
		azs, azNote = 2, "multi-AZ: a standby instance in a second zone doubles it"
	}
	add("RDS PostgreSQL "+d.InstanceClass, azs*h, "instance-hour", rds, azNote)
	add("RDS storage (gp3)", azs*float64(d.AllocatedStorageGiB), "GB-month", p.RDSGp3PerGBMonth,
		fmt.Sprintf("%d GB allocated, %s", d.AllocatedStorageGiB, map[bool]string{false: "single-AZ", true: "multi-AZ doubles it"}[d.MultiAZ]))
	add("RDS backup storage", 0, "GB-month", p.RDSBackupPerGBMonth,
		fmt.Sprintf("%d days of backups fit in the free allowance of %d GB (the allocated storage) while daily changes stay small", d.BackupRetentionDays, d.AllocatedStorageGiB))
	add("Secrets Manager secrets", 3, "secret-month", p.SecretPerMonth,
		"the app and database secrets Terraform creates and the master secret RDS manages; API calls not counted")
	add("KMS keys", 2, "key-month", p.KMSKeyPerMonth, "the database key and the secrets key; requests not counted")

	for _, l := range est.Lines {
		est.Total += l.Monthly
	}
	est.Total = cents(est.Total)
	if e.AWS.Region != p.Region {
		est.Notes = append(est.Notes, fmt.Sprintf("priced at %s list prices; %s prices differ", p.Region, e.AWS.Region))
	}
	est.Notes = append(est.Notes,
		"not counted: data transfer, NAT gateways and load balancers (the module creates none), CloudWatch logs and metrics, Enhanced Monitoring logs")
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
