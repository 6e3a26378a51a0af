//go:build tools

// Package tools pins the Kubernetes and etcd servers that `make e2e` builds
// into .cache/ to check rendered manifests against a real API server.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
