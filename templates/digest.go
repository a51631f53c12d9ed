package templates

import (
	"bytes"
	"embed"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

// The daily alert digest: a plain-text part from text/template and an
// HTML part from html/template, so that everything from outside (an
// authority's name, a campaign's) is escaped in the HTML. Unlike the
// letters, the digest is foidesk's own report to its user and is not
// overridable.

//go:embed digest/*.tmpl
var digestFS embed.FS

var (
	digestText = texttemplate.Must(texttemplate.New("digest.txt.tmpl").Option("missingkey=error").ParseFS(digestFS, "digest/digest.txt.tmpl"))
	digestHTML = htmltemplate.Must(htmltemplate.New("digest.html.tmpl").Option("missingkey=error").ParseFS(digestFS, "digest/digest.html.tmpl"))
)

// Digest is what the daily digest says.
type Digest struct {
	Title       string // e.g. "3 overdue, 2 due soon — 4 December 2026"
	Day         string // e.g. "4 December 2026"
	Transitions []DigestTransition
	Warnings    []string
	Overdue     []DigestRow // most late first
}

// DigestTransition is one alert since the last digest.
type DigestTransition struct {
	On       string // YYYY-MM-DD
	Sentence string // "Barnet (C2ABCDEF) is overdue: due 2026-12-01, 3 working days late"
}

// DigestRow is one line of the overdue table.
type DigestRow struct {
	Authority string
	Code      string
	Ref       string
	Campaign  string
	Sent      string // YYYY-MM-DD
	Due       string
	DaysLate  int
	State     string
}

// RenderDigest renders the digest's plain-text and HTML parts.
func RenderDigest(d Digest) (text, html string, err error) {
	var tb, hb bytes.Buffer
	if err := digestText.Execute(&tb, d); err != nil {
		return "", "", err
	}
	if err := digestHTML.Execute(&hb, d); err != nil {
		return "", "", err
	}
	return strings.TrimSpace(tb.String()) + "\n", hb.String(), nil
}
