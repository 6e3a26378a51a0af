// Package delta lists the model fields that differ between two
// environments, or between two versions of one, for compare and review.
package delta

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/lexecon/lexgen/internal/model"
)

// Field is one model field whose value differs; a value is "" where the
// field is absent on that side.
type Field struct {
	Area string `json:"area"` // the top-level part of the model: aws, cluster, ...
	Path string `json:"path"` // database.backupRetentionDays
	Old  string `json:"a"`
	New  string `json:"b"`
}

// Fields lists every leaf field that differs between a and b, in path
// order. Fields named in skip (top-level names) are left out.
func Fields(a, b *model.Environment, skip ...string) ([]Field, error) {
	fa, err := flatten(a)
	if err != nil {
		return nil, err
	}
	fb, err := flatten(b)
	if err != nil {
		return nil, err
	}
	paths := map[string]bool{}
	for p := range fa {
		paths[p] = true
	}
	for p := range fb {
		paths[p] = true
	}
	var out []Field
	for p := range paths {
		area, _, _ := strings.Cut(p, ".")
		if contains(skip, area) || fa[p] == fb[p] {
			continue
		}
		out = append(out, Field{Area: area, Path: p, Old: fa[p], New: fb[p]})
	}
	sort.Slice(out, func(i, j int) bool { return less(out[i].Path, out[j].Path) })
	return out, nil
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// less orders paths by segment, numbers as numbers, so nodeSubnets.10
// follows nodeSubnets.9.
func less(a, b string) bool {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(as) && i < len(bs); i++ {
		if as[i] == bs[i] {
			continue
		}
		var ai, bi int
		if _, err := fmt.Sscan(as[i], &ai); err == nil {
			if _, err := fmt.Sscan(bs[i], &bi); err == nil {
				return ai < bi
			}
		}
		return as[i] < bs[i]
	}
	return len(as) < len(bs)
}

// flatten maps every leaf of e's JSON form to its value as text.
func flatten(e *model.Environment) (map[string]string, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	out := map[string]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				walk(join(path, k), c)
			}
		case []any:
			for i, c := range x {
				walk(join(path, fmt.Sprint(i)), c)
			}
		case string:
			out[path] = x
		case nil:
		default:
			b, _ := json.Marshal(x)
			out[path] = string(b)
		}
	}
	walk("", v)
	return out, nil
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}
