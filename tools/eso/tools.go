//go:build tools

// Package tools pins the External Secrets Operator that `make e2e` builds
// into .cache/ and runs against the e2e kube-apiserver.
package tools

import (
	_ "github.com/external-secrets/external-secrets"
)
