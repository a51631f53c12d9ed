package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"foidesk/store/user"
)

// TestEveryRouteRefusesAnAnonymousUser walks the routing table: a page
// asked for by a browser goes to the sign-in page and comes back after;
// anything else is 401.
func TestEveryRouteRefusesAnAnonymousUser(t *testing.T) {
	f := newFixture(t, Options{})
	checked := 0
	for _, rt := range f.app.routes() {
		if rt.access == public {
			continue
		}
		method, path := concrete(rt.pattern)
		w := f.do(req{method: method, target: path, form: url.Values{}})
		switch method {
		case "GET":
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?next="+url.QueryEscape(path) {
				t.Errorf("%s: %d to %q", rt.pattern, w.Code, w.Header().Get("Location"))
			}
		default:
			if w.Code != http.StatusUnauthorized {
				t.Errorf("%s: %d, want 401", rt.pattern, w.Code)
			}
		}
		checked++
	}
	if checked < 9 {
		t.Fatalf("only %d routes checked", checked)
	}
}

func TestAdminRoutesRefuseOtherUsers(t *testing.T) {
	f := newFixture(t, Options{})
	c, tok := f.signIn("bob")
	for _, rt := range f.app.routes() {
		if rt.access != adminOnly {
			continue
		}
		method, path := concrete(rt.pattern)
		w := f.do(req{method: method, target: path, cookies: []*http.Cookie{c}, form: url.Values{"csrf": {tok}}})
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "for admins") {
			t.Errorf("%s as bob: %d", rt.pattern, w.Code)
		}
	}
}

// TestStateChangingRoutesNeedCSRFAndSameOrigin walks the routing table:
// every state-changing route refuses a missing token, a wrong token, and
// a right token sent from another site, with a page saying to reload.
func TestStateChangingRoutesNeedCSRFAndSameOrigin(t *testing.T) {
	f := newFixture(t, Options{})
	checked := 0
	for _, rt := range f.app.routes() {
		method, path := concrete(rt.pattern)
		if !unsafe(method) {
			continue
		}
		var cookies []*http.Cookie
		var tok string
		if rt.access == public {
			lc, lt := f.loginForm()
			cookies, tok = []*http.Cookie{lc}, lt
		} else {
			c, st := f.signIn("ana")
			cookies, tok = []*http.Cookie{c}, st
		}
		form := func(token string) url.Values {
			v := url.Values{"name": {"bob"}, "password": {testPassword}, "current": {testPassword},
				"new": {testPassword}, "repeat": {testPassword}}
			if token != "" {
				v.Set("csrf", token)
			}
			return v
		}
		for _, c := range []struct {
			what   string
			token  string
			header map[string]string
			says   string
		}{
			{"no token", "", nil, "expired"},
			{"a wrong token", tok[:len(tok)-2] + "xx", nil, "expired"},
			{"another session's token", csrfToken("somebody else's session"), nil, "expired"},
			{"a cross-site Origin", tok, map[string]string{"Origin": "https://evil.example"}, "another site"},
			{"Origin null from another site", tok, map[string]string{"Origin": "null", "Sec-Fetch-Site": "cross-site"}, "another site"},
			{"a cross-site Origin claiming same-origin", tok, map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "same-origin"}, "another site"},
			{"Sec-Fetch-Site cross-site", tok, map[string]string{"Sec-Fetch-Site": "cross-site"}, "another site"},
			{"Sec-Fetch-Site same-site", tok, map[string]string{"Sec-Fetch-Site": "same-site"}, "another site"},
		} {
			w := f.do(req{method: method, target: path, cookies: cookies, form: form(c.token), header: c.header})
			if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), c.says) {
				t.Errorf("%s with %s: %d\n%s", rt.pattern, c.what, w.Code, w.Body)
			}
		}
		// The same request with the right token from this site's own page
		// gets past the checks: with its origin, or with the "null" origin
		// a browser sends under Referrer-Policy: no-referrer.
		for _, origin := range []string{"http://example.com", "null"} {
			w := f.do(req{method: method, target: path, cookies: cookies, form: form(tok),
				header: map[string]string{"Origin": origin, "Sec-Fetch-Site": "same-origin"}})
			if w.Code == http.StatusForbidden {
				t.Errorf("%s with a right token from Origin %s: 403\n%s", rt.pattern, origin, w.Body)
			}
		}
		checked++
	}
	if checked < 7 {
		t.Fatalf("only %d state-changing routes checked", checked)
	}
}

