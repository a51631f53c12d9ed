package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"foidesk/store"
)

//go:embed templates/*.html
var templateFiles embed.FS

// parsePages parses each page template with the layout it fills in, so
// every page has its own set and pages cannot clash over block names.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		// path escapes one path segment (a campaign's name in a link).
		"path": url.PathEscape,
		// untrusted shows a short piece of a reply (its sender, subject,
		// a file's name) as escaped text, through TextHTML like any text
		// from a reply.
		"untrusted": func(s string) template.HTML { return TextHTML(s, nil) },
		"when": func(t time.Time) string {
			if t.IsZero() {
				return "never"
			}
			return t.UTC().Format("2 Jan 2006 15:04 MST")
		},
		"bytes":  humanBytes,
		"mul100": func(f float64) float64 { return f * 100 },
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", n, err)
		}
		pages[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	return pages, nil
}

// page is what the layout needs, plus the page's own data.
type page struct {
	Title   string
	Nonce   string // CSP nonce for this response's script tag
	CSRF    string // the token every form carries
	User    string // signed-in user's name; empty on the sign-in page
	Admin   bool
	Message string // a notice at the top: what just happened, or what went wrong
	// Unmatched is how many messages wait in the unmatched queue, for the
	// navigation.
	Unmatched int
	Data      any
}

// render writes page name with status.
func (a *App) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := a.pages[name]
	if !ok {
		a.serverError(w, r, fmt.Errorf("no page template %q", name))
		return
	}
	p.Nonce = nonceOf(r)
	if p.CSRF == "" {
		p.CSRF = csrfFor(r)
	}
	if cur, ok := sessionOf(r); ok {
		p.User, p.Admin = cur.session.User, cur.session.Admin
		n, err := a.mail.UnmatchedCount(r.Context())
		if err != nil {
			a.log.Warn("web: count unmatched mail", "err", err)
		}
		p.Unmatched = n
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		a.serverError(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail writes the plain error page: a status and a short sentence, never
// a stack trace or SQL. An empty message says the status's own words.
func (a *App) fail(w http.ResponseWriter, r *http.Request, status int, message string) {
	if message == "" {
		message = "Something went wrong on the server; it has been logged. Try again, and tell whoever runs foidesk if it keeps happening."
	}
	a.render(w, r, status, "error", page{Title: http.StatusText(status), Message: message})
}

// serverError logs err and writes the plain 500 page.
func (a *App) serverError(w http.ResponseWriter, r *http.Request, err error) {
	a.log.Error("web: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	a.fail(w, r, http.StatusInternalServerError, "")
}

// lookupFailed writes the page for a failed lookup and reports whether it
// did: nothing for a nil err; 404 for store.ErrNotFound, saying missing
// (or the plain 404's words when missing is ""); else the 500 page, with
// err logged. A handler returns when it is true.
func (a *App) lookupFailed(w http.ResponseWriter, r *http.Request, err error, missing string) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, store.ErrNotFound):
		if missing == "" {
			a.notFound(w, r)
		} else {
			a.fail(w, r, http.StatusNotFound, missing)
		}
	default:
		a.serverError(w, r, err)
	}
	return true
}

// notFound is the page for every path the app does not have.
func (a *App) notFound(w http.ResponseWriter, r *http.Request) {
	a.fail(w, r, http.StatusNotFound, "There is no such page.")
}
