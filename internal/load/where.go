package load

import (
	"strconv"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"
)

// where finds the line of an environment file that set the value at path
// (["production", "database", "multiAZ"]), or, when the file does not set it,
// the deepest enclosing field it does set. CUE reports the positions of the
// constraints that failed; for a policy failing on a default, that is only
// the schema, and the reviewer also needs the environment's own line.
//
// Of several fields on the way (cluster: publicAccessCidrs: [...] and, later,
// cluster: nodes: {...}), the one that reaches deepest along path wins (the
// last of equally deep ones).
func where(f *ast.File, path []string) token.Pos {
	var best token.Pos
	bestDepth := 0
	set := func(p token.Pos, depth int) {
		if depth >= bestDepth {
			best, bestDepth = p, depth
		}
	}
	var walk func(decls []ast.Decl, path []string, depth int)
	walk = func(decls []ast.Decl, path []string, depth int) {
		if len(path) == 0 {
			return
		}
		for _, d := range decls {
			fd, ok := d.(*ast.Field)
			if !ok {
				continue
			}
			name, _, err := ast.LabelName(fd.Label)
			if err != nil || name != path[0] {
				continue
			}
			set(fd.Label.Pos(), depth+1)
			walkExpr(fd.Value, path[1:], depth+1, set, walk)
		}
	}
	walk(f.Decls, path, 0)
	return best
}

func walkExpr(e ast.Expr, path []string, depth int, set func(token.Pos, int), walk func([]ast.Decl, []string, int)) {
	if len(path) == 0 {
		return
	}
	switch x := e.(type) {
	case *ast.StructLit:
		walk(x.Elts, path, depth)
	case *ast.BinaryExpr: // schema.#X & {...}
		walkExpr(x.X, path, depth, set, walk)
		walkExpr(x.Y, path, depth, set, walk)
	case *ast.ParenExpr:
		walkExpr(x.X, path, depth, set, walk)
	case *ast.ListLit:
		i, err := strconv.Atoi(path[0])
		if err != nil || i < 0 || i >= len(x.Elts) {
			return
		}
		set(x.Elts[i].Pos(), depth+1)
		walkExpr(x.Elts[i], path[1:], depth+1, set, walk)
	}
}
