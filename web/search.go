package web

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"foidesk/store/document"
)

// Labels is what search needs of coding labels, which the coding part of
// foidesk keeps: the labels to offer, and the documents a label was given
// to. Options.Labels nil leaves the label filter off the page.
type Labels interface {
	// LabelNames lists the labels a search may be narrowed to, in the
	// order to offer them.
	LabelNames(ctx context.Context) ([]string, error)
	// LabelledDocuments lists the documents coded with label, in
	// campaign's requests only when campaign is not "".
	LabelledDocuments(ctx context.Context, campaign, label string) ([]int64, error)
}

// searchPageSize is how many results a page of search shows.
const searchPageSize = 20

// nations are the nations an authority may be in.
var nations = []string{"England", "Wales", "Scotland", "Northern Ireland"}

type searchHit struct {
	document.Hit
	Snippet template.HTML
}

type searchData struct {
	Q, Campaign, Nation, Kind, Label string
	Campaigns, Nations, Labels       []string
	MaxLen                           int
	Problem                          string // why the query could not be run, for the person to fix
	Searched                         bool
	Hits                             []searchHit
	Page                             int
	Prev, Next                       string // URLs of the neighbouring pages; "" for none
}

// search finds documents and messages by their words, with filters by
// campaign, nation, what to search and (when the coding part provides
// it) label, showing each hit with a snippet whose matched words are
// marked. A query the full-text engine cannot read, an empty one and one
// too long get a plain message on the page.
func (a *App) search(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	d := searchData{
		Q: q.Get("q"), Campaign: q.Get("campaign"), Nation: q.Get("nation"), Kind: q.Get("kind"), Label: q.Get("label"),
		Nations: nations, MaxLen: document.MaxQueryLen, Page: 1,
	}
	if p, err := strconv.Atoi(q.Get("page")); err == nil && p > 1 && p <= 1000 {
		d.Page = p
	}
	camps, err := a.campaigns.List(ctx)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	for _, c := range camps {
		d.Campaigns = append(d.Campaigns, c.Name)
	}
	if a.opts.Labels != nil {
		if d.Labels, err = a.opts.Labels.LabelNames(ctx); err != nil {
			a.serverError(w, r, err)
			return
		}
	}
	// Filters the page does not offer are dropped, not passed on.
	if !slices.Contains(d.Campaigns, d.Campaign) {
		d.Campaign = ""
	}
	if !slices.Contains(nations, d.Nation) {
		d.Nation = ""
	}
	if d.Kind != document.SearchDocuments && d.Kind != document.SearchMessages {
		d.Kind = document.SearchAll
	}
	if !slices.Contains(d.Labels, d.Label) {
		d.Label = ""
	}
	status := http.StatusOK
	switch {
	case strings.TrimSpace(d.Q) == "":
		// The empty form.
	case utf8.RuneCountInString(d.Q) > document.MaxQueryLen:
		d.Problem = "search could not read that query: it is longer than " + strconv.Itoa(document.MaxQueryLen) + " characters; search for fewer words"
		d.Q = string([]rune(d.Q)[:document.MaxQueryLen])
		status = http.StatusUnprocessableEntity
	default:
		d.Searched = true
		query := document.Query{Text: d.Q, Campaign: d.Campaign, Nation: d.Nation, Kind: d.Kind,
			Offset: (d.Page - 1) * searchPageSize, Limit: searchPageSize + 1}
		if d.Label != "" {
			if query.OnlyDocuments, err = a.opts.Labels.LabelledDocuments(ctx, d.Campaign, d.Label); err != nil {
				a.serverError(w, r, err)
				return
			}
			if query.OnlyDocuments == nil {
				query.OnlyDocuments = []int64{}
			}
		}
		hits, err := a.docs.Search(ctx, query)
		var qe *document.QueryError
		if errors.As(err, &qe) {
			d.Problem = qe.Error() + "; try quoting phrases"
			d.Searched = false
			status = http.StatusUnprocessableEntity
			break
		}
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		if len(hits) > searchPageSize {
			hits = hits[:searchPageSize]
			d.Next = d.pageURL(d.Page + 1)
		}
		if d.Page > 1 {
			d.Prev = d.pageURL(d.Page - 1)
		}
		for _, h := range hits {
			d.Hits = append(d.Hits, searchHit{Hit: h, Snippet: SnippetHTML(h.Snippet)})
		}
	}
	a.render(w, r, status, "search", page{Title: "Search", Data: d})
}

// pageURL is the search page n of the same query and filters.
func (d searchData) pageURL(n int) string {
	v := url.Values{"q": {d.Q}}
	for k, x := range map[string]string{"campaign": d.Campaign, "nation": d.Nation, "kind": d.Kind, "label": d.Label} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if n > 1 {
		v.Set("page", strconv.Itoa(n))
	}
	return "/search?" + v.Encode()
}

// snippetControls turns a snippet's page breaks into a visible mark and
// its other control characters into spaces.
var snippetControls = strings.NewReplacer("\f", " ¶ ", "\x00", " ", "\x01", " ", "\x04", " ", "\x05", " ", "\x06", " ", "\x07", " ", "\x08", " ",
	"\x0b", " ", "\x0e", " ", "\x0f", " ", "\x10", " ", "\x11", " ", "\x12", " ", "\x13", " ", "\x14", " ", "\x15", " ", "\x16", " ", "\x17", " ",
	"\x18", " ", "\x19", " ", "\x1a", " ", "\x1b", " ", "\x1c", " ", "\x1d", " ", "\x1e", " ", "\x1f", " ", "\x7f", " ")

// SnippetHTML renders a search snippet (document.Hit.Snippet) as HTML:
// the text between the hit markers escaped, each hit in <mark>, a page
// break as ¶. The snippet's own characters are never markup; a marker
// the text itself contained can only misplace a <mark>, never open
// anything else.
func SnippetHTML(s string) template.HTML {
	s = snippetControls.Replace(s)
	var b strings.Builder
	open := false
	for len(s) > 0 {
		i := strings.IndexAny(s, document.HitStart+document.HitEnd)
		if i < 0 {
			b.WriteString(template.HTMLEscapeString(s))
			break
		}
		b.WriteString(template.HTMLEscapeString(s[:i]))
		switch s[i : i+1] {
		case document.HitStart:
			if !open {
				b.WriteString("<mark>")
				open = true
			}
		case document.HitEnd:
			if open {
				b.WriteString("</mark>")
				open = false
			}
		}
		s = s[i+1:]
	}
	if open {
		b.WriteString("</mark>")
	}
	return template.HTML(b.String())
}
