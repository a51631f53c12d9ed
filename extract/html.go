package extract

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// parseHTML keeps what a reader sees: text, with block elements on their
// own lines and table cells separated by tabs; scripts, styles and comments
// dropped. The charset comes from the BOM, a <meta> tag, or the content.
func parseHTML(data []byte) Result {
	enc, name, _ := charset.DetermineEncoding(data, "text/html")
	if dec, err := enc.NewDecoder().Bytes(data); err == nil {
		data = dec
	}
	res := Result{Engine: EngineGo, Pages: []Page{{Number: 1, Text: htmlText(data)}}}
	if name != "utf-8" && name != "" {
		res.Notes = append(res.Notes, "charset: "+name)
	}
	return res
}

func htmlText(data []byte) string {
	z := html.NewTokenizer(bytes.NewReader(data))
	var b strings.Builder
	skip := 0
	pre := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidyHTMLText(b.String())
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			switch tag {
			case "script", "style", "noscript", "template", "head", "title":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			case "pre":
				if tt == html.StartTagToken {
					pre++
				} else if tt == html.EndTagToken && pre > 0 {
					pre--
				}
			}
			switch tag {
			case "br":
				b.WriteByte('\n')
			case "td", "th":
				if tt == html.EndTagToken {
					b.WriteByte('\t')
				}
			case "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
				"blockquote", "section", "article", "header", "footer", "pre", "hr", "dt", "dd", "address":
				b.WriteByte('\n')
			}
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := string(z.Text())
			if pre == 0 {
				t = strings.Join(strings.Fields(t), " ")
				if t == "" {
					continue
				}
				if raw := z.Raw(); len(raw) > 0 && isSpace(raw[0]) && b.Len() > 0 {
					t = " " + t
				}
				if raw := z.Raw(); len(raw) > 0 && isSpace(raw[len(raw)-1]) {
					t += " "
				}
			}
			b.WriteString(t)
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// tidyHTMLText trims each line and collapses runs of blank lines.
func tidyHTMLText(s string) string {
	s = tidyCells(s)
	lines := strings.Split(s, "\n")
	var out []string
	blank := 0
	for _, l := range lines {
		l = strings.TrimSpace(strings.ReplaceAll(l, " \t", "\t"))
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
