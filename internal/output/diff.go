package output

import (
	"github.com/rogpeppe/go-internal/diff"
)

// Diff is a unified diff of one change, as `git diff` would show it.
func Diff(c Change) []byte {
	oldName, newName := "a/"+c.Path, "b/"+c.Path
	switch c.Kind {
	case Missing:
		oldName = "/dev/null"
	case Extra:
		newName = "/dev/null"
	}
	return diff.Diff(oldName, c.Old, newName, c.New)
}
