package model

// Prices is schema/prices.cue: the list prices the cost estimate uses.
type Prices struct {
	Region                   string              `json:"region"`
	Currency                 string              `json:"currency"`
	Taken                    string              `json:"taken"`
	HoursPerMonth            float64             `json:"hoursPerMonth"`
	EC2                      map[string]float64  `json:"ec2"`
	RDS                      map[string]float64  `json:"rds"`
	EC2Capacity              map[string]Capacity `json:"ec2Capacity"`
	EKSControlPlanePerHour   float64             `json:"eksControlPlanePerHour"`
	EBSGp3PerGBMonth         float64             `json:"ebsGp3PerGBMonth"`
	RDSGp3PerGBMonth         float64             `json:"rdsGp3PerGBMonth"`
	RDSBackupPerGBMonth      float64             `json:"rdsBackupPerGBMonth"`
	SecretPerMonth           float64             `json:"secretPerMonth"`
	KMSKeyPerMonth           float64             `json:"kmsKeyPerMonth"`
	SpotDiscount             float64             `json:"spotDiscount"`
	CrossRegionTransferPerGB float64             `json:"crossRegionTransferPerGB"`
}

// CostRange is a monthly cost someone expects, such as the seed's
// "~$150-200/month", shown beside lexgen's own estimate.
type CostRange struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Capacity is what one instance type offers.
type Capacity struct {
	VCPU      float64 `json:"vcpu"`
	MemoryGiB float64 `json:"memoryGiB"`
	// MaxPods is the most pods a node runs with the VPC CNI.
	MaxPods int `json:"maxPods"`
}
