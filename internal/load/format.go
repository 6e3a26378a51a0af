package load

import (
	"bytes"
	"path/filepath"
	"sort"

	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
)

// Reformatted is one file of envs/ whose canonical CUE formatting differs
// from what is on disk.
type Reformatted struct {
	Path string // envs/production.cue, relative to the root
	Data []byte // the file as cue fmt writes it
}

// Format formats every file of envs/ as read by Open (CRLF files come back
// with LF) and returns those that change, in path order. A file that does
// not parse is a diagnostic, and nothing is returned for it.
func (r *Repo) Format() ([]Reformatted, Diagnostics) {
	var out []Reformatted
	var ds Diagnostics
	paths := make([]string, 0, len(r.sources))
	for p := range r.sources {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		src := r.sources[p]
		f, err := parser.ParseFile(filepath.Join(r.Root, filepath.FromSlash(p)), src, parser.ParseComments)
		if err != nil {
			ds = append(ds, fromCUE(r.Root, err)...)
			continue
		}
		// As cue fmt (and golden's TestCUEIsFormatted) formats.
		got, err := format.Node(f)
		if err != nil {
			ds = append(ds, fromCUE(r.Root, err)...)
			continue
		}
		if !bytes.Equal(got, src) {
			out = append(out, Reformatted{Path: p, Data: got})
		}
	}
	return out, append(append(Diagnostics(nil), r.diags...), ds...).sortAndDedupe()
}
