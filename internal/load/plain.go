package load

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"cuelang.org/go/cue"
)

// problem is one error as CUE reports it, before lexgen puts it in words.
type problem struct {
	Path []string   // the value path, from the environment's name
	Msg  string     // CUE's message
	Pos  []Position // where it comes from
}

// fieldFacts is what lexgen knows of the field a problem is at, so that the
// message can speak of the schema and the environment rather than of CUE.
type fieldFacts struct {
	Kind     cue.Kind // the kinds the schema accepts there; 0 when unknown
	Enum     []string // the values it accepts, in CUE syntax, when it lists them
	Says     string   // the schema's own message for a wrong value (its error("..."))
	Siblings []string // the fields the schema defines beside it, for "did you mean"
	Got      string   // what the environment's files set it to, in CUE syntax; "" if nothing concrete
	GotKind  cue.Kind // the kind of Got
	Items    []string // Got's items, when it is a list
	// Defaulted: the schema gives the field a default, so a missing value
	// means the default could not be worked out, because a field it
	// depends on is wrong (a tier-dependent default when tier is).
	Defaulted bool
	// UnknownAt is the length of the shortest prefix of the path that the
	// schema does not define (staging.datarase for
	// staging.datarase.multiAZ); 0 when it defines every part.
	UnknownAt int
}

// CUE's messages that lexgen rewords. Each has a rule in plainOne and a
// case in plain_test.go.
var (
	reDisjunctions = regexp.MustCompile(`^\d+ errors in empty disjunction:?$`)
	reBound        = regexp.MustCompile(`^invalid value (.+) \(out of bound (<=|>=|<|>)(.+)\)$`)
	reConflict     = regexp.MustCompile(`^conflicting values (.+?) and (.+?)(?: \(mismatched types (\w+) and (\w+)\))?$`)
	reOperands     = regexp.MustCompile(`^invalid operands (.+) and (.+) to '(.+)' \(type (\w+) and (\w+)\)$`)
	reUnique       = regexp.MustCompile(`^invalid value .* \(does not satisfy list\.UniqueItems\)$`)
	reLengths      = regexp.MustCompile(`^incompatible list lengths \((\d+) and (\d+)\)$`)
	reIncomplete   = regexp.MustCompile(`^(incomplete value|non-concrete value) `)
	reCycle        = regexp.MustCompile(`^cycle with field:? (.+)$`)
	reCount        = regexp.MustCompile(`^invalid value .* \(does not satisfy (list\.MinItems|list\.MaxItems|strings\.MinRunes|strings\.MaxRunes)\((\d+)\)\)$`)
	reExpected     = regexp.MustCompile(`^expected '(.+)', found 'EOF'$`)
)

// plain puts CUE's errors in a platform engineer's words, one diagnostic
// for each thing that is wrong. info says what the schema and the
// environment hold at a path; it may be nil (syntax errors, loading).
func plain(ps []problem, info func(path []string) fieldFacts) Diagnostics {
	var order []string
	byPath := map[string][]problem{}
	for _, p := range ps {
		if reDisjunctions.MatchString(p.Msg) {
			continue // the header of alternatives reported one by one
		}
		if p.Msg == "field not allowed" && info != nil && len(p.Path) > 0 {
			// Under a misspelt block every field is "not allowed": the
			// news is the block's name, said once.
			if at := info(p.Path).UnknownAt; at > 0 && at < len(p.Path) {
				p.Path = p.Path[:at]
				if k := strings.Join(p.Path, "."); len(byPath[k]) > 0 {
					continue
				}
			}
		}
		k := strings.Join(p.Path, ".")
		if _, ok := byPath[k]; !ok {
			order = append(order, k)
		}
		byPath[k] = append(byPath[k], p)
	}
	below := func(k string) bool {
		for _, o := range order {
			if strings.HasPrefix(o, k+".") || k == "" && o != "" {
				return true
			}
		}
		return false
	}
	var ds Diagnostics
	for _, k := range order {
		group := byPath[k]
		var f fieldFacts
		if info != nil && len(group[0].Path) > 0 {
			f = info(group[0].Path)
		}
		ds = append(ds, plainAt(k, group, f, below(k), len(order) > 1)...)
	}
	if len(ds) == 0 && len(ps) > 0 {
		// Every error was judged a consequence of another; never let a
		// failing input through without a word.
		for _, p := range ps {
			ds = append(ds, Diagnostic{Path: strings.Join(p.Path, "."), Message: p.Msg, Positions: p.Pos})
		}
	}
	return ds
}

