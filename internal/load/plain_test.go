package load

import (
	"testing"

	"cuelang.org/go/cue"
	"github.com/google/go-cmp/cmp"
)

// TestPlain is the table of lexgen's rewordings: a CUE error (and what the
// schema and the environment hold at its path) in, a sentence out. Every
// rule of plainAt and plainOne has a row; a row whose rule is removed fails.
func TestPlain(t *testing.T) {
	env := []Position{{File: "envs/staging.cue", Line: 7, Col: 3}}
	schema := []Position{{File: "schema/x.cue", Line: 1, Col: 1}}
	both := append(append([]Position(nil), env...), schema...)
	at := func(path ...string) []string { return append([]string{"staging"}, path...) }
	levels := []string{`"info"`, `"debug"`, `"warning"`, `"error"`}
	tests := []struct {
		name string
		in   []problem
		f    fieldFacts
		fAt  []string // the path f is about; the first problem's when nil
		want []string // path: message
	}{{
		name: "misspelt field: did you mean",
		in:   []problem{{Path: at("database", "multiAz"), Msg: "field not allowed", Pos: env}},
		f:    fieldFacts{Siblings: []string{"engineVersion", "multiAZ", "port"}},
		want: []string{"staging.database.multiAz: database has no field of this name: did you mean multiAZ?"},
	}, {
		name: "unknown field, nothing close",
		in:   []problem{{Path: at("database", "colour"), Msg: "field not allowed", Pos: env}},
		f:    fieldFacts{Siblings: []string{"multiAZ", "port"}},
		want: []string{"staging.database.colour: database has no field of this name (see `lexgen explain ENV database` for what it holds)"},
	}, {
		name: "missing field: what to set, no regular expression",
		in:   []problem{{Path: at("aws", "vpcId"), Msg: `incomplete value =~"^vpc-([0-9a-f]{8}|[0-9a-f]{17})$"`, Pos: schema}},
		f:    fieldFacts{Kind: cue.StringKind, Says: "a VPC id such as vpc-0a1b2c3d: vpc- followed by 8 or 17 hexadecimal digits"},
		want: []string{"staging.aws.vpcId: missing: set aws.vpcId (a VPC id such as vpc-0a1b2c3d: vpc- followed by 8 or 17 hexadecimal digits)"},
	}, {
		name: "missing choice lists the choices",
		in:   []problem{{Path: at("cluster", "nodes", "instanceType"), Msg: `non-concrete value "t3.small" | "t3.medium"`, Pos: schema}},
		f:    fieldFacts{Kind: cue.StringKind, Enum: []string{`"t3.small"`, `"t3.medium"`}, Says: "instanceType must be one of t3.small, t3.medium"},
		want: []string{`staging.cluster.nodes.instanceType: missing: set cluster.nodes.instanceType (one of "t3.small", "t3.medium")`},
	}, {
		name: "missing number says the kind",
		in:   []problem{{Path: at("cluster", "nodes", "desired"), Msg: "incomplete value >=1 & <=100 & int", Pos: schema}},
		f:    fieldFacts{Kind: cue.IntKind},
		want: []string{"staging.cluster.nodes.desired: missing: set cluster.nodes.desired (a whole number)"},
	}, {
		name: "a default another error kept from being worked out is no news",
		in: []problem{
			{Path: at("delivery", "autoSync"), Msg: "incomplete value bool", Pos: schema},
			{Path: at("tier"), Msg: "tier cannot be lowered", Pos: env},
		},
		f:    fieldFacts{Kind: cue.BoolKind, Defaulted: true},
		want: []string{"staging.tier: tier cannot be lowered"},
	}, {
		name: "bound",
		in:   []problem{{Path: at("database", "backupRetentionDays"), Msg: "invalid value 40 (out of bound <=35)", Pos: both}},
		want: []string{"staging.database.backupRetentionDays: must be at most 35, got 40"},
	}, {
		name: "lower bound",
		in:   []problem{{Path: at("database", "backupRetentionDays"), Msg: "invalid value 0 (out of bound >=1)", Pos: both}},
		want: []string{"staging.database.backupRetentionDays: must be at least 1, got 0"},
	}, {
		name: "a string for a number: one type error, not the comparison it broke",
		in: []problem{
			{Path: at("app"), Msg: `invalid operands 2 and "8" to '>' (type int and string)`, Pos: both},
			{Path: at("app", "replicas", "max"), Msg: "replicas are a whole number from 1 to 100", Pos: both},
		},
		f:    fieldFacts{Kind: cue.IntKind, Got: `"8"`, GotKind: cue.StringKind},
		fAt:  at("app", "replicas", "max"),
		want: []string{`staging.app.replicas.max: must be a whole number, got the string "8"`},
	}, {
		name: "mismatched types with nothing known of the environment",
		in:   []problem{{Path: at("database", "backupRetentionDays"), Msg: `conflicting values "seven" and int (mismatched types string and int)`, Pos: both}},
		want: []string{`staging.database.backupRetentionDays: "seven" and int cannot both hold: one is a string, the other a whole number`},
	}, {
		name: "enum: one error for all the alternatives, and a suggestion",
		in: []problem{
			{Path: at("cluster", "nodes", "schedule", "days"), Msg: `conflicting values "MON-FRI" and "Mon-Fri"`, Pos: both},
			{Path: at("cluster", "nodes", "schedule", "days"), Msg: `conflicting values "MON-SUN" and "Mon-Fri"`, Pos: both},
		},
		f:    fieldFacts{Kind: cue.StringKind, Enum: []string{`"MON-FRI"`, `"MON-SUN"`}, Got: `"Mon-Fri"`, GotKind: cue.StringKind},
		want: []string{`staging.cluster.nodes.schedule.days: must be one of "MON-FRI", "MON-SUN"; got "Mon-Fri": did you mean "MON-FRI"?`},
	}, {
		name: "enum with a message of its own",
		in:   []problem{{Path: at("app", "logLevel"), Msg: "logLevel must be one of debug, info, warning, error", Pos: both}},
		f:    fieldFacts{Kind: cue.StringKind, Enum: levels, Got: `"warn"`, GotKind: cue.StringKind},
		want: []string{`staging.app.logLevel: must be one of "info", "debug", "warning", "error"; got "warn": did you mean "warning"?`},
	}, {
		name: "list item: a choice that is part of the value",
		in:   []problem{{Path: at("cluster", "logTypes", "0"), Msg: `conflicting values "api" and "kube-apiserver"`, Pos: both}},
		f:    fieldFacts{Kind: cue.StringKind, Enum: []string{`"api"`, `"audit"`}, Got: `"kube-apiserver"`, GotKind: cue.StringKind},
		want: []string{`staging.cluster.logTypes.0: must be one of "api", "audit"; got "kube-apiserver": did you mean "api"?`},
	}, {
		name: "duplicate item",
		in:   []problem{{Path: at("cluster", "logTypes"), Msg: `invalid value ["api","api"] (does not satisfy list.UniqueItems)`, Pos: both}},
		f:    fieldFacts{Kind: cue.ListKind, Got: `["api", "api"]`, GotKind: cue.ListKind, Items: []string{`"api"`, `"api"`}},
		want: []string{`staging.cluster.logTypes: lists "api" more than once: each item may appear only once`},
	}, {
		name: "list length beside the list's own error is no news",
		in: []problem{
			{Path: at("cluster", "logTypes"), Msg: `invalid value ["api","api"] (does not satisfy list.UniqueItems)`, Pos: both},
			{Path: at("cluster", "logTypes"), Msg: "incompatible list lengths (0 and 2)", Pos: both},
		},
		f:    fieldFacts{Items: []string{`"api"`, `"api"`}},
		want: []string{`staging.cluster.logTypes: lists "api" more than once: each item may appear only once`},
	}, {
		name: "list length alone",
		in:   []problem{{Path: at("cluster", "admins"), Msg: "incompatible list lengths (1 and 3)", Pos: both}},
		want: []string{"staging.cluster.admins: holds 3 items where 1 are expected"},
	}, {
		name: "an accepted item conflicting with a default list's item is no news",
		in: []problem{
			{Path: at("cluster", "logTypes", "1"), Msg: `conflicting values "audit" and "api"`, Pos: both},
			{Path: at("cluster", "logTypes"), Msg: `invalid value ["api","api"] (does not satisfy list.UniqueItems)`, Pos: both},
		},
		f:    fieldFacts{Enum: []string{`"api"`, `"audit"`}, Got: `"api"`, GotKind: cue.StringKind},
		want: []string{`staging.cluster.logTypes: lists an item more than once: each item may appear only once`},
	}, {
		name: "two environment files set one field",
		in:   []problem{{Path: at("app", "logLevel"), Msg: `conflicting values "error" and "debug"`, Pos: []Position{{File: "envs/staging.cue", Line: 3, Col: 1}, {File: "envs/zz.cue", Line: 4, Col: 1}}}},
		want: []string{`staging.app.logLevel: is set to both "error" and "debug", in different files: keep one of them, or write the shared file's value as a default (*value | _), which an environment may override`},
	}, {
		name: "one environment file sets a field twice",
		in:   []problem{{Path: at("app", "logLevel"), Msg: `conflicting values "error" and "debug"`, Pos: []Position{{File: "envs/staging.cue", Line: 3, Col: 1}, {File: "envs/staging.cue", Line: 9, Col: 1}}}},
		want: []string{`staging.app.logLevel: is set to both "error" and "debug": keep one of them`},
	}, {
		name: "the header of a disjunction's errors is dropped",
		in: []problem{
			{Path: at("app", "port"), Msg: "2 errors in empty disjunction:"},
			{Path: at("app", "port"), Msg: "port must be an unprivileged port, 1024 to 65535", Pos: both},
		},
		want: []string{"staging.app.port: port must be an unprivileged port, 1024 to 65535"},
	}, {
		name: "an error about an operand that is an error repeats it",
		in: []problem{
			{Path: at("app", "port"), Msg: "invalid operand _|_ (port)", Pos: both},
			{Path: at("app", "port"), Msg: "port must be an unprivileged port, 1024 to 65535", Pos: both},
		},
		want: []string{"staging.app.port: port must be an unprivileged port, 1024 to 65535"},
	}, {
		name: "a required field",
		in:   []problem{{Path: at("aws", "accountId"), Msg: "field is required but not present", Pos: schema}},
		f:    fieldFacts{Kind: cue.StringKind, Says: "an AWS account id such as 123456789012: exactly 12 digits"},
		want: []string{"staging.aws.accountId: missing: set aws.accountId (an AWS account id such as 123456789012: exactly 12 digits)"},
	}, {
		name: "too few items, none set",
		in:   []problem{{Path: at("aws", "nodeSubnets"), Msg: "invalid value [] (does not satisfy list.MinItems(2))", Pos: schema}},
		f:    fieldFacts{Kind: cue.ListKind},
		want: []string{"staging.aws.nodeSubnets: needs at least 2 items, got none"},
	}, {
		name: "too few items",
		in:   []problem{{Path: at("aws", "nodeSubnets"), Msg: `invalid value [{id:"subnet-0a1b2c3d"}] (does not satisfy list.MinItems(2))`, Pos: both}},
		f:    fieldFacts{Kind: cue.ListKind, GotKind: cue.ListKind, Got: "[...]", Items: []string{"{...}"}},
		want: []string{"staging.aws.nodeSubnets: needs at least 2 items, got 1"},
	}, {
		name: "too long a string",
		in:   []problem{{Path: at("service"), Msg: `invalid value "abc" (does not satisfy strings.MaxRunes(2))`, Pos: both}},
		want: []string{"staging.service: holds at most 2 characters"},
	}, {
		name: "a block with missing fields is no news beside them",
		in: []problem{
			{Path: at("cluster"), Msg: "non-concrete value >=1 & <=100 & int in operand to >", Pos: schema},
			{Path: at("cluster", "nodes", "desired"), Msg: "incomplete value >=1 & <=100 & int", Pos: schema},
		},
		f:    fieldFacts{Kind: cue.BottomKind},
		want: []string{"staging.cluster.nodes.desired: missing: set cluster.nodes.desired"},
	}, {
		name: "a reference cycle",
		in:   []problem{{Path: at("app", "replicas", "min"), Msg: "cycle with field: replicas.max", Pos: env}},
		want: []string{"staging.app.replicas.min: refers to replicas.max, which refers back to it: give one of them a value of its own"},
	}, {
		name: "a file that ends too early",
		in:   []problem{{Msg: "expected '}', found 'EOF'", Pos: env}},
		want: []string{": the file ends too early: a closing '}' is missing"},
	}, {
		name: "two fields on one line",
		in:   []problem{{Msg: "missing ',' in struct literal", Pos: env}},
		want: []string{": two fields on one line: put each on its own line, or separate them with ','"},
	}, {
		name: "never silent: a lone consequence is still reported",
		in:   []problem{{Path: at("app"), Msg: `invalid operands 2 and "8" to '>' (type int and string)`, Pos: both}},
		want: []string{`staging.app: cannot compare 2 (a whole number) with "8" (a string)`},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fAt := tt.fAt
			if fAt == nil {
				fAt = tt.in[0].Path
			}
			ds := plain(tt.in, func(path []string) fieldFacts {
				if cmp.Equal(path, fAt) {
					return tt.f
				}
				return fieldFacts{}
			})
			var got []string
			for _, d := range ds {
				got = append(got, d.Path+": "+d.Message)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnquotedHyphens(t *testing.T) {
	src := []byte("package envs\n\n\teu-staging: {\n}\n")
	ds := unquotedHyphens(src, Diagnostics{{Message: "missing ',' in struct literal", Positions: []Position{{File: "envs/eu-staging.cue", Line: 3, Col: 12}}}})
	want := `a name with '-' must be quoted: write "eu-staging": instead of eu-staging: (unquoted, eu-staging reads as a subtraction)`
	if ds[0].Message != want || ds[0].Positions[0].String() != "envs/eu-staging.cue:3:2" {
		t.Errorf("got %s", ds)
	}
	other := Diagnostics{{Message: "expected '}', found 'EOF'", Positions: []Position{{File: "envs/x.cue", Line: 1, Col: 1}}}}
	if ds := unquotedHyphens(src, other); ds[0].Message != "expected '}', found 'EOF'" {
		t.Errorf("a line without a hyphenated name was reworded: %s", ds)
	}
}

func TestClosest(t *testing.T) {
	for _, tt := range []struct {
		word  string
		cands []string
		want  string
	}{
		{"multiAz", []string{"multiAZ", "port"}, "multiAZ"},
		{"replicsa", []string{"replicas", "resources"}, "replicas"},
		{"instanceTyp", []string{"instanceType", "desired"}, "instanceType"},
		{"colour", []string{"port", "multiAZ"}, ""},
		{"x", []string{"y"}, ""},
	} {
		if got := closest(tt.word, tt.cands); got != tt.want {
			t.Errorf("closest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
	if d := distance("kitten", "sitting"); d != 3 {
		t.Errorf("distance = %d, want 3", d)
	}
}
