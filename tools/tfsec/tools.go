//go:build tools

// Package tools pins tfsec, the Terraform scanner `make e2e` builds into
// .cache/ and runs over infrastructure/terraform with every environment's
// and golden case's tfvars.
package tools

import (
	_ "github.com/aquasecurity/tfsec/cmd/tfsec"
)
