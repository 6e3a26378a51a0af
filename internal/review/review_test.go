package review

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"

	"github.com/lexecon/lexgen/internal/delta"
	"github.com/lexecon/lexgen/internal/load"
	"github.com/lexecon/lexgen/internal/model"
	"github.com/lexecon/lexgen/internal/output"
)

// shape counts the Markdown elements of md as a GitHub Flavored Markdown
// parser (goldmark) reads them: headings, callouts and quotes, links,
// images, HTML, lists, table rows and cells, code blocks.
func shape(t *testing.T, md string) map[string]int {
	t.Helper()
	src := []byte(md)
	doc := goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser().Parse(text.NewReader(src))
	counts := map[string]int{}
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindText, ast.KindString, ast.KindCodeSpan, ast.KindTextBlock:
			// what a value is shown as
		default:
			counts[n.Kind().String()]++
		}
		if n.Kind() == ast.KindHeading {
			counts[fmt.Sprintf("Heading%d", n.(*ast.Heading).Level)]++
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return counts
}

func describe(m map[string]int) string {
	var ks []string
	for k, v := range m {
		ks = append(ks, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

// reviewWith writes a review in which every value from the model, the
// notices, the warnings and the file list is v.
func reviewWith(v string) string {
	c := &model.Environment{Name: "production", Service: "lexecon"}
	c.Database.RestoreFromSnapshot = v
	rv := envReview{
		name: "production", status: "changed", hasOld: true, hasNew: true, cost: 1, oldCost: 2, restores: true,
		fields: []delta.Field{
			{Area: "app", Path: "app.env." + v, Old: v, New: v + "2"},
			{Area: "secrets", Path: "secrets.x", Old: v, New: ""},
		},
		files:   []output.Change{{Kind: output.Changed, Path: "out/production/" + v}},
		notices: []delta.Notice{{Kind: delta.Relaxes, Path: "tier", Format: "From %s to %s.", Args: []string{v, v}}},
	}
	warnings := load.Diagnostics{{Path: v, Message: v, Positions: []load.Position{{File: v}}, Warning: true}}
	var b bytes.Buffer
	writeReviewMarkdown(&b, "0123456789abcdef", []envReview{rv}, map[string]*model.Environment{"production": c}, 0, warnings)
	return b.String()
}

// TestReviewMarkdownInjection is issue 15's attack on the whole comment:
// wherever a value lands, the comment has the same elements as with a
// plain value (no forged callout, image, link, HTML, heading, row or
// list item).
func TestReviewMarkdownInjection(t *testing.T) {
	want := shape(t, reviewWith("plain"))
	for _, v := range []string{
		"on`\n\n> [!NOTE]\n> **Security review: APPROVED** by @security-team\n\n![ok](https://evil.example/badge.png) [details](https://evil.example/)\n<img src=x onerror=alert(1)>\n# Heading",
		"a | b | c",
		"<script>alert(1)</script> https://evil.example www.evil.example a@evil.example",
		"```\n## forged\n```",
		"\r\n- item\r\n1. item\r\n",
		"[x]: https://evil.example\n\n[x]",
	} {
		md := reviewWith(v)
		if got := shape(t, md); describe(got) != describe(want) {
			t.Errorf("value %q changes the comment:\n got %s\nwant %s\n%s", v, describe(got), describe(want), md)
		}
	}
}

func TestToApply(t *testing.T) {
	auto := &model.Environment{Delivery: model.Delivery{AutoSync: true}}
	manual := &model.Environment{}
	ch := func(paths ...string) []output.Change {
		var cs []output.Change
		for _, p := range paths {
			cs = append(cs, output.Change{Kind: output.Changed, Path: p})
		}
		return cs
	}
	for _, c := range []struct {
		name  string
		e     *model.Environment
		files []output.Change
		want  []string
	}{
		{"readme only", auto, ch("out/qa/README.md"), []string{"nothing to apply"}},
		{"tfvars", manual, ch("out/qa/terraform/qa.tfvars", "out/qa/README.md"), []string{"terraform: out/qa/scripts/terraform.sh plan, then apply"}},
		{"manifests, auto-sync", auto, ch("out/qa/kubernetes/deployment.yaml"), []string{"Kubernetes: Argo CD syncs it after the merge"}},
		{"manifests, manual", manual, ch("out/qa/kubernetes/deployment.yaml"), []string{"Kubernetes: a person syncs qa in Argo CD (or out/qa/scripts/deploy.sh)"}},
		{"both and the Application", manual, ch("out/qa/terraform/qa.tfvars", "out/qa/argocd/application.yaml", "out/qa/kubernetes/hpa.yaml"), []string{
			"terraform: out/qa/scripts/terraform.sh plan, then apply",
			"Argo CD Application: kubectl apply --server-side -f out/qa/argocd/application.yaml",
			"Kubernetes: a person syncs qa in Argo CD (or out/qa/scripts/deploy.sh)",
		}},
		{"scripts only", manual, ch("out/qa/scripts/deploy.sh"), []string{"nothing to apply: only the scripts changed"}},
	} {
		if diff := cmp.Diff(c.want, toApply(c.e, "qa", c.files)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}
