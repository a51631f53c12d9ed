package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// CSRF defence, in two layers.
//
// A synchronizer token: every form carries a hidden field csrfField
// whose value is an HMAC of the session token. It is tied to the session
// (a new sign-in makes a new one), never stored, and useless without the
// cookie; a copy of the database cannot produce it, since only the
// token's hash is stored. The sign-in form, before any session, uses a
// random value that must match a short-lived cookie (double submit).
//
// And a same-origin check: a browser says where a request came from in
// Sec-Fetch-Site and Origin; when it does, anything but this origin is
// refused.

const (
	csrfField = "csrf"
	// The sign-in form's cookie; __Host- over HTTPS, like the session's,
	// so a sibling subdomain cannot plant a value and sign a victim in as
	// somebody else.
	loginCookieName       = "foidesk-login"
	secureLoginCookieName = "__Host-foidesk-login"
)

// loginCookie is the sign-in form cookie's name for r.
func (a *App) loginCookie(r *http.Request) string {
	if a.secure(r) {
		return secureLoginCookieName
	}
	return loginCookieName
}

// csrfToken is the CSRF token of the session named by sessionToken.
func csrfToken(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("foidesk csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfFor is the token the forms of r's page carry: the session's. The
// sign-in page passes its own (loginToken).
func csrfFor(r *http.Request) string {
	if cur, ok := sessionOf(r); ok {
		return csrfToken(cur.token)
	}
	return ""
}

// validCSRF checks r's form token against its session, or against the
// login cookie when r has no session.
func (a *App) validCSRF(r *http.Request) bool {
	got := r.PostFormValue(csrfField)
	if got == "" {
		return false
	}
	var want string
	if cur, ok := sessionOf(r); ok {
		want = csrfToken(cur.token)
	} else if c, err := r.Cookie(a.loginCookie(r)); err == nil {
		want = c.Value
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// loginToken returns the double-submit token for the sign-in form,
// setting its cookie when r has none.
func (a *App) loginToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(a.loginCookie(r)); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("web: no randomness for a CSRF token: " + err.Error())
	}
	v := base64.RawURLEncoding.EncodeToString(b)
	a.setCookie(w, r, a.loginCookie(r), v, 0)
	return v
}

// sameOrigin reports whether r, by its Origin and Sec-Fetch-Site headers
// where the browser sent them, came from this app's own pages.
func (a *App) sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	origin := r.Header.Get("Origin")
	// Under the app's own Referrer-Policy: no-referrer, a browser sends
	// "Origin: null" with every form post, so null says nothing; a
	// browser that sends it also sends Sec-Fetch-Site, checked above.
	if origin == "" || origin == "null" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	host := r.Host
	if a.opts.BehindProxy {
		if fh := r.Header.Get("X-Forwarded-Host"); fh != "" {
			host = strings.TrimSpace(strings.Split(fh, ",")[0])
		}
	}
	scheme := "http"
	if a.secure(r) {
		scheme = "https"
	}
	return strings.EqualFold(u.Host, host) && u.Scheme == scheme
}
