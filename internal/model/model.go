// Package model holds one environment as plain Go values, decoded from CUE
// after validation, so that renderers never see an incomplete value.
//
// The types are generated from the schema (model_gen.go, by modelgen); this
// file holds only their methods and constants.
package model

import (
	"maps"
	"slices"
	"strings"
)

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

// Outputs are the parts of out/<env>/ a model field can reach, by the name
// the schema's @out attributes use, each with the path prefix of its files.
// Every field declares in the schema which of them it reaches, and
// internal/render's every-field test holds the renderers to it.
var Outputs = map[string]string{
	"terraform":  "terraform/",  // tfvars and the backend: terraform apply
	"kubernetes": "kubernetes/", // the app's manifests: an Argo CD sync
	"argocd":     "argocd/",     // the Argo CD Application
	"platform":   "platform/",   // the in-cluster components' charts and values
	"scripts":    "scripts/",    // deploy, rollback, bootstrap, terraform wrappers
	"readme":     "README.md",   // the environment's README
}

// OutputNames are the names of Outputs, sorted.
func OutputNames() []string { return slices.Sorted(maps.Keys(Outputs)) }

// OutputOf is the family of a path under out/<env>/, "" for none.
func OutputOf(path string) string {
	for n, prefix := range Outputs {
		if path == prefix || strings.HasSuffix(prefix, "/") && strings.HasPrefix(path, prefix) {
			return n
		}
	}
	return ""
}
