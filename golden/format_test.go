package golden

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cuelang.org/go/cue/format"
)

// malformedOnPurpose reports the invalid-input cases whose files cannot be
// formatted because they are not CUE at all.
func malformedOnPurpose(p string) bool {
	for _, c := range []string{"syntax-error", "non-utf8-bytes", "empty-file", "cr-line-endings", "unquoted-hyphen-name"} {
		if strings.Contains(p, "/invalid/"+c+"/") {
			return true
		}
	}
	return false
}

// TestCUEIsFormatted holds every .cue file of the repository to `cue fmt`.
func TestCUEIsFormatted(t *testing.T) {
	n := 0
	err := filepath.WalkDir(repoRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == ".cache" || p != repoRoot && strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".cue") || malformedOnPurpose(p) {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		got, err := format.Source(src)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		if !bytes.Equal(got, src) {
			rel, _ := filepath.Rel(repoRoot, p)
			t.Errorf("%s is not formatted; run make fmt", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("only %d .cue files found", n)
	}
}