func TestLoginIsRateLimitedWithAPlainMessage(t *testing.T) {
	f := newFixture(t, Options{})
	lc, tok := f.loginForm()
	try := func(name, pw string) *http.Response {
		return f.do(req{method: "POST", target: "/login", cookies: []*http.Cookie{lc},
			form: url.Values{"csrf": {tok}, "name": {name}, "password": {pw}}}).Result()
	}
	wrong := try("bob", "not bob's password")
	unknown := try("nobody", "not anyone's password")
	if wrong.StatusCode != 401 || unknown.StatusCode != 401 {
		t.Fatalf("wrong password %d, unknown user %d", wrong.StatusCode, unknown.StatusCode)
	}
	for i := 0; i < user.NameFailures-1; i++ {
		try("bob", "still not it")
	}
	w := f.do(req{method: "POST", target: "/login", cookies: []*http.Cookie{lc},
		form: url.Values{"csrf": {tok}, "name": {"bob"}, "password": {testPassword}}})
	if w.Code != http.StatusTooManyRequests || !strings.Contains(w.Body.String(), "Try again after 09:15 UTC") {
		t.Fatalf("locked: %d\n%s", w.Code, w.Body)
	}
	if cookieNamed(w, cookieName) != nil {
		t.Fatal("a locked sign-in set a session cookie")
	}
	f.clock.add(16 * time.Minute)
	f.signIn("bob")
}

func TestSessionsEndWhenIdleAndAtTheAbsoluteLimit(t *testing.T) {
	f := newFixture(t, Options{Sessions: user.Policy{Idle: time.Hour, Max: 2 * time.Hour}})
	c, _ := f.signIn("bob")
	home := func() int { return f.do(req{target: "/", cookies: []*http.Cookie{c}}).Code }
	f.clock.add(55 * time.Minute)
	if home() != 200 {
		t.Fatal("active session refused")
	}
	f.clock.add(55 * time.Minute)
	if home() != 200 {
		t.Fatal("active session refused")
	}
	f.clock.add(15 * time.Minute) // 2h05 after sign-in, 15 minutes idle
	if home() != http.StatusSeeOther {
		t.Fatal("a session past its absolute limit still works")
	}
	c, _ = f.signIn("bob")
	f.clock.add(61 * time.Minute)
	if home() != http.StatusSeeOther {
		t.Fatal("an idle session still works")
	}
}

