// Package review says what a change to envs/ or schema/ does, for a pull
// request: per environment the model fields and output files that change,
// the cost, what needs attention and what to apply after the merge.
package review

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/lexecon/lexgen/internal/cost"
	"github.com/lexecon/lexgen/internal/delta"
	"github.com/lexecon/lexgen/internal/load"
	"github.com/lexecon/lexgen/internal/markdown"
	"github.com/lexecon/lexgen/internal/model"
	"github.com/lexecon/lexgen/internal/output"
	"github.com/lexecon/lexgen/internal/render"
)

// Error is a review that cannot start; Usage says the fix is in how lexgen
// was called (--base, the clone's history) rather than in the repository.
type Error struct {
	Usage bool
	Msg   string
}

func (e *Error) Error() string { return e.Msg }

func usage(format string, args ...any) error {
	return &Error{Usage: true, Msg: fmt.Sprintf(format, args...)}
}

func failed(format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

// Base resolves the commit to compare with. --base wins. Otherwise
// the change goes into the pull request's target branch (GITHUB_BASE_REF,
// CI_MERGE_REQUEST_TARGET_BRANCH_NAME), or the remote's default branch
// (origin/HEAD, origin/main), or main: the base is the merge base of HEAD
// with the first of these that exists. CI clones often have no local main
// and a detached HEAD, so HEAD itself is the base only when HEAD is on that
// branch (reviewing uncommitted work there); when none of them exists or
// shares history with HEAD, review stops rather than compare HEAD with
// itself and report that nothing changed.
func Base(root, base string) (string, error) {
	if _, err := gitOut(root, "rev-parse", "--git-dir"); err != nil {
		return "", failed("review reads the base from git, and %s is not in a git repository", root)
	}
	if base != "" {
		ref, err := gitOut(root, "rev-parse", "--verify", "--quiet", base+"^{commit}")
		if err != nil {
			return "", usage("--base %s: no commit, branch or tag of that name in this repository (in a CI clone, fetch it first: git fetch origin %s)", base, base)
		}
		return ref, nil
	}
	head, err := gitOut(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	if err != nil {
		return "", failed("the repository has no commit yet: nothing to compare with")
	}
	var candidates []string
	for _, v := range []string{"GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"} {
		if b := os.Getenv(v); b != "" {
			candidates = append(candidates, "origin/"+b, b)
		}
	}
	if h, err := gitOut(root, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD"); err == nil {
		candidates = append(candidates, strings.TrimPrefix(h, "refs/remotes/"))
	}
	candidates = append(candidates, "origin/main", "main")
	for _, c := range candidates {
		tip, err := gitOut(root, "rev-parse", "--verify", "--quiet", c+"^{commit}")
		if err != nil {
			continue
		}
		mb, err := gitOut(root, "merge-base", head, tip)
		if err != nil {
			return "", usage("HEAD shares no history with %s (a shallow clone?): fetch the history (git fetch --unshallow, or fetch-depth: 0 in actions/checkout), or pass --base", c)
		}
		return mb, nil
	}
	return "", usage("no base to compare with: none of %s exists here; pass --base, or fetch the target branch (git fetch origin main)", strings.Join(candidates, ", "))
}

func gitOut(root string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", root}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %v %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// Old loads the environments of the commit ref: those that load, by name,
// and how many errors kept the others from loading (they count as added).
// A commit without envs/ has no environments.
func Old(root, ref string) (envs map[string]*model.Environment, problems int, err error) {
	old, cleanup, err := checkoutEnvs(root, ref)
	if err != nil {
		return nil, 0, err
	}
	defer cleanup()
	envs = map[string]*model.Environment{}
	if old == "" {
		return envs, 0, nil
	}
	oldRepo, err := load.Open(old)
	if err != nil {
		return envs, 0, nil
	}
	loaded, ds := oldRepo.Load(oldRepo.Names())
	for _, e := range loaded {
		envs[e.Name] = e
	}
	return envs, len(ds), nil
}

// checkoutEnvs writes cue.mod, schema and envs of ref into a temporary
// folder. It returns "" when ref has no envs/ (nothing to compare with).
func checkoutEnvs(root, ref string) (string, func(), error) {
	tmp, err := os.MkdirTemp("", "lexgen-review-")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.RemoveAll(tmp) }
	files, err := gitOut(root, "ls-tree", "-r", "--name-only", ref, "--", "cue.mod", "schema", "envs")
	if err != nil {
		cleanup()
		return "", nil, err
	}
	if !strings.Contains(files, "envs/") {
		return "", cleanup, nil
	}
	for _, f := range strings.Split(files, "\n") {
		data, err := exec.Command("git", "-C", root, "show", ref+":"+f).Output()
		if err != nil {
			cleanup()
			return "", nil, fmt.Errorf("git show %s:%s: %v", ref, f, err)
		}
		p := filepath.Join(tmp, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			cleanup()
			return "", nil, err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			cleanup()
			return "", nil, err
		}
	}
	return tmp, cleanup, nil
}

// Report is the review of a change: every environment at the base or in
// the working tree, what changed in each and what to apply.
type Report struct {
	Ref          string // the base commit
	Envs         []envReview
	BaseProblems int // errors that kept environments of the base from loading
	Warnings     load.Diagnostics
	now          map[string]*model.Environment
}

type envReview struct {
	name           string
	status         string // added, removed, changed, unaffected
	fields         []delta.Field
	files          []output.Change
	oldCost, cost  float64
	hasOld, hasNew bool
	notices        []delta.Notice
	restores       bool // the database is replaced by a restore from a snapshot
	apply          []string
}

// toApply says what a reviewer must run after the merge for the files that
// changed: Terraform for the tfvars and backend, an Argo CD sync (or none,
// when it syncs itself) for the manifests, nothing for the README alone.
func toApply(e *model.Environment, name string, files []output.Change) []string {
	var tf, kube, argo, scripts bool
	for _, c := range files {
		switch rel := strings.TrimPrefix(c.Path, "out/"+name+"/"); {
		case strings.HasPrefix(rel, "terraform/"):
			tf = true
		case strings.HasPrefix(rel, "kubernetes/"):
			kube = true
		case strings.HasPrefix(rel, "argocd/"):
			argo = true
		case strings.HasPrefix(rel, "scripts/"):
			scripts = true
		}
	}
	var out []string
	if tf {
		out = append(out, "terraform: out/"+name+"/scripts/terraform.sh plan, then apply")
	}
	if argo {
		out = append(out, "Argo CD Application: kubectl apply --server-side -f out/"+name+"/argocd/application.yaml")
	}
	if kube {
		if e != nil && e.Delivery.AutoSync {
			out = append(out, "Kubernetes: Argo CD syncs it after the merge")
		} else {
			out = append(out, "Kubernetes: a person syncs "+name+" in Argo CD (or out/"+name+"/scripts/deploy.sh)")
		}
	}
	if scripts && !tf && !kube && !argo {
		out = append(out, "nothing to apply: only the scripts changed")
	}
	if len(out) == 0 {
		out = append(out, "nothing to apply")
	}
	return out
}

// Build compares the environments of the base (old, as Old returns them)
// with the current ones and their rendering (curFiles, rendered once for
// the stale check), environment by environment.
func Build(ref string, old map[string]*model.Environment, baseProblems int, cur []*model.Environment, curFiles map[string][]render.File, warnings load.Diagnostics) (*Report, error) {
	now := map[string]*model.Environment{}
	for _, e := range cur {
		now[e.Name] = e
	}
	names := map[string]bool{}
	for n := range old {
		names[n] = true
	}
	for n := range now {
		names[n] = true
	}
	var reviews []envReview
	for _, n := range sortedNames(names) {
		rv := envReview{name: n}
		o, c := old[n], now[n]
		var oldFiles, newFiles []render.File
		var err error
		if o != nil {
			rv.hasOld = true
			if oldFiles, err = render.Environment(o); err != nil {
				return nil, err
			}
			if est, err := cost.Of(o, o.Prices); err == nil {
				rv.oldCost = est.Total
			}
		}
		if c != nil {
			rv.hasNew = true
			newFiles = curFiles[n] // rendered once, for the stale check
			if est, err := cost.Of(c, c.Prices); err == nil {
				rv.cost = est.Total
			}
		}
		// An added or removed environment lists every setting it has or had.
		if rv.fields, err = delta.Fields(o, c); err != nil {
			return nil, err
		}
		switch {
		case o == nil:
			rv.status = "added"
		case c == nil:
			rv.status = "removed"
		default:
			rv.notices = delta.Attention(o, c)
		}
		rv.restores = c != nil && c.Database.RestoreFromSnapshot != "" && (o == nil || o.Database.RestoreFromSnapshot != c.Database.RestoreFromSnapshot)
		rv.files = output.CompareRendered(n, oldFiles, newFiles)
		if c != nil {
			rv.apply = toApply(c, n, rv.files)
		} else {
			rv.apply = []string{"destroy: out/" + n + "/scripts/terraform.sh destroy the environment's AWS resources, then delete its Argo CD Application"}
		}
		if rv.status == "" {
			rv.status = "unaffected"
			if len(rv.fields) > 0 || len(rv.files) > 0 {
				rv.status = "changed"
			}
		}
		reviews = append(reviews, rv)
	}
	return &Report{Ref: ref, Envs: reviews, BaseProblems: baseProblems, Warnings: warnings, now: now}, nil
}

// JSON is the report for bots.
func (r *Report) JSON() any { return reviewJSON(r.Ref, r.Envs, r.BaseProblems, r.Warnings) }

// Markdown writes the report as a pull request comment.
func (r *Report) Markdown(w io.Writer) {
	writeReviewMarkdown(w, r.Ref, r.Envs, r.now, r.BaseProblems, r.Warnings)
}

// reviewJSON is what the Markdown says, for bots: the same
// environments, notices, fields (secret references masked), files, costs
// and what to apply.
func reviewJSON(ref string, reviews []envReview, oldProblems int, warnings load.Diagnostics) any {
	type notice struct {
		Kind    string `json:"kind"`
		Path    string `json:"path"`
		Message string `json:"message"`
	}
	type file struct {
		Change string `json:"change"`
		Path   string `json:"path"`
	}
	type env struct {
		Name    string        `json:"name"`
		Status  string        `json:"status"`
		Restore bool          `json:"restoreFromSnapshot"`
		Notices []notice      `json:"needsAttention"`
		Fields  []delta.Field `json:"fields"`
		Files   []file        `json:"files"`
		OldCost *float64      `json:"oldMonthlyCost"`
		NewCost *float64      `json:"newMonthlyCost"`
		ToApply []string      `json:"toApply"`
	}
	doc := struct {
		Base         string            `json:"base"`
		BaseProblems int               `json:"baseProblems"`
		Warnings     []load.Diagnostic `json:"warnings"`
		Environments []env             `json:"environments"`
	}{Base: ref, BaseProblems: oldProblems, Warnings: append([]load.Diagnostic{}, warnings...), Environments: []env{}}
	for _, rv := range reviews {
		e := env{Name: rv.name, Status: rv.status, Restore: rv.restores, Notices: []notice{}, Fields: []delta.Field{}, Files: []file{}, ToApply: rv.apply}
		for _, n := range rv.notices {
			args := make([]any, len(n.Args))
			for i, a := range n.Args {
				args[i] = a
			}
			e.Notices = append(e.Notices, notice{Kind: noticeTitle[n.Kind], Path: n.Path, Message: fmt.Sprintf(n.Format, args...)})
		}
		for _, f := range rv.fields {
			if f.Area == "secrets" {
				f.Old, f.New = masked(f.Old), masked(f.New)
			}
			e.Fields = append(e.Fields, f)
		}
		for _, c := range rv.files {
			e.Files = append(e.Files, file{Change: changeWord[c.Kind], Path: c.Path})
		}
		if rv.hasOld {
			e.OldCost = ptrTo(rv.oldCost)
		}
		if rv.hasNew {
			e.NewCost = ptrTo(rv.cost)
		}
		doc.Environments = append(doc.Environments, e)
	}
	return doc
}

var changeWord = map[output.Kind]string{output.Missing: "added", output.Changed: "changed", output.Extra: "removed"}

func ptrTo[T any](v T) *T { return &v }

// writeReviewMarkdown writes the pull request comment. Every value from
// the model goes through one of internal/markdown's functions (Code in
// running text, Cell in table cells, Text in messages), so no value can
// leave its place or make Markdown of its own. What needs attention comes
// first, loudly: restores, replacements, relaxed policies and tiers,
// widened access, then the warnings.
func writeReviewMarkdown(w io.Writer, ref string, reviews []envReview, now map[string]*model.Environment, oldProblems int, warnings load.Diagnostics) {
	fmt.Fprintf(w, "## lexgen review: %s -> working tree\n\n", markdown.Text(shortRef(ref)))
	attention := 0
	for _, rv := range reviews {
		attention += len(rv.notices)
		if rv.restores {
			attention++
		}
	}
	if attention > 0 {
		fmt.Fprintf(w, "### Needs attention: %s\n\n", plural(attention, "change"))
	}
	for _, rv := range reviews {
		// A restore replaces a database: said first.
		if c := now[rv.name]; rv.restores {
			fmt.Fprintf(w, "> [!WARNING]\n> **%s: the database %s is replaced by a restore from snapshot %s.** Terraform destroys it and creates it from the snapshot; follow the restore runbook in %s.\n\n",
				markdown.Text(rv.name), markdown.Text(c.DBIdentifier()), markdown.Code(c.Database.RestoreFromSnapshot), markdown.Code("out/"+rv.name+"/README.md"))
		}
		for _, n := range rv.notices {
			args := make([]any, len(n.Args))
			for i, a := range n.Args {
				args[i] = markdown.Code(a)
			}
			fmt.Fprintf(w, "> [!%s]\n> **%s: %s.** %s (%s)\n\n", noticeCallout[n.Kind], markdown.Text(rv.name), noticeTitle[n.Kind],
				fmt.Sprintf(n.Format, args...), markdown.Code(n.Path))
		}
	}
	if len(warnings) > 0 {
		fmt.Fprintf(w, "> [!WARNING]\n> **Warnings** (lexgen also prints them on stderr):\n>\n")
		for _, d := range warnings {
			fmt.Fprintf(w, "> - ")
			if d.Path != "" {
				fmt.Fprintf(w, "%s: ", markdown.Code(d.Path))
			}
			fmt.Fprintf(w, "%s", markdown.Text(d.Message))
			for _, p := range d.Positions {
				fmt.Fprintf(w, " (%s)", markdown.Code(p.String()))
			}
			fmt.Fprintf(w, "\n")
		}
		fmt.Fprintf(w, "\n")
	}
	if oldProblems > 0 {
		fmt.Fprintf(w, "> The base did not validate (%s); environments it could not load count as added.\n\n", plural(oldProblems, "error"))
	}
	fmt.Fprintf(w, "| environment | change | model fields | output files | monthly cost |\n| --- | --- | ---: | ---: | --- |\n")
	var unaffected []string
	for _, rv := range reviews {
		if rv.status == "unaffected" {
			unaffected = append(unaffected, markdown.Text(rv.name))
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %d | %d | %s |\n", markdown.Text(rv.name), rv.status, len(rv.fields), len(rv.files), costCell(rv))
	}
	if len(unaffected) > 0 {
		fmt.Fprintf(w, "\nUnaffected: %s.\n", strings.Join(unaffected, ", "))
	}
	for _, rv := range reviews {
		if rv.status == "unaffected" {
			continue
		}
		fmt.Fprintf(w, "\n### %s (%s)\n", markdown.Text(rv.name), rv.status)
		if len(rv.fields) > 0 {
			fmt.Fprintf(w, "\n| field | old | new |\n| --- | --- | --- |\n")
			for _, f := range rv.fields {
				oldV, newV := f.Old, f.New
				if f.Area == "secrets" {
					oldV, newV = masked(oldV), masked(newV)
				}
				fmt.Fprintf(w, "| %s | %s | %s |\n", markdown.Cell(f.Path), cell(oldV), cell(newV))
			}
		}
		if len(rv.files) > 0 {
			fmt.Fprintf(w, "\n")
			for _, c := range rv.files {
				fmt.Fprintf(w, "- %s %s\n", changeWord[c.Kind], markdown.Code(c.Path))
			}
		}
		fmt.Fprintf(w, "\nTo apply after the merge:\n\n")
		for _, a := range rv.apply {
			fmt.Fprintf(w, "- %s\n", markdown.Text(a))
		}
	}
}

// noticeCallout and noticeTitle say each kind of notice loudly.
var (
	noticeCallout = map[delta.Kind]string{delta.Replaces: "CAUTION", delta.Relaxes: "CAUTION", delta.Waits: "IMPORTANT"}
	noticeTitle   = map[delta.Kind]string{delta.Replaces: "replaces a resource", delta.Relaxes: "relaxes a policy", delta.Waits: "waits for the maintenance window"}
)

func costCell(rv envReview) string {
	switch {
	case !rv.hasOld:
		return fmt.Sprintf("$%.2f (new)", rv.cost)
	case !rv.hasNew:
		return fmt.Sprintf("-$%.2f (gone)", rv.oldCost)
	case rv.cost == rv.oldCost:
		return fmt.Sprintf("$%.2f (unchanged)", rv.cost)
	}
	return fmt.Sprintf("$%.2f -> $%.2f (%+.2f)", rv.oldCost, rv.cost, cost.Cents(rv.cost-rv.oldCost))
}

func masked(s string) string {
	if s == "" {
		return ""
	}
	return "(secret reference)"
}

// cell is a field's value in the table: absent fields say "(none)".
func cell(s string) string {
	if s == "" {
		return "(none)"
	}
	return markdown.Cell(s)
}

func shortRef(ref string) string {
	if len(ref) > 12 {
		return ref[:12]
	}
	return ref
}

func sortedNames(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
