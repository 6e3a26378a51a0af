package cli

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

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
	warnings := load.Diagnostics{{Path: v, Message: v, Positions: []string{v}, Warning: true}}
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
