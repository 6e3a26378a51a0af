package golden

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCRLFRendersAsLF: an environment file saved with CRLF line endings
// (a Windows editor) is read as the LF one is and renders the same out/.
func TestCRLFRendersAsLF(t *testing.T) {
	lf := workspace(t, "")
	crlf := workspace(t, "")
	p := filepath.Join(crlf, "envs", "production.cue")
	src, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	src = bytes.ReplaceAll(src, []byte("\n"), []byte("\r\n"))
	if err := os.WriteFile(p, src, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, root := range []string{lf, crlf} {
		if code, _, stderr := lexgen("-C", root, "render"); code != 0 {
			t.Fatalf("render %s: exit %d\n%s", root, code, stderr)
		}
	}
	if diff := cmp.Diff(readTree(t, filepath.Join(lf, "out")), readTree(t, filepath.Join(crlf, "out"))); diff != "" {
		t.Errorf("out/ from CRLF differs from LF (-lf +crlf):\n%s", diff)
	}
}