// plainAt words the errors at one path. below says whether there are errors
// at paths under it, others whether there are errors at other paths.
func plainAt(path string, group []problem, f fieldFacts, below, others bool) []Diagnostic {
	var all []Position
	for _, p := range group {
		all = append(all, p.Pos...)
	}
	one := func(msg string) []Diagnostic {
		return []Diagnostic{{Path: path, Message: msg, Positions: orderPositions(all)}}
	}
	// What the environment wrote decides first: a value of the wrong kind,
	// or not one of a list of choices, is one error whatever else CUE
	// found wrong with it.
	if f.GotKind != 0 && f.Kind != 0 && f.Kind != cue.BottomKind && f.GotKind&f.Kind == 0 {
		return one(fmt.Sprintf("must be %s, got %s", kindWords(f.Kind), gotWords(f.GotKind, f.Got)))
	}
	if len(f.Enum) > 0 && f.Got != "" && !slices.Contains(f.Enum, f.Got) {
		return one(enumMessage(f))
	}
	isConflict := func(p problem) bool { return strings.HasPrefix(p.Msg, "conflicting values ") }
	envConflict, other, firsthand := false, false, false
	for _, p := range group {
		envConflict = envConflict || isConflict(p) && allInEnvs(p.Pos)
		other = other || !isConflict(p)
		firsthand = firsthand || !strings.Contains(p.Msg, "_|_")
	}
	var out []Diagnostic
	for _, p := range group {
		switch {
		case envConflict && !(isConflict(p) && allInEnvs(p.Pos)):
			continue // two environment-side values conflict: that is the news
		case !envConflict && isConflict(p) && (other || slices.Contains(f.Enum, f.Got)):
			// A value failing to match a default beside another error,
			// or a value the schema accepts conflicting with a default
			// list's item: no news.
			continue
		case strings.Contains(p.Msg, "_|_") && firsthand:
			continue // an error about an operand that is already an error
		}
		msg := plainOne(p, f, len(group) > 1 || below, others)
		if msg == "" {
			continue
		}
		out = append(out, Diagnostic{Path: path, Message: msg, Positions: p.Pos})
	}
	return out
}

