// Package e2e checks lexgen's output with the real tools that consume it.
//
// Without build tags it runs the quick checks (terraform fmt, the tfvars
// against variables.tf). With -tags e2e (`make e2e`) it also validates and
// plans the whole Terraform module against the real AWS provider, offline,
// and applies every manifest to a real kube-apiserver built from source.
package e2e
