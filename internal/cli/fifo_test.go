//go:build unix

package cli_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/lexecon/lexgen/internal/cli"
)

// TestFIFOInEnvsHangsNoCommand: a named pipe in envs/ (nobody writes to
// it) is refused by every command that reads envs/, which then exits 1;
// none blocks on opening or reading it. envs only lists names and exits 0.
func TestFIFOInEnvsHangsNoCommand(t *testing.T) {
	dir := t.TempDir()
	if err := layout(repoRoot(t), dir); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mkfifo(filepath.Join(dir, "envs", "qa.cue"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"envs"}, 0},
		{[]string{"validate"}, 1},
		{[]string{"render"}, 1},
		{[]string{"render", "--check"}, 1},
		{[]string{"diff"}, 1},
		{[]string{"cost"}, 1},
		{[]string{"compare", "production", "staging"}, 1},
		{[]string{"explain", "production", "database.multiAz"}, 1},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := cli.Main(append([]string{"-C", dir}, tc.args...), &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout.String(), stderr.String())
			}
			if tc.code == 1 && !strings.Contains(stderr.String(), "envs/qa.cue is a named pipe (FIFO); lexgen reads only regular files in envs/") {
				t.Errorf("stderr does not name the FIFO:\n%s", stderr.String())
			}
		})
	}
}