// plainOne words one CUE error, or returns "" when it only repeats what
// another error says (crowded: there are other errors at or under its path;
// others: there are errors elsewhere).
func plainOne(p problem, f fieldFacts, crowded, others bool) string {
	rel := strings.Join(p.Path[min(1, len(p.Path)):], ".")
	switch m := p.Msg; {
	case m == "field not allowed" && len(p.Path) > 0:
		where := "an environment"
		if len(p.Path) > 2 {
			where = strings.Join(p.Path[1:len(p.Path)-1], ".")
		}
		if s := closest(p.Path[len(p.Path)-1], f.Siblings); s != "" {
			return fmt.Sprintf("%s has no field of this name: did you mean %s?", where, s)
		}
		return fmt.Sprintf("%s has no field of this name (see `lexgen explain ENV %s` for what it holds)", where, strings.TrimPrefix(where, "an environment"))
	case m == "field is required but not present" || reIncomplete.MatchString(m):
		if f.Defaulted && others || crowded && (f.Kind&cue.StructKind != 0 || strings.Contains(m, " in operand to ")) {
			// The error that kept the default from being worked out, or
			// the missing fields of the block (which a rule of the block
			// compares), say it.
			return ""
		}
		if d := describe(f); d != "" {
			return fmt.Sprintf("missing: set %s (%s)", rel, d)
		}
		return fmt.Sprintf("missing: set %s", rel)
	case reBound.MatchString(m):
		s := reBound.FindStringSubmatch(m)
		words := map[string]string{"<=": "at most", ">=": "at least", "<": "below", ">": "above"}[s[2]]
		return fmt.Sprintf("must be %s %s, got %s", words, s[3], s[1])
	case reCount.MatchString(m):
		s := reCount.FindStringSubmatch(m)
		n := map[string]string{
			"list.MinItems": "needs at least %s items", "list.MaxItems": "holds at most %s items",
			"strings.MinRunes": "needs at least %s characters", "strings.MaxRunes": "holds at most %s characters",
		}[s[1]]
		msg := fmt.Sprintf(n, s[2])
		if strings.HasPrefix(s[1], "list.") && f.GotKind == cue.ListKind {
			msg += fmt.Sprintf(", got %d", len(f.Items))
		} else if strings.HasPrefix(s[1], "list.") && f.Got == "" {
			msg += ", got none"
		}
		return msg
	case reUnique.MatchString(m):
		if d := repeated(f.Items); len(d) > 0 {
			return fmt.Sprintf("lists %s more than once: each item may appear only once", strings.Join(d, ", "))
		}
		return "lists an item more than once: each item may appear only once"
	case reLengths.MatchString(m):
		if crowded {
			return ""
		}
		s := reLengths.FindStringSubmatch(m)
		return fmt.Sprintf("holds %s items where %s are expected", s[2], s[1])
	case reOperands.MatchString(m):
		if crowded {
			return "" // the operand's own error says what is wrong with it
		}
		s := reOperands.FindStringSubmatch(m)
		return fmt.Sprintf("cannot compare %s (%s) with %s (%s)", s[1], kindName(s[4]), s[2], kindName(s[5]))
	case reConflict.MatchString(m):
		s := reConflict.FindStringSubmatch(m)
		if s[3] != "" {
			return fmt.Sprintf("%s and %s cannot both hold: one is %s, the other %s", s[1], s[2], kindName(s[3]), kindName(s[4]))
		}
		files := map[string]bool{}
		for _, pos := range p.Pos {
			files[pos.File] = true
		}
		if len(files) > 1 && allInEnvs(p.Pos) {
			return fmt.Sprintf("is set to both %s and %s, in different files: keep one of them, or write the shared file's value as a default (*value | _), which an environment may override", s[1], s[2])
		}
		return fmt.Sprintf("is set to both %s and %s: keep one of them", s[1], s[2])
	case reCycle.MatchString(m):
		return fmt.Sprintf("refers to %s, which refers back to it: give one of them a value of its own", reCycle.FindStringSubmatch(m)[1])
	case reExpected.MatchString(m):
		return fmt.Sprintf("the file ends too early: a closing '%s' is missing", reExpected.FindStringSubmatch(m)[1])
	case m == "missing ',' in struct literal":
		return "two fields on one line: put each on its own line, or separate them with ','"
	}
	return p.Msg
}

// describe says in a few words what a field takes.
func describe(f fieldFacts) string {
	switch {
	case len(f.Enum) > 0:
		return "one of " + strings.Join(f.Enum, ", ")
	case f.Says != "":
		return f.Says
	case f.Kind != 0 && f.Kind != cue.BottomKind && f.Kind != cue.TopKind:
		return kindWords(f.Kind)
	}
	return ""
}

// enumMessage says that a value is not one of the choices, and which it
// may have meant.
func enumMessage(f fieldFacts) string {
	msg := fmt.Sprintf("must be one of %s; got %s", strings.Join(f.Enum, ", "), f.Got)
	if s := closestChoice(f.Got, f.Enum); s != "" {
		msg += ": did you mean " + s + "?"
	}
	return msg
}

