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
func where(f *ast.File, path []string) token.Pos {
	var best token.Pos
	var walk func(decls []ast.Decl, path []string)
	walk = func(decls []ast.Decl, path []string) {
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
			best = fd.Label.Pos()
			walkExpr(fd.Value, path[1:], &best, walk)
		}
	}
	walk(f.Decls, path)
	return best
}

func walkExpr(e ast.Expr, path []string, best *token.Pos, walk func([]ast.Decl, []string)) {
	if len(path) == 0 {
		return
	}
	switch x := e.(type) {
	case *ast.StructLit:
		walk(x.Elts, path)
	case *ast.BinaryExpr: // schema.#X & {...}
		walkExpr(x.X, path, best, walk)
		walkExpr(x.Y, path, best, walk)
	case *ast.ParenExpr:
		walkExpr(x.X, path, best, walk)
	case *ast.ListLit:
		i, err := strconv.Atoi(path[0])
		if err != nil || i < 0 || i >= len(x.Elts) {
			return
		}
		*best = x.Elts[i].Pos()
		walkExpr(x.Elts[i], path[1:], best, walk)
	}
}
