package output

import (
	"fmt"
	"math/rand"
	"os"
	"testing"

	"github.com/lexecon/lexgen/internal/model/modeltest"
	"github.com/lexecon/lexgen/internal/render"
)

// benchTree is n environments of one random environment's files (about
// 25 files each), named env0000 ...
func benchTree(b *testing.B, n int) Tree {
	files, err := render.Environment(modeltest.Random(rand.New(rand.NewSource(1)), "bench"))
	if err != nil {
		b.Fatal(err)
	}
	t := Tree{Envs: map[string][]render.File{}, Complete: true}
	for i := 0; i < n; i++ {
		t.Envs[fmt.Sprintf("env%04d", i)] = files
	}
	return t
}

// BenchmarkWrite1000 writes 1000 environments into an empty out/: every
// file written, synced and swapped into place (what a first render does).
func BenchmarkWrite1000(b *testing.B) {
	t := benchTree(b, 1000)
	files := 0
	for _, fs := range t.Envs {
		files += len(fs)
	}
	b.ReportMetric(float64(files), "files/op")
	for b.Loop() {
		b.StopTimer()
		root := b.TempDir()
		b.StartTimer()
		if _, err := Write(root, t); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.RemoveAll(root)
		b.StartTimer()
	}
}
