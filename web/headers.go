package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
)

// withHeaders sets the security headers on every response before the
// handler runs, so 404s, errors and panics carry them too. The CSP allows
// scripts only with this response's nonce (the layout's one script tag
// carries it), styles and images only from the app itself, forms only
// back to the app, and no framing.
func (a *App) withHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nonce := newNonce()
		h := w.Header()
		h.Set("Content-Security-Policy", csp(nonce))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			// Pages show what a signed-in reviewer may see and carry CSRF
			// tokens: no cache, shared or private, keeps them.
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), nonceKey{}, nonce)))
	})
}

// csp is the Content-Security-Policy for a response whose scripts carry
// nonce.
func csp(nonce string) string {
	return "default-src 'none'; script-src 'nonce-" + nonce + "'; style-src 'self'; img-src 'self'; " +
		"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
}

type nonceKey struct{}

// nonceOf is the CSP nonce of the response being made for r.
func nonceOf(r *http.Request) string {
	n, _ := r.Context().Value(nonceKey{}).(string)
	return n
}

// newNonce draws 128 random bits for one response's CSP nonce.
func newNonce() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("web: no randomness for a CSP nonce: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// recoverPanics turns a panicking handler into the plain 500 page: the
// reviewer sees a short message, the log gets the detail.
func (a *App) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.log.Error("web: handler panicked", "method", r.Method, "path", r.URL.Path, "panic", v)
				a.fail(w, r, http.StatusInternalServerError, "")
			}
		}()
		next.ServeHTTP(w, r)
	})
}
