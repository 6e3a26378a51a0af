// Package model holds one environment as plain Go values, decoded from CUE
// after validation, so that renderers never see an incomplete value.
//
// The types are generated from the schema (model_gen.go, by modelgen); this
// file holds only their methods and constants.
package model

//go:generate go run ../cmd/genmodel -root ../..

// ProductionTier is the tier whose policies guard availability and data.
const ProductionTier = "production"

// IsProduction reports whether the production-tier policies apply.
func (e *Environment) IsProduction() bool { return e.Tier == ProductionTier }

// NodeZones are the zones of the node subnets, each once, in subnet order:
// the zones the node group's autoscaling group balances its nodes over.
func (e *Environment) NodeZones() []string {
	var zones []string
	seen := map[string]bool{}
	for _, s := range e.AWS.NodeSubnets {
		if !seen[s.Zone] {
			seen[s.Zone] = true
			zones = append(zones, s.Zone)
		}
	}
	return zones
}

// Ref is the image reference the Deployment runs.
func (i Image) Ref() string { return i.Repository + ":" + i.Tag }
