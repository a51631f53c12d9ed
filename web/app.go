// Package web is foidesk's review app: the pages reviewers sign in to,
// served by 'foidesk serve' and mounted by 'foidesk run'.
//
// Replies from authorities are hostile input, so the app is built as a
// security boundary first. Every response carries a strict
// Content-Security-Policy with a fresh script nonce and the usual
// anti-framing and anti-sniffing headers (headers.go). Every page but
// the sign-in page needs a server-side session (session.go), and every
// state-changing request a CSRF token tied to that session plus a
// same-origin check (csrf.go). Text from replies is shown escaped
// (text.go), HTML from replies only after a strict sanitiser
// (sanitize.go), and attachments only as downloads (attachment.go).
//
// Each page is one handler in a file named after it; routes.go lists
// them all in one table, which the tests walk so no route escapes the
// checks.
package web

import (
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"os"

	"foidesk/lifecycle"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/coding"
	"foidesk/store/document"
	"foidesk/store/mail"
	"foidesk/store/results"
	"foidesk/store/user"
)

// Options configure the app. Store is required; the rest have defaults.
type Options struct {
	Store *store.Store
	Log   *slog.Logger // nil: discard
	// Secure says the app is served over TLS by this process, so the
	// session cookie is always Secure and named __Host-foidesk.
	Secure bool
	// BehindProxy trusts X-Forwarded-Proto, X-Forwarded-For and
	// X-Forwarded-Host from a reverse proxy in front of the app: set it
	// only when every request comes through one.
	BehindProxy bool
	// Sessions sets idle and absolute session expiry (user.DefaultIdle,
	// user.DefaultMax when zero), judged by the store's clock
	// (store.Options.Now), which tests set.
	Sessions user.Policy
	// Originals opens the stored file of an attachment or a raw message
	// by its SHA-256 (the blob store, blob.Store), for the "original
	// file" and raw message downloads and the message page's recipients
	// and HTML; nil: the pages say the file is not available here.
	Originals Originals
	// Labels narrows search by coding label (store/coding provides
	// it); nil: search has no label filter.
	Labels Labels
	// Thresholds turn awaited answers due-soon and very-overdue on the
	// dashboard, grid and timeline: [alerts] due_soon_days and [deadline]
	// very_overdue_days.
	Thresholds lifecycle.Thresholds
	// Codes is where the results pages read coding (labels, outcomes,
	// notes); nil until coding is wired in: the coding columns stay empty
	// and the dashboard says "not coded".
	Codes results.Codes
	// Reviews queues internal-review letters from the request timeline;
	// nil leaves the timeline's review form out.
	Reviews ReviewQueuer
}

// Originals opens stored files by their SHA-256.
type Originals interface {
	Open(sha256 string) (*os.File, error)
}

// App is the review app. Mount Handler on a server; it is safe for
// concurrent use.
type App struct {
	opts      Options
	log       *slog.Logger
	users     *user.Store
	campaigns *campaign.Store
	coding    *coding.Store
	results   *results.Store
	mail      *mail.Store
	docs      *document.Store
	pages     map[string]*template.Template
	handler   http.Handler
}

// New builds the app over an open store.
func New(opts Options) (*App, error) {
	if opts.Store == nil {
		return nil, errors.New("web: Options.Store is required")
	}
	a := &App{
		opts:      opts,
		log:       opts.Log,
		users:     user.New(opts.Store),
		campaigns: campaign.New(opts.Store),
		coding:    coding.New(opts.Store),
		results:   results.New(opts.Store),
		mail:      mail.New(opts.Store),
		docs:      document.New(opts.Store),
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if a.pages, err = parsePages(); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	for _, rt := range a.routes() {
		mux.Handle(rt.pattern, a.guard(rt))
	}
	a.handler = a.withHeaders(a.recoverPanics(mux))
	return a, nil
}

// Handler serves every page of the app, with its security headers on
// every response (404s and errors included). 'foidesk run' mounts it at
// "/" on its own mux, beside its more specific /healthz and /metrics.
func (a *App) Handler() http.Handler { return a.handler }
