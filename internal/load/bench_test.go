package load

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lexecon/lexgen/internal/model/modeltest"
)

// randomRepo lays out a repository with n random environments.
func randomRepo(tb testing.TB, n int) *Repo {
	tb.Helper()
	root := filepath.Join(tb.TempDir(), "repo")
	if err := modeltest.WriteRepo("../..", root, n, 1); err != nil {
		tb.Fatal(err)
	}
	r, err := Open(root)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// TestParallelLoadEqualsSerial: the number of workers changes nothing.
func TestParallelLoadEqualsSerial(t *testing.T) {
	r := randomRepo(t, 30)
	serial, ds := r.LoadWorkers(r.Names(), 1)
	if ds != nil {
		t.Fatal(ds)
	}
	for _, w := range []int{2, 3, 8} {
		parallel, ds := r.LoadWorkers(r.Names(), w)
		if ds != nil {
			t.Fatal(ds)
		}
		if diff := cmp.Diff(serial, parallel); diff != "" {
			t.Errorf("%d workers (-serial +parallel):\n%s", w, diff)
		}
	}
	// Diagnostics too: break a third of them.
	for i, n := range r.Names() {
		if i%3 == 0 {
			p := filepath.Join(r.Root, r.envs[n])
			data, _ := os.ReadFile(p)
			os.WriteFile(p, append(data, []byte("\n\""+n+"\": database: backupRetentionDays: 99\n")...), 0o644)
		}
	}
	r2, err := Open(r.Root)
	if err != nil {
		t.Fatal(err)
	}
	_, serialDs := r2.LoadWorkers(r2.Names(), 1)
	_, parallelDs := r2.LoadWorkers(r2.Names(), 4)
	if len(serialDs) < 10 {
		t.Fatalf("only %d diagnostics", len(serialDs))
	}
	if diff := cmp.Diff(serialDs, parallelDs); diff != "" {
		t.Errorf("diagnostics (-serial +parallel):\n%s", diff)
	}
}

// BenchmarkLoadOne is loading, validating and decoding one environment in
// a warm evaluator (the schema already compiled).
func BenchmarkLoadOne(b *testing.B) {
	r := randomRepo(b, 1)
	name := r.Names()[0]
	ev, ds := r.newEvaluator(name)
	if ds != nil {
		b.Fatal(ds)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, ds := ev.load(name); ds != nil {
			b.Fatal(ds)
		}
	}
}

// BenchmarkLoad100 is Load of 100 environments, parallel as lexgen runs it.
func BenchmarkLoad100(b *testing.B) {
	r := randomRepo(b, 100)
	b.ReportAllocs()
	for b.Loop() {
		if _, ds := r.Load(r.Names()); ds != nil {
			b.Fatal(ds)
		}
	}
}