func TestLogoutEndsTheSessionOnTheServer(t *testing.T) {
	f := newFixture(t, Options{})
	c, tok := f.signIn("bob")
	w := f.do(req{method: "POST", target: "/logout", cookies: []*http.Cookie{c}, form: url.Values{"csrf": {tok}}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("logout: %d", w.Code)
	}
	if cleared := cookieNamed(w, cookieName); cleared == nil || cleared.MaxAge >= 0 {
		t.Fatalf("cookie not cleared: %v", cleared)
	}
	// The old cookie, replayed, no longer works.
	if w := f.do(req{target: "/", cookies: []*http.Cookie{c}}); w.Code != http.StatusSeeOther {
		t.Fatalf("old cookie after logout: %d", w.Code)
	}
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	f := newFixture(t, Options{})
	c1, tok1 := f.signIn("bob")
	c2, _ := f.signIn("bob")
	w := f.do(req{method: "POST", target: "/account/password", cookies: []*http.Cookie{c1}, form: url.Values{
		"csrf": {tok1}, "current": {testPassword}, "new": {"a brand new password"}, "repeat": {"a brand new password"}}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/account?done=password" {
		t.Fatalf("change: %d %s\n%s", w.Code, w.Header().Get("Location"), w.Body)
	}
	if w := f.do(req{target: "/account?done=password", cookies: []*http.Cookie{c1}}); w.Code != 200 || !strings.Contains(w.Body.String(), "password has been changed") {
		t.Fatalf("the session it was changed from: %d", w.Code)
	}
	if w := f.do(req{target: "/", cookies: []*http.Cookie{c2}}); w.Code != http.StatusSeeOther {
		t.Fatalf("another session after the change: %d", w.Code)
	}
	// A wrong current password or a short new one changes nothing.
	for _, form := range []url.Values{
		{"current": {"wrong password here"}, "new": {"yet another password"}, "repeat": {"yet another password"}},
		{"current": {"a brand new password"}, "new": {"short"}, "repeat": {"short"}},
		{"current": {"a brand new password"}, "new": {"yet another password"}, "repeat": {"yet another passwort"}},
	} {
		form.Set("csrf", tok1)
		if w := f.do(req{method: "POST", target: "/account/password", cookies: []*http.Cookie{c1}, form: form}); w.Code != http.StatusUnprocessableEntity {
			t.Fatalf("%v: %d", form, w.Code)
		}
	}
}

func TestSignInGivesANewSessionIDAndFlaggedCookie(t *testing.T) {
	f := newFixture(t, Options{})
	lc, tok := f.loginForm()
	planted := &http.Cookie{Name: cookieName, Value: "planted-by-someone-else"}
	w := f.do(req{method: "POST", target: "/login", cookies: []*http.Cookie{lc, planted},
		form: url.Values{"csrf": {tok}, "name": {"bob"}, "password": {testPassword}}})
	c := cookieNamed(w, cookieName)
	if c == nil || c.Value == planted.Value || len(c.Value) != 43 {
		t.Fatalf("session cookie %v", c)
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
		t.Fatalf("flags over plain HTTP: %+v", c)
	}
	// Over TLS (or a proxy that says so) the cookie is Secure and
	// __Host- prefixed.
	for _, o := range []Options{{Secure: true}, {BehindProxy: true}} {
		g := newFixture(t, o)
		hdr := map[string]string{"X-Forwarded-Proto": "https"}
		w := g.do(req{target: "/login", header: hdr})
		lc := cookieNamed(w, secureLoginCookieName)
		if lc == nil || !lc.Secure {
			t.Fatalf("%+v: sign-in form cookie %+v", o, lc)
		}
		tok := csrfIn(t, w.Body.String())
		w = g.do(req{method: "POST", target: "/login", cookies: []*http.Cookie{lc}, header: hdr,
			form: url.Values{"csrf": {tok}, "name": {"bob"}, "password": {testPassword}}})
		c := cookieNamed(w, secureCookieName)
		if c == nil || !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" {
			t.Fatalf("%+v: cookie %+v", o, c)
		}
	}
	// Behind a proxy, a plain-HTTP request gets no Secure cookie; without
	// BehindProxy the header is not believed.
	g := newFixture(t, Options{})
	w = g.do(req{target: "/login", header: map[string]string{"X-Forwarded-Proto": "https"}})
	if c := cookieNamed(w, loginCookieName); c == nil || c.Secure {
		t.Fatalf("X-Forwarded-Proto believed without BehindProxy: %+v", c)
	}
}

func TestSignInRefusesOpenRedirects(t *testing.T) {
	for next, want := range map[string]string{
		"/account":                 "/account",
		"/review/x?doc=3#top":      "/review/x?doc=3#top",
		"":                         "/",
		"//evil.example":           "/",
		"//evil.example/account":   "/",
		"/\\evil.example":          "/",
		"https://evil.example/":    "/",
		"javascript:alert(1)":      "/",
		"/%0d%0aSet-Cookie:x=1":    "/%0d%0aSet-Cookie:x=1",
		"/\r\nLocation: //evil":    "/",
		"evil.example":             "/",
		"/login":                   "/",
		"http:/evil.example":       "/",
		"/./\\/evil.example":       "/",
		"/ok\x00":                  "/",
		"///evil.example":          "/",
		"/%2F%2Fevil.example/path": "/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
	f := newFixture(t, Options{})
	lc, tok := f.loginForm()
	w := f.do(req{method: "POST", target: "/login", cookies: []*http.Cookie{lc},
		form: url.Values{"csrf": {tok}, "name": {"bob"}, "password": {testPassword}, "next": {"//evil.example"}}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Fatalf("next=//evil.example: %d %q", w.Code, w.Header().Get("Location"))
	}
	w = f.do(req{target: "/login?next=//evil.example"})
	if strings.Contains(w.Body.String(), "evil.example") {
		t.Fatal("the sign-in page carries a foreign next")
	}
}

var securityHeaders = map[string]*regexp.Regexp{
	"Content-Security-Policy":    regexp.MustCompile(`^default-src 'none'; script-src 'nonce-[A-Za-z0-9_-]{22}'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'$`),
	"X-Content-Type-Options":     regexp.MustCompile(`^nosniff$`),
	"Referrer-Policy":            regexp.MustCompile(`^no-referrer$`),
	"X-Frame-Options":            regexp.MustCompile(`^DENY$`),
	"Cross-Origin-Opener-Policy": regexp.MustCompile(`^same-origin$`),
}

// TestHeadersOnEveryResponse: pages, redirects, refusals, 404s, 405s and
// server errors all carry the security headers; pages are never cached.
func TestHeadersOnEveryResponse(t *testing.T) {
	f := newFixture(t, Options{})
	c, tok := f.signIn("bob")
	cases := []req{
		{target: "/login"},
		{target: "/"},
		{target: "/", cookies: []*http.Cookie{c}},
		{target: "/account", cookies: []*http.Cookie{c}},
		{target: "/admin/users", cookies: []*http.Cookie{c}},                                // 403
		{target: "/no-such-page"},                                                           // 404
		{target: "/static/no-such-file.js"},                                                 // 404
		{method: "DELETE", target: "/account", cookies: []*http.Cookie{c}},                  // 405
		{method: "POST", target: "/logout", cookies: []*http.Cookie{c}, form: url.Values{}}, // 403 CSRF
		{method: "POST", target: "/logout", form: url.Values{"csrf": {tok}}},                // 401
		{target: "/static/app.css"},
	}
	for _, q := range cases {
		w := f.do(q)
		for h, re := range securityHeaders {
			if !re.MatchString(w.Header().Get(h)) {
				t.Errorf("%s %s (%d): %s: %q", q.method, q.target, w.Code, h, w.Header().Get(h))
			}
		}
		if !strings.HasPrefix(q.target, "/static/") && w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s (%d): Cache-Control %q", q.target, w.Code, w.Header().Get("Cache-Control"))
		}
	}
	// A server error is the plain page, without the error's text.
	f.st.Close()
	w := f.do(req{target: "/", cookies: []*http.Cookie{c}})
	if w.Code != 500 || strings.Contains(w.Body.String(), "sql") || strings.Contains(w.Body.String(), "closed") || w.Header().Get("Content-Security-Policy") == "" {
		t.Fatalf("server error: %d\n%s", w.Code, w.Body)
	}
}

var (
	scriptTag     = regexp.MustCompile(`(?is)<script\b[^>]*>`)
	inlineHandler = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
)

// TestPagesUseNoncesAndNoInlineHandlers: each response has its own
// nonce, every script tag carries it and loads a file, and no element has
// an on…= handler.
func TestPagesUseNoncesAndNoInlineHandlers(t *testing.T) {
	f := newFixture(t, Options{})
	c, _ := f.signIn("ana")
	seen := map[string]bool{}
	for _, path := range []string{"/login", "/", "/account", "/admin/users", "/no-such-page", "/"} {
		cookies := []*http.Cookie{c}
		if path == "/login" {
			cookies = nil
		}
		w := f.do(req{target: path, cookies: cookies})
		m := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(w.Header().Get("Content-Security-Policy"))
		if m == nil {
			t.Fatalf("%s: no nonce", path)
		}
		if seen[m[1]] {
			t.Fatalf("%s: nonce %s used twice", path, m[1])
		}
		seen[m[1]] = true
		body := w.Body.String()
		tags := scriptTag.FindAllString(body, -1)
		if len(tags) == 0 {
			t.Fatalf("%s: no script tag", path)
		}
		for _, tag := range tags {
			if !strings.Contains(tag, `nonce="`+m[1]+`"`) || !strings.Contains(tag, `src="/static/`) {
				t.Errorf("%s: script tag without this response's nonce or a src: %s", path, tag)
			}
		}
		if inlineHandler.MatchString(body) {
			t.Errorf("%s: inline handler: %s", path, inlineHandler.FindString(body))
		}
		if strings.Contains(body, "style=") {
			t.Errorf("%s: inline style attribute", path)
		}
	}
}

func TestAccountPasswordCheckCountsAgainstTheSignInLimit(t *testing.T) {
	f := newFixture(t, Options{})
	c, tok := f.signIn("bob")
	var w *httptest.ResponseRecorder
	for i := 0; i < user.NameFailures; i++ {
		w = f.do(req{method: "POST", target: "/account/password", cookies: []*http.Cookie{c}, form: url.Values{
			"csrf": {tok}, "current": {"a guess at the password"}, "new": {"a password of mine"}, "repeat": {"a password of mine"}}})
	}
	w = f.do(req{method: "POST", target: "/account/password", cookies: []*http.Cookie{c}, form: url.Values{
		"csrf": {tok}, "current": {testPassword}, "new": {"a password of mine"}, "repeat": {"a password of mine"}}})
	if w.Code != http.StatusTooManyRequests || !strings.Contains(w.Body.String(), "Try again after") {
		t.Fatalf("after %d wrong current passwords: %d", user.NameFailures, w.Code)
	}
}

func TestOversizedFormsAndGETLogoutChangeNothing(t *testing.T) {
	f := newFixture(t, Options{})
	c, tok := f.signIn("bob")
	big := url.Values{"csrf": {tok}, "pad": {strings.Repeat("x", maxFormBytes)}}
	if w := f.do(req{method: "POST", target: "/logout", cookies: []*http.Cookie{c}, form: big}); w.Code != http.StatusForbidden {
		t.Fatalf("oversized form: %d", w.Code)
	}
	if w := f.do(req{target: "/", cookies: []*http.Cookie{c}}); w.Code != 200 {
		t.Fatal("the oversized logout form signed bob out")
	}
	// A link to /logout (GET) is no way to sign somebody out.
	w := f.do(req{target: "/logout", cookies: []*http.Cookie{c}})
	if w.Code != http.StatusNotFound {
		t.Fatalf("GET /logout: %d", w.Code)
	}
	if w := f.do(req{target: "/", cookies: []*http.Cookie{c}}); w.Code != 200 {
		t.Fatal("GET /logout signed bob out")
	}
}
