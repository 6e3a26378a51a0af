// Command etcd is etcd's server, built at the version Kubernetes uses, for
// the kube-apiserver of `make e2e`.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
