// Command genmodel writes internal/model/model_gen.go from the CUE schema
// (go generate ./... runs it).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/lexecon/lexgen/internal/model/modelgen"
)

func main() {
	root := flag.String("root", ".", "the repository root")
	flag.Parse()
	src, err := modelgen.Generate(*root)
	if err == nil {
		err = os.WriteFile(filepath.Join(*root, modelgen.Output), src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genmodel:", err)
		os.Exit(1)
	}
}
