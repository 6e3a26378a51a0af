package render

import (
	"math/rand"
	"testing"

	"github.com/lexecon/lexgen/internal/model/modeltest"
)

// BenchmarkRenderOne renders every file of one environment.
func BenchmarkRenderOne(b *testing.B) {
	e := modeltest.Random(rand.New(rand.NewSource(1)), "bench")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Environment(e); err != nil {
			b.Fatal(err)
		}
	}
}
