package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"foidesk/store/user"
)

// The session cookie. Over HTTPS it is __Host-foidesk: the prefix makes
// the browser insist on Secure, Path=/ and no Domain, so no other host
// (a sibling subdomain) can plant or read it.
const (
	cookieName       = "foidesk"
	secureCookieName = "__Host-foidesk"
)

// secure reports whether r reached the user over HTTPS: this server's own
// TLS, or a trusted proxy that says so.
func (a *App) secure(r *http.Request) bool {
	if a.opts.Secure || r.TLS != nil {
		return true
	}
	return a.opts.BehindProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// sessionCookieName is the session cookie's name for r.
func (a *App) sessionCookieName(r *http.Request) string {
	if a.secure(r) {
		return secureCookieName
	}
	return cookieName
}

// setCookie sets a cookie with the flags every foidesk cookie has.
func (a *App) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	c := &http.Cookie{
		Name: name, Value: value, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.secure(r),
	}
	if maxAge < 0 {
		c.MaxAge = -1
	} else if maxAge > 0 {
		c.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(w, c)
}

// current is the signed-in state of a request: the session and the token
// that names it (the CSRF token is derived from the token).
type current struct {
	session user.Session
	token   string
}

type currentKey struct{}

// sessionOf is r's session; ok is false for an anonymous request.
func sessionOf(r *http.Request) (current, bool) {
	c, ok := r.Context().Value(currentKey{}).(current)
	return c, ok
}

// lookupSession finds r's live session from its cookie.
func (a *App) lookupSession(r *http.Request) (current, bool, error) {
	c, err := r.Cookie(a.sessionCookieName(r))
	if err != nil || c.Value == "" {
		return current{}, false, nil
	}
	s, err := a.users.Session(r.Context(), c.Value, a.opts.Sessions)
	if errors.Is(err, user.ErrNoSession) {
		return current{}, false, nil
	}
	if err != nil {
		return current{}, false, err
	}
	return current{session: s, token: c.Value}, true, nil
}

// guard applies a route's access rule and, for state-changing methods,
// the CSRF checks, then runs its handler.
func (a *App) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.access != public {
			cur, ok, err := a.lookupSession(r)
			if err != nil {
				a.serverError(w, r, err)
				return
			}
			if !ok {
				a.anonymous(w, r)
				return
			}
			if rt.access == adminOnly && !cur.session.Admin {
				a.fail(w, r, http.StatusForbidden, "This page is for admins.")
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), currentKey{}, cur))
		}
		if unsafe(r.Method) {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if !a.sameOrigin(r) {
				a.fail(w, r, http.StatusForbidden, "This form was sent from another site, so it was refused. Reload the page and try again.")
				return
			}
			if !a.validCSRF(r) {
				a.fail(w, r, http.StatusForbidden, "This form has expired. Reload the page and try again.")
				return
			}
		}
		rt.handler(w, r)
	})
}

// maxFormBytes bounds a form body: the app's forms are a few fields.
const maxFormBytes = 1 << 20

// anonymous answers a request that needs a session and has none: a page
// asked for in the browser goes to the sign-in page and comes back after;
// anything else is refused.
func (a *App) anonymous(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	a.fail(w, r, http.StatusUnauthorized, "You are not signed in (or your session has ended). Sign in and try again.")
}

// clientAddress is the address a request came from: the proxy's last
// X-Forwarded-For entry when the app is behind one, else the peer.
func (a *App) clientAddress(r *http.Request) string {
	if a.opts.BehindProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			parts := strings.Split(xff[len(xff)-1], ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
