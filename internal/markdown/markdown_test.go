package markdown

import (
	"bytes"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
)

// gfm is a real GitHub Flavored Markdown parser and renderer (tables,
// autolinks, strikethrough, task lists): the tests check what a reader
// would see, not the shape of the escaped text.
// Raw HTML is rendered as it is (WithUnsafe), so any that gets through shows.
var gfm = goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe()))

func render(t testing.TB, md string) string {
	t.Helper()
	var b bytes.Buffer
	if err := gfm.Convert([]byte(md), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// escapeHTML is what goldmark does to text it writes into HTML.
var escapeHTML = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace

const placeholder = "XVALUEX"

// contexts are the places a value lands, each as a whole document around
// the escaped value: the value must come out as exactly its (visible)
// characters in the place the placeholder takes, and the rest of the
// document must not change.
var contexts = []struct {
	name string
	doc  func(v string) string
}{
	{"code in a paragraph", func(v string) string { return "Value " + Code(v) + " here.\n" }},
	{"code in a list item", func(v string) string { return "- " + Code(v) + "\n- next\n" }},
	{"code opening a paragraph", func(v string) string { return Code(v) + "\n" }},
	{"cell", func(v string) string {
		return "| field | value | after |\n| --- | --- | --- |\n| `f` | " + Cell(v) + " | `x` |\n"
	}},
	{"cell after a blockquote", func(v string) string {
		return "> quote\n\n| value |\n| --- |\n| " + Cell(v) + " |\n"
	}},
	{"text in a paragraph", func(v string) string { return "Value " + Text(v) + " here.\n" }},
	{"text opening a paragraph", func(v string) string { return Text(v) + "\n\nnext\n" }},
	{"text in a list item", func(v string) string { return "- " + Text(v) + "\n- next\n" }},
	{"text in a cell", func(v string) string {
		return "| a | b |\n| --- | --- |\n| " + Text(v) + " | x |\n"
	}},
	{"comment", func(v string) string { return Comment(v) + "\n# after\n" }},
	{"code block", func(v string) string { return "Run:\n\n" + CodeBlock("first "+v, v) + "\nafter\n" }},
}

// checkContexts fails unless v, in every context, renders as its visible
// characters and nothing else.
func checkContexts(t *testing.T, v string) {
	t.Helper()
	for _, c := range contexts {
		shown := escapeHTML(visible(v))
		want := render(t, c.doc(placeholder))
		if v == "" && c.name != "code block" {
			// an empty value is written as "(empty)", not as code
			want = strings.Replace(want, "<code>"+placeholder+"</code>", placeholder, 1)
			shown = "(empty)"
		}
		want = strings.ReplaceAll(want, placeholder, shown)
		if c.name == "comment" {
			// passed through as one HTML block, whatever v holds
			want = Comment(v) + "\n<h1>after</h1>\n"
		}
		if got := render(t, c.doc(v)); got != want {
			t.Errorf("%s: %q\nwritten as:\n%s\nrenders as:\n%s\nwant:\n%s", c.name, v, c.doc(v), got, want)
		}
	}
}

// attacks are values that break out of a naive escaping: the first one is
// issue 15's, which forged an approval callout, an image and a link in
// review's comment.
var attacks = []string{
	"on`\n\n> [!NOTE]\n> **Security review: APPROVED** by @security-team\n\n![ok](https://evil.example/badge.png) [details](https://evil.example/)\n<img src=x onerror=alert(1)>\n# Heading",
	"a | b || c",
	`a\|b\\|c\`,
	"``` and ` and ``",
	"`",
	"``",
	"` x `",
	" padded ",
	"  ",
	"",
	"<script>alert(1)</script>",
	"<https://evil.example>",
	"https://evil.example/x www.evil.example user@evil.example",
	"WWW.EVIL.EXAMPLE",
	"[x](https://evil.example) ![y](https://evil.example/y.png) [z]: https://evil.example",
	"&lt;b&gt; &amp; &#60; &copy;",
	"*bold* _em_ ~~gone~~ **strong**",
	"# heading",
	"> [!WARNING]",
	"- item",
	"+ item",
	"1. one",
	"12) twelve",
	"    indented code",
	"===",
	"---",
	"a\r\nb\rc\u2028d\u0085e",
	"x --> <b>bold</b> <!-- y --!> z",
	"nul\x00del\x7fbad\xff",
	"tab\there",
	"trailing backslash\\",
	"[ ] task",
	"- [x] done",
	"~~~\ncode\n~~~",
	"```\nclose\n```",
	"<!-- comment -->",
	"{{ template }} $x ${y}",
	"see (https://evil.example) and ftp://evil.example mailto:a@evil.example",
	"(x) #1 a:b 10:30 (c)",
	"1.", "2)", "=", "\t- x", "1.34", "/health", "$1.00",
}

func TestAttacks(t *testing.T) {
	for _, v := range attacks {
		checkContexts(t, v)
	}
}

// TestNaiveEscapingFails keeps the proof that the check bites: review's
// cell before this package (backticks, pipes escaped, nothing else) lets
// issue 15's value out of its cell.
func TestNaiveEscapingFails(t *testing.T) {
	naive := func(s string) string { return "`" + strings.ReplaceAll(s, "|", `\|`) + "`" }
	doc := func(v string) string { return "| value |\n| --- |\n| " + v + " |\n" }
	v := attacks[0]
	want := strings.ReplaceAll(render(t, doc(naive(placeholder))), placeholder, escapeHTML(visible(v)))
	got := render(t, doc(naive(v)))
	if got == want {
		t.Fatal("the naive cell kept the attack in its cell; the check cannot tell")
	}
	for _, forged := range []string{"<blockquote>", "<img", "<a href", "<h1>"} {
		if !strings.Contains(got, forged) {
			t.Errorf("the naive cell did not produce %s; the attack changed?\n%s", forged, got)
		}
	}
}

func TestVisible(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                       "plain",
		"a\nb":                        "a\u240ab",
		"a\r\nb":                      "a\u240d\u240ab",
		"\x00\x1f\x7f":                "\u2400\u241f\u2421",
		"\u0085\xff":                  "\ufffd\ufffd",
		"approved\u202e\u2066x\u200f": "approved\ufffd\ufffdx\ufffd",
		"é ü 日本":                      "é ü 日本",
	} {
		if got := visible(in); got != want {
			t.Errorf("visible(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCodeBlockFence(t *testing.T) {
	if got := CodeBlock("echo hi"); got != "```\necho hi\n```\n" {
		t.Errorf("CodeBlock = %q", got)
	}
	if got := CodeBlock("a ```` b"); !strings.HasPrefix(got, "`````\n") {
		t.Errorf("CodeBlock does not outrun the value's backticks: %q", got)
	}
}

func FuzzEscape(f *testing.F) {
	for _, v := range attacks {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		checkContexts(t, v)
	})
}

func TestCommentCannotClose(t *testing.T) {
	for _, v := range []string{"a --> <b>x</b>", "a --!> b", "---->", "-", "a -- b"} {
		if got := Comment(v); strings.Contains(got[4:len(got)-3], "--") {
			t.Errorf("Comment(%q) = %q holds --", v, got)
		}
	}
}
