//go:build tools

// Package tools pins KWOK, which `make e2e` builds into .cache/ to simulate
// the nodes of an environment's node group and the lifecycle of their pods
// for the scheduling check (sigs.k8s.io/kwok on the Go module proxy).
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
