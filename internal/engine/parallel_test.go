package engine

import (
	"bytes"
	"math/rand"
	"testing"

	"github.com/lexecon/lexgen/internal/model"
	"github.com/lexecon/lexgen/internal/model/modeltest"
)

// TestParallelRenderEqualsSerial: rendering with many workers gives the same
// bytes, in the same order, as rendering one environment at a time.
func TestParallelRenderEqualsSerial(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	var envs []*model.Environment
	for i := 0; i < 40; i++ {
		envs = append(envs, modeltest.Random(r, "env-"+string(rune('a'+i%26))+string(rune('a'+i/26))))
	}
	serial, err := RenderAll(envs, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []int{2, 4, 16} {
		parallel, err := RenderAll(envs, w)
		if err != nil {
			t.Fatal(err)
		}
		for i := range serial {
			if len(serial[i]) != len(parallel[i]) {
				t.Fatalf("%d workers: env %d has %d files, serially %d", w, i, len(parallel[i]), len(serial[i]))
			}
			for j := range serial[i] {
				if serial[i][j].Path != parallel[i][j].Path || !bytes.Equal(serial[i][j].Data, parallel[i][j].Data) {
					t.Errorf("%d workers: %s of env %d differs", w, serial[i][j].Path, i)
				}
			}
		}
	}
}
