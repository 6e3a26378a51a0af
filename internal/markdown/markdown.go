// Package markdown puts values into the GitHub Flavored Markdown that lexgen
// writes (review's pull request comment, out/<env>/README.md), one function
// per context, so that no value can leave its code span, table cell or code
// block, or create a link, an image, HTML, a heading or a callout.
//
// The rules come from the CommonMark 0.31.2 and GFM 0.29 specifications
// (spec.commonmark.org, github.github.com/gfm): block structure is parsed
// before inlines, so a line break in a value could start a block anywhere
// (a heading, a "> [!NOTE]" callout, a fence): every function here shows
// line breaks and other control characters as their Unicode control pictures
// (U+2400 block) instead. A code span ends at the first backtick run of the
// length that opened it, so it is opened with a longer run than any inside
// it. A table row is split at every pipe that is not backslash-escaped,
// even inside a code span, so cells escape pipes as \|, which GFM removes
// before the cell's inlines are parsed.
package markdown

import (
	"strings"
	"unicode/utf8"
)

// visible replaces every control character (C0, DEL, C1) and every
// invalid UTF-8 byte with a printable stand-in, so the value stays on one
// line and its bytes stay recognisable: LF shows as U+240A, DEL as U+2421;
// C1 controls, the line and paragraph separators, the bidirectional
// formatting characters (which can make a reviewer read text in another
// order than it has, CVE-2021-42574 "Trojan Source") and invalid bytes as
// U+FFFD.
func visible(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune(utf8.RuneError)
		case r < 0x20:
			b.WriteRune(0x2400 + r)
		case r == 0x7f:
			b.WriteRune(0x2421)
		case r >= 0x80 && r < 0xa0, r == 0x2028, r == 0x2029, bidi(r):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// Code returns s as an inline code span for running text (a paragraph or a
// list item, not a table cell: use Cell there). Inside a code span nothing
// is Markdown: no emphasis, link, autolink, HTML or entity.
func Code(s string) string {
	return span(visible(s))
}

// Cell returns s as a code span for a GFM table cell: Code, with every pipe
// escaped so the row is not split.
func Cell(s string) string {
	return strings.ReplaceAll(span(visible(s)), "|", `\|`)
}

// span wraps s, which holds no line break, in backticks one longer than
// its longest backtick run. A space pads s where it starts or ends with a
// backtick (which would join the fence) or with a space on both sides
// (which CommonMark strips one of).
func span(s string) string {
	if s == "" {
		return "(empty)"
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if s[0] == '`' || s[len(s)-1] == '`' || s[0] == ' ' && s[len(s)-1] == ' ' && strings.Trim(s, " ") != "" {
		s = " " + s + " "
	}
	return fence + s + fence
}

// bidi tells the Unicode bidirectional formatting characters: the marks
// (LRM, RLM, ALM), embeddings and overrides (U+202A-202E) and isolates
// (U+2066-2069).
func bidi(r rune) bool {
	return r == 0x200e || r == 0x200f || r == 0x061c || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// textSpecial are the ASCII punctuation characters that can start or end
// an inline construct anywhere in GFM text or split a table row: emphasis
// and strikethrough (* _ ~), code (`), links and images ([ ] !), autolinks
// and HTML (< >), entities (&), escapes (\\), table cells (|), and the
// e-mail autolinks of GFM (@). Parentheses need no escape once brackets
// have one. The other extended autolinks begin at "www." or a scheme's
// "://": Text escapes that "." and ":" only, so figures and times stay
// legible in the raw file.
const textSpecial = "\\`*_~[]!<>&|@"

// Text escapes s for running text and table cells where a value is not
// code: a message, an assumption. Every character in textSpecial is
// backslash-escaped (CommonMark: any ASCII punctuation may be), so s shows
// exactly as its characters and makes no Markdown of its own.
//
// Where s opens a line or a list item, its first characters could still
// start a block: a leading character of blockStart is escaped too, the "."
// or ")" after leading digits where it would make an ordered list marker,
// and leading and trailing spaces are written as the character
// reference &#32; (no indented code block, nothing trimmed). An empty s is
// written as "(empty)".
func Text(s string) string {
	if s == "" {
		return "(empty)"
	}
	s = visible(s)
	var b strings.Builder
	lead := len(s) - len(strings.TrimLeft(s, " "))
	b.WriteString(strings.Repeat("&#32;", lead))
	s = s[lead:]
	trimmed := strings.TrimRight(s, " ")
	trail := len(s) - len(trimmed)
	s = trimmed
	digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(textSpecial, c) >= 0 ||
			c == '.' && i >= 3 && strings.EqualFold(s[i-3:i], "www") ||
			c == ':' && strings.HasPrefix(s[i+1:], "//") ||
			i == 0 && strings.IndexByte(blockStart, c) >= 0 ||
			i == digits && digits > 0 && (c == '.' || c == ')') && (i+1 == len(s) || s[i+1] == ' ' || s[i+1] == '\t') {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteString(strings.Repeat("&#32;", trail))
	return b.String()
}

// blockStart are the characters that can open a block where a value
// starts a line: headings (#), quotes and callouts (>), list items and
// thematic breaks (- + * _), setext underlines (=), fences (` ~), HTML
// blocks (<) and tables (|).
const blockStart = "#>-+*_=`~<|"

// CodeBlock returns lines as a fenced code block: the fence is a run of
// backticks longer than any in the lines, so no line can close it early,
// and every line is made visible (no line break or control character of
// its own).
func CodeBlock(lines ...string) string {
	body := make([]string, len(lines))
	longest := 0
	for i, l := range lines {
		body[i] = visible(l)
		longest = max(longest, longestRun(body[i], '`'))
	}
	fence := strings.Repeat("`", max(3, longest+1))
	return fence + "\n" + strings.Join(body, "\n") + "\n" + fence + "\n"
}

// Comment returns s as an HTML comment, which GitHub does not show: s on
// one line, with every "--" broken by a space so that nothing in s can
// close the comment ("-->", or "--!>" for HTML5) and let the rest through.
func Comment(s string) string {
	s = visible(s)
	for strings.Contains(s, "--") {
		s = strings.ReplaceAll(s, "--", "- -")
	}
	return "<!-- " + s + " -->"
}
