//go:build tools

// Package tools pins kube-score, which `make e2e` builds into .cache/ to
// score the rendered manifests (github.com/zegl/kube-score on the Go module
// proxy).
package tools

import _ "github.com/zegl/kube-score/cmd/kube-score"
