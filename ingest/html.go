package ingest

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

var blankLines = regexp.MustCompile(`\n{3,}`)

// HTMLToText turns an HTML body into readable text: block elements become
// line breaks, list items get a dash, links keep their address, scripts and
// styles vanish. Many councils' systems send HTML only.
func HTMLToText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	var href string
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			out := blankLines.ReplaceAllString(b.String(), "\n\n")
			lines := strings.Split(out, "\n")
			for i, l := range lines {
				lines[i] = strings.TrimRight(strings.Join(strings.Fields(l), " "), " ")
			}
			return strings.TrimSpace(blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			end := tt == html.EndTagToken
			switch tag {
			case "script", "style", "head", "title":
				if tt == html.StartTagToken {
					skip++
				} else if end && skip > 0 {
					skip--
				}
			case "br":
				b.WriteString("\n")
			case "p", "div", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "hr":
				b.WriteString("\n")
				if tag == "p" || strings.HasPrefix(tag, "h") {
					b.WriteString("\n")
				}
			case "li":
				if !end {
					b.WriteString("\n- ")
				}
			case "td", "th":
				if !end {
					b.WriteString(" ")
				}
			case "a":
				if !end && hasAttr {
					href = ""
					for {
						k, v, more := z.TagAttr()
						if string(k) == "href" {
							href = string(v)
						}
						if !more {
							break
						}
					}
				} else if end && strings.HasPrefix(href, "http") {
					b.WriteString(" <" + href + ">")
					href = ""
				}
			}
		}
	}
}
