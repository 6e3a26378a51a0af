package load

import (
	"fmt"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"
)

// Schema evaluates the schema package alone and returns its
// #Environment: for the generated reference (lexgen schema) and for the
// order of the fields lexgen new writes.
func (r *Repo) Schema() (cue.Value, error) {
	insts := load.Instances([]string{"./" + SchemaDir}, &load.Config{Dir: r.Root})
	if len(insts) != 1 || insts[0].Err != nil {
		return cue.Value{}, fmt.Errorf("loading %s/: %v", SchemaDir, insts[0].Err)
	}
	if ds := r.strayedSchemaFiles(insts[0]); ds != nil {
		return cue.Value{}, ds
	}
	v := cuecontext.New().BuildInstance(insts[0])
	if err := v.Err(); err != nil {
		return cue.Value{}, fmt.Errorf("%s/: %v", SchemaDir, err)
	}
	return v.LookupPath(cue.ParsePath("#Environment")), nil
}

// Export evaluates and validates the environment name, as Load does, and
// returns it as JSON (what `cue export` prints for it): for checking the
// generated JSON Schema against real environments.
func (r *Repo) Export(name string) ([]byte, Diagnostics) {
	if len(r.diags) > 0 {
		return nil, append(Diagnostics(nil), r.diags...).sortAndDedupe()
	}
	ev, ds := r.newEvaluator(name)
	if ds != nil {
		return nil, ds
	}
	v, _, ds := ev.value(name)
	if ds != nil {
		return nil, ds
	}
	raw, err := v.MarshalJSON()
	if err != nil {
		return nil, r.Locate(r.envs[name], fromCUE(r.Root, err))
	}
	return raw, nil
}
