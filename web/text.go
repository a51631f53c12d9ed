package web

import (
	"html/template"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Text extracted from a reply is shown as text: every character escaped,
// never interpreted. Documents mark page breaks with form feeds (\f);
// they become separators a reader can see.

// Highlighter marks a campaign's keywords in extracted text.
type Highlighter struct{ re *regexp.Regexp }

// NewHighlighter matches keywords without regard to case, each at the
// start of a word, longer keywords first (so "recording" wins over
// "record"); spaces inside a keyword match any run of white space, so a
// phrase broken across lines is still found.
func NewHighlighter(keywords []string) *Highlighter {
	var alts []string
	for _, k := range keywords {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		words := strings.Fields(k)
		for i, w := range words {
			words[i] = regexp.QuoteMeta(w)
		}
		alts = append(alts, strings.Join(words, `\s+`))
	}
	if len(alts) == 0 {
		return &Highlighter{}
	}
	sort.SliceStable(alts, func(i, j int) bool { return len(alts[i]) > len(alts[j]) })
	return &Highlighter{re: regexp.MustCompile(`(?i)\b(?:` + strings.Join(alts, "|") + `)`)}
}

// TextHTML renders extracted text as HTML for a <div class="untrusted-text">:
// each page escaped, keywords wrapped in <mark>, pages separated by a
// rule. The matches are found in the raw text and the text between and
// inside them is escaped piece by piece, so a keyword can never match
// inside an escape sequence and no character of the text reaches the page
// unescaped. h may be nil for no highlighting.
func TextHTML(text string, h *Highlighter) template.HTML {
	var b strings.Builder
	for i, pg := range strings.Split(text, "\f") {
		if i > 0 {
			b.WriteString(`<hr class="page-break" aria-label="page ` + strconv.Itoa(i+1) + `">`)
		}
		h.write(&b, pg)
	}
	return template.HTML(b.String())
}

// write escapes s into b, marking keyword matches.
func (h *Highlighter) write(b *strings.Builder, s string) {
	if h == nil || h.re == nil {
		b.WriteString(template.HTMLEscapeString(s))
		return
	}
	last := 0
	for _, m := range h.re.FindAllStringIndex(s, -1) {
		b.WriteString(template.HTMLEscapeString(s[last:m[0]]))
		b.WriteString("<mark>")
		b.WriteString(template.HTMLEscapeString(s[m[0]:m[1]]))
		b.WriteString("</mark>")
		last = m[1]
	}
	b.WriteString(template.HTMLEscapeString(s[last:]))
}