// closestChoice is the choice a wrong value most likely meant: a near
// spelling, or a choice the value contains or is part of
// (kube-apiserver for api).
func closestChoice(got string, choices []string) string {
	unq := func(s string) string { return strings.Trim(s, `"`) }
	words := make([]string, len(choices))
	for i, c := range choices {
		words[i] = unq(c)
	}
	if s := closest(unq(got), words); s != "" {
		return choices[slices.Index(words, s)]
	}
	g := strings.ToLower(unq(got))
	for i, w := range words {
		lw := strings.ToLower(w)
		if len(lw) >= 3 && len(g) >= 3 && (strings.Contains(g, lw) || strings.HasPrefix(lw, g)) {
			return choices[i]
		}
	}
	return ""
}

// repeated lists the items that appear more than once, in order.
func repeated(items []string) []string {
	seen := map[string]int{}
	var out []string
	for _, it := range items {
		seen[it]++
		if seen[it] == 2 {
			out = append(out, it)
		}
	}
	return out
}

// kindWords names the kinds a field accepts.
func kindWords(k cue.Kind) string {
	var ws []string
	for _, kw := range []struct {
		k cue.Kind
		w string
	}{
		{cue.NullKind, "null"}, {cue.BoolKind, "true or false"}, {cue.IntKind, "a whole number"},
		{cue.FloatKind, "a number"}, {cue.StringKind, "a string"}, {cue.BytesKind, "bytes"},
		{cue.ListKind, "a list [...]"}, {cue.StructKind, "a block of fields {...}"},
	} {
		if k&kw.k != 0 {
			if kw.k == cue.FloatKind && k&cue.IntKind != 0 {
				ws[len(ws)-1] = "a number" // int or float is any number
				continue
			}
			ws = append(ws, kw.w)
		}
	}
	return strings.Join(ws, " or ")
}

// gotWords names a value the environment wrote.
func gotWords(k cue.Kind, got string) string {
	switch {
	case k&cue.StringKind != 0:
		return "the string " + got
	case k&cue.NumberKind != 0:
		return "the number " + got
	case k&cue.ListKind != 0:
		return "a list"
	case k&cue.StructKind != 0:
		return "a block of fields"
	}
	return got
}

// kindName translates the name CUE gives a kind.
func kindName(s string) string {
	switch s {
	case "int":
		return "a whole number"
	case "float", "number":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "struct":
		return "a block of fields"
	case "list":
		return "a list"
	}
	return s
}

func allInEnvs(ps []Position) bool {
	for _, p := range ps {
		if !p.inEnvs() {
			return false
		}
	}
	return len(ps) > 0
}

// reHyphenLabel is a field name with '-' written without quotes at the
// start of a line (eu-staging: {), which CUE reads as a subtraction.
var reHyphenLabel = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)+)\s*:`)

// unquotedHyphens replaces the syntax errors an unquoted name with '-'
// causes (CUE says "missing ',' in struct literal") with what to write.
func unquotedHyphens(src []byte, ds Diagnostics) Diagnostics {
	lines := strings.Split(string(src), "\n")
	for i, d := range ds {
		for _, p := range d.Positions {
			if p.Line < 1 || p.Line > len(lines) {
				continue
			}
			if m := reHyphenLabel.FindStringSubmatch(lines[p.Line-1]); m != nil {
				ds[i].Message = fmt.Sprintf("a name with '-' must be quoted: write %q: instead of %s: (unquoted, %s reads as a subtraction)", m[1], m[1], m[1])
				ds[i].Positions = []Position{{File: p.File, Line: p.Line, Col: strings.Index(lines[p.Line-1], m[1]) + 1}}
				break
			}
		}
	}
	return ds
}
