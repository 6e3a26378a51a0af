package load

import (
	"strings"
	"testing"

	"cuelang.org/go/cue/parser"
)

// TestWhereFindsTheDeepestLine: of two fields with the same name on the
// way to a path, the one that holds the path wins, not the later one.
func TestWhereFindsTheDeepestLine(t *testing.T) {
	src := `package envs

staging: {
	cluster: publicAccessCidrs: ["203.0.113.0/24", "198.51.100.0/24"]
	cluster: nodes: {
		desired: 2
	}
	service: "lexecon"
}
`
	f, err := parser.ParseFile("staging.cue", src)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path      string
		line, col int
	}{
		{"staging.cluster.publicAccessCidrs", 4, 11},
		{"staging.cluster.publicAccessCidrs.1", 4, 49},
		{"staging.cluster.nodes.desired", 6, 3},
		{"staging.cluster.admins", 5, 2}, // not set: the last enclosing field
		{"staging.tags", 3, 1},
	} {
		pos := where(f, strings.Split(c.path, "."))
		if pos.Line() != c.line || pos.Column() != c.col {
			t.Errorf("%s: at %d:%d, want %d:%d", c.path, pos.Line(), pos.Column(), c.line, c.col)
		}
	}
}
