package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/user"
)

// clock is a settable time shared by the store and the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fixture is an app over a fresh store with two users: ana (admin) and
// bob.
type fixture struct {
	t     testing.TB
	app   *App
	st    *store.Store
	clock *clock
}

const testPassword = "a long enough password"

func newFixture(t testing.TB, opts Options) *fixture {
	t.Helper()
	c := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "f.db"), store.Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	us := user.New(st)
	for _, u := range []struct {
		name  string
		admin bool
	}{{"ana", true}, {"bob", false}} {
		if _, err := us.Add(context.Background(), "test", u.name, testPassword, u.admin); err != nil {
			t.Fatal(err)
		}
	}
	opts.Store = st
	opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	app, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, app: app, st: st, clock: c}
}

// req is one request to the app.
type req struct {
	method  string
	target  string
	form    url.Values
	cookies []*http.Cookie
	header  map[string]string
}

func (f *fixture) do(q req) *httptest.ResponseRecorder {
	f.t.Helper()
	if q.method == "" {
		q.method = http.MethodGet
	}
	var body io.Reader
	if q.form != nil {
		body = strings.NewReader(q.form.Encode())
	}
	r := httptest.NewRequest(q.method, q.target, body)
	if q.form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range q.header {
		r.Header.Set(k, v)
	}
	for _, c := range q.cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	f.app.Handler().ServeHTTP(w, r)
	return w
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfIn is the CSRF token in a page's forms.
func csrfIn(t testing.TB, body string) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF field in page:\n%s", body)
	}
	return m[1]
}

func cookieNamed(w *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// loginForm fetches the sign-in page: its cookie and token.
func (f *fixture) loginForm() (*http.Cookie, string) {
	f.t.Helper()
	w := f.do(req{target: "/login"})
	c := cookieNamed(w, loginCookieName)
	if w.Code != http.StatusOK || c == nil {
		f.t.Fatalf("sign-in page: %d, cookie %v", w.Code, c)
	}
	return c, csrfIn(f.t, w.Body.String())
}

// signIn signs name in and returns the session cookie and CSRF token.
func (f *fixture) signIn(name string) (*http.Cookie, string) {
	f.t.Helper()
	lc, tok := f.loginForm()
	w := f.do(req{method: "POST", target: "/login", cookies: []*http.Cookie{lc},
		form: url.Values{"csrf": {tok}, "name": {name}, "password": {testPassword}}})
	c := cookieNamed(w, cookieName)
	if w.Code != http.StatusSeeOther || c == nil || c.Value == "" {
		f.t.Fatalf("sign in %s: %d %v\n%s", name, w.Code, c, w.Body)
	}
	home := f.do(req{target: "/", cookies: []*http.Cookie{c}})
	if home.Code != http.StatusOK {
		f.t.Fatalf("home after sign-in: %d", home.Code)
	}
	return c, csrfIn(f.t, home.Body.String())
}

// concrete turns a route pattern into a method and a path to request.
func concrete(pattern string) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern
	}
	path = strings.TrimSuffix(path, "{$}")
	path = regexp.MustCompile(`\{name\}`).ReplaceAllString(path, "bob")
	path = regexp.MustCompile(`\{file\}`).ReplaceAllString(path, "app.css")
	path = regexp.MustCompile(`\{[a-z]+\}`).ReplaceAllString(path, "1")
	if path == "/" && pattern == "/" {
		path = "/no-such-page"
	}
	return method, path
}

func storeFilter(kind string) store.EventFilter { return store.EventFilter{Kind: kind} }

// sessionIDs names the fixture's sessions by sign-in order: bob1, bob2,
// ana.
func sessionIDs(t *testing.T, f *fixture) map[string]string {
	t.Helper()
	rows, err := f.st.DB().Query(`SELECT s.id, u.name FROM sessions s JOIN users u ON u.id = s.user_id ORDER BY s.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	n := map[string]int{}
	for rows.Next() {
		var id, name string
		rows.Scan(&id, &name)
		n[name]++
		key := name
		if name == "bob" {
			key = name + string(rune('0'+n[name]))
		}
		out[key] = id
	}
	return out
}
