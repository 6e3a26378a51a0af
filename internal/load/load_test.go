package load

import (
	"encoding/json"
	"math/rand"
	"path"
	"sort"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/lexecon/lexgen/internal/model/modeltest"
	"github.com/lexecon/lexgen/internal/render"
)

// TestDecodeLosesNothing compares each environment as CUE exports it with
// the decoded Go model: a schema field the model lacks (or names
// differently) would be silently dropped by Decode, and shows up here.
func TestDecodeLosesNothing(t *testing.T) {
	r, err := Open("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range r.Names() {
		ev, ds := r.newEvaluator(name)
		if ds != nil {
			t.Fatal(ds)
		}
		v, _, ds := ev.value(name)
		if ds != nil {
			t.Fatalf("%s: %v", name, ds)
		}
		var fromCUE, fromModel any
		raw, err := v.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &fromCUE); err != nil {
			t.Fatal(err)
		}
		envs, ds := r.Load([]string{name})
		if ds != nil {
			t.Fatal(ds)
		}
		raw, err = json.Marshal(envs[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &fromModel); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(fromCUE, fromModel); diff != "" {
			t.Errorf("%s: the Go model does not hold what CUE says (-cue +model):\n%s", name, diff)
		}
	}
}

func TestSeedFigures(t *testing.T) {
	r, err := Open("../..")
	if err != nil {
		t.Fatal(err)
	}
	envs, ds := r.Load([]string{"production", "staging"})
	if ds != nil {
		t.Fatal(ds)
	}
	prod, stg := envs[0], envs[1]
	// The figures of the seed's "Environment Separation" and "Cost
	// Optimization" sections, and its autoscaling and DR targets.
	for _, c := range []struct {
		what      string
		got, want any
	}{
		// The seed says 2; a drain needs 3 (README, The platform).
		{"staging nodes", stg.Cluster.Nodes.Desired, 3},
		{"staging node type", stg.Cluster.Nodes.InstanceType, "t3.medium"},
		{"staging db class", stg.Database.InstanceClass, "db.t3.micro"},
		{"staging backups", stg.Database.BackupRetentionDays, 7},
		{"staging multi-AZ", stg.Database.MultiAZ, false},
		// The seed says 3+; 3 cannot survive a drain with the platform
		// (envs/production.cue says why).
		{"production nodes", prod.Cluster.Nodes.Desired, 4},
		{"production node type", prod.Cluster.Nodes.InstanceType, "t3.small"},
		{"production db class", prod.Database.InstanceClass, "db.t3.small"},
		{"production backups", prod.Database.BackupRetentionDays, 30},
		{"production multi-AZ", prod.Database.MultiAZ, true},
		{"production tier", prod.IsProduction(), true},
		{"staging tier", stg.IsProduction(), false},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, the seed says %v", c.what, c.got, c.want)
		}
	}
	for _, e := range envs {
		a := e.App
		if a.Replicas.Min != 2 || a.Replicas.Max != 5 || a.Autoscaling.CPUPercent != 70 || a.Autoscaling.MemoryPercent != 80 {
			t.Errorf("%s: replicas %d-%d at %d%% CPU / %d%% memory, the seed says 2-5 at 70%% / 80%%", e.Name, a.Replicas.Min, a.Replicas.Max, a.Autoscaling.CPUPercent, a.Autoscaling.MemoryPercent)
		}
		if e.Recovery.RTOMinutes != 30 || e.Recovery.RPOMinutes != 60 {
			t.Errorf("%s: RTO %d min, RPO %d min; the seed says 30 min and 1 h", e.Name, e.Recovery.RTOMinutes, e.Recovery.RPOMinutes)
		}
		if a.Port != 8000 || a.HealthPath != "/health" || a.MetricsPath != "/metrics" {
			t.Errorf("%s: port %d, health %s, metrics %s; the seed uses 8000, /health, /metrics", e.Name, a.Port, a.HealthPath, a.MetricsPath)
		}
	}
}

// TestNameRuleMatchesTheSchema keeps the Go check of environment names (made
// before evaluation, because names become paths) in step with the schema's
// #EnvName, which stays the rule.
func TestNameRuleMatchesTheSchema(t *testing.T) {
	insts := load.Instances([]string{"./schema"}, &load.Config{Dir: "../.."})
	if insts[0].Err != nil {
		t.Fatal(insts[0].Err)
	}
	ctx := cuecontext.New()
	rule := ctx.BuildInstance(insts[0]).LookupPath(cue.ParsePath("#EnvName"))
	for _, name := range []string{
		"a", "staging", "prod-1", "a-b-c", "abcdefghijklmnopqrstuvwx", "abcdefghijklmnopqrstuvwxy",
		"", "-a", "a-", "1a", "A", "Prod", "a_b", "a b", "a/b", "..", "a.b", "é",
	} {
		cueOK := rule.Unify(ctx.Encode(name)).Validate(cue.Concrete(true)) == nil
		if goOK := validName.MatchString(name); goOK != cueOK {
			t.Errorf("%q: the Go rule says %v, the schema %v", name, goOK, cueOK)
		}
	}
}

// TestReservedEnvNamesMatchTheRenderers keeps schema #ReservedEnvNames (the
// app.env names the schema refuses) equal to the variables the renderers put
// in the ConfigMap and the Secret themselves.
func TestReservedEnvNamesMatchTheRenderers(t *testing.T) {
	insts := load.Instances([]string{"./schema"}, &load.Config{Dir: "../.."})
	if insts[0].Err != nil {
		t.Fatal(insts[0].Err)
	}
	var reserved []string
	if err := cuecontext.New().BuildInstance(insts[0]).LookupPath(cue.ParsePath("#ReservedEnvNames")).Decode(&reserved); err != nil {
		t.Fatal(err)
	}
	e := modeltest.Random(rand.New(rand.NewSource(1)), "qa")
	e.App.Env, e.App.MetricsEnabled = map[string]string{}, true
	files, err := render.Environment(e)
	if err != nil {
		t.Fatal(err)
	}
	apiKeys := map[string]bool{}
	for _, k := range e.Secrets.APIKeys {
		apiKeys[k] = true
	}
	var set []string
	for _, f := range files {
		var obj struct {
			Data map[string]string `json:"data"`
			Spec struct {
				Target struct {
					Template struct {
						Data map[string]string `json:"data"`
					} `json:"template"`
				} `json:"target"`
			} `json:"spec"`
		}
		switch path.Base(f.Path) {
		case "configmap.yaml", "externalsecret.yaml":
			if err := yaml.Unmarshal(f.Data, &obj); err != nil {
				t.Fatal(err)
			}
		default:
			continue
		}
		for k := range obj.Data {
			set = append(set, k)
		}
		for k := range obj.Spec.Target.Template.Data {
			if !apiKeys[k] {
				set = append(set, k)
			}
		}
	}
	sort.Strings(set)
	sort.Strings(reserved)
	if diff := cmp.Diff(set, reserved); diff != "" {
		t.Errorf("schema #ReservedEnvNames (+) and the variables lexgen renders itself (-) differ:\n%s", diff)
	}
}
