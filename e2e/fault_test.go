package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Faults: lexgen as a process, killed, racing itself, or denied its output
// folder, must never leave out/ half written.

var lexgenBin = struct {
	once sync.Once
	path string
	err  error
}{}

// lexgen builds the command once per test binary.
func lexgen(t *testing.T) string {
	t.Helper()
	lexgenBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "lexgen-bin-")
		if err != nil {
			lexgenBin.err = err
			return
		}
		lexgenBin.path = filepath.Join(dir, "lexgen")
		out, err := exec.Command("go", "build", "-o", lexgenBin.path, "github.com/lexecon/lexgen/cmd/lexgen").CombinedOutput()
		if err != nil {
			lexgenBin.err = &buildError{err, string(out)}
		}
	})
	if lexgenBin.err != nil {
		t.Fatal(lexgenBin.err)
	}
	return lexgenBin.path
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// workspace lays out a repository: the real schema and the golden base
// environments.
func workspace(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	copyDir(t, filepath.Join(repoRoot, "cue.mod"), filepath.Join(root, "cue.mod"))
	copyDir(t, filepath.Join(repoRoot, "schema"), filepath.Join(root, "schema"))
	copyDir(t, filepath.Join(repoRoot, "golden", "base", "envs"), filepath.Join(root, "envs"))
	return root
}

// setTag rewrites the image tag of every environment of root.
func setTag(t *testing.T, root, tag string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(root, "envs", "*.cue"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		for _, old := range []string{`tag: "0.9.0"`, `tag: "0.9.1"`} {
			s = strings.ReplaceAll(s, old, `tag: "`+tag+`"`)
		}
		if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// treeHash digests every file under dir (names and contents).
func treeHash(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		rel, _ := filepath.Rel(dir, p)
		lines = append(lines, rel+" "+hex.EncodeToString(sum[:]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(sum[:])
}

func render(t *testing.T, root string) {
	t.Helper()
	if out, err := exec.Command(lexgen(t), "-C", root, "render").CombinedOutput(); err != nil {
		t.Fatalf("render: %v\n%s", err, out)
	}
}

// TestKilledRenderLeavesOldOrNew kills renders at random moments, many
// times: every out/<env> must then be wholly the old or wholly the new
// rendering, and the next render cleans up after the killed one.
func TestKilledRenderLeavesOldOrNew(t *testing.T) {
	bin := lexgen(t)
	envs := []string{"production", "staging"}
	// The two states every kill leaves each folder in, one or the other.
	states := map[string]map[string]bool{}
	for _, tag := range []string{"0.9.0", "0.9.1"} {
		root := workspace(t)
		setTag(t, root, tag)
		render(t, root)
		for _, env := range envs {
			if states[env] == nil {
				states[env] = map[string]bool{}
			}
			states[env][treeHash(t, filepath.Join(root, "out", env))] = true
		}
	}

	root := workspace(t)
	render(t, root)
	start := time.Now()
	render(t, root)
	full := time.Since(start) // how long a render takes here
	rng := rand.New(rand.NewSource(1))
	killed := 0
	for i := 0; i < 40; i++ {
		setTag(t, root, []string{"0.9.0", "0.9.1"}[i%2])
		cmd := exec.Command(bin, "-C", root, "render")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int63n(int64(full) + 1)))
		if cmd.Process.Signal(syscall.SIGKILL) == nil {
			killed++
		}
		cmd.Wait()
		for _, env := range envs {
			if h := treeHash(t, filepath.Join(root, "out", env)); !states[env][h] {
				t.Fatalf("kill %d left out/%s neither old nor new", i, env)
			}
		}
	}
	t.Logf("%d renders killed at random points within %v", killed, full)

	render(t, root)
	entries, _ := os.ReadDir(filepath.Join(root, "out"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".lexgen-tmp-") {
			t.Errorf("%s left behind after a complete render", e.Name())
		}
	}
	if out, err := exec.Command(bin, "-C", root, "render", "--check").CombinedOutput(); err != nil {
		t.Errorf("render --check after recovery: %v\n%s", err, out)
	}
}

// TestConcurrentRenders: renders started together all succeed and leave
// out/ exactly as one render would.
func TestConcurrentRenders(t *testing.T) {
	bin := lexgen(t)
	root := workspace(t)
	var wg sync.WaitGroup
	errs := make(chan string, 6)
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if out, err := exec.Command(bin, "-C", root, "render").CombinedOutput(); err != nil {
				errs <- err.Error() + ": " + string(out)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if out, err := exec.Command(bin, "-C", root, "render", "--check").CombinedOutput(); err != nil {
		t.Errorf("render --check: %v\n%s", err, out)
	}
}

// TestUnwritableOut: an out/ lexgen cannot write gives a clear error and
// exit 1.
func TestUnwritableOut(t *testing.T) {
	bin := lexgen(t)
	t.Run("out is a file", func(t *testing.T) {
		root := workspace(t)
		os.WriteFile(filepath.Join(root, "out"), []byte("not a folder"), 0o644)
		out, err := exec.Command(bin, "-C", root, "render").CombinedOutput()
		if code := exitCode(err); code != 1 || !strings.Contains(string(out), "cannot create out: ") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
	t.Run("out is read-only", func(t *testing.T) {
		root := workspace(t)
		render(t, root)
		setTag(t, root, "0.9.1")
		before := treeHash(t, filepath.Join(root, "out"))
		cmd := exec.Command(bin, "-C", root, "render")
		if os.Geteuid() == 0 {
			// root writes anywhere; run as nobody, who may read the
			// workspace but not write out/.
			need(t, "setpriv", "apt-get install util-linux")
			cmd = exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin, "-C", root, "render")
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
			for _, dir := range []string{filepath.Dir(root), root} {
				os.Chmod(dir, 0o755)
			}
			filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.IsDir() {
					os.Chmod(p, 0o755)
				}
				return nil
			})
		}
		if err := os.Chmod(filepath.Join(root, "out"), 0o555); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(filepath.Join(root, "out"), 0o755)
		out, err := cmd.CombinedOutput()
		if code := exitCode(err); code != 1 || !strings.Contains(string(out), "permission denied") {
			t.Errorf("exit %d:\n%s", code, out)
		}
		if after := treeHash(t, filepath.Join(root, "out")); after != before {
			t.Error("out/ changed")
		}
	})
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if e, ok := err.(*exec.ExitError); ok {
		return e.ExitCode()
	}
	return -1
}

// TestVersion: the built binary names the CUE version it evaluates with
// (the test binary behind the CLI scripts carries no module versions).
func TestVersion(t *testing.T) {
	out, err := exec.Command(lexgen(t), "version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "\ncue v0.17.1\n") {
		t.Errorf("lexgen version: %v\n%s", err, out)
	}
}
