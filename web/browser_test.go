package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"foidesk/internal/browsertest"
)

// TestInTheBrowser signs in with the keyboard in a real chromium, sees the
// home page, checks that the CSP stops a script injected into the page
// while the app's own script runs, reads the session cookie's flags as
// the browser stored them, signs out, and finds the old cookie worthless.
func TestInTheBrowser(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := browsertest.New(t)
	base := browsertest.Serve(t, f.app.Handler())

	// A page asked for before signing in leads to the sign-in form and
	// back.
	must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/account"), chromedp.WaitVisible(chromedp.ID("name"))))
	if loc := location(t, ctx); loc != base+"/login?next=%2Faccount" {
		t.Fatalf("anonymous /account went to %s", loc)
	}
	// Type the name, Tab, type the password, Enter.
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("name"), "ana"),
		chromedp.KeyEvent("\t"),
		chromedp.KeyEvent(testPassword),
		chromedp.KeyEvent("\r"),
	))
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`form[action="/account/password"]`))))
	if loc := location(t, ctx); loc != base+"/account" {
		t.Fatalf("after sign-in: %s", loc)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("h1"))))
	main, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	must(t, err)
	if !strings.Contains(main, "Signed in as ana") || !strings.Contains(main, "no campaigns yet") {
		t.Fatalf("home page: %q", main)
	}

	// The app's script (with the nonce) ran; no element has an inline
	// handler; every script carries a nonce.
	state, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({
		js: document.documentElement.dataset.js || "",
		handlers: document.querySelectorAll("[onclick],[onload],[onerror],[onsubmit],[onmouseover]").length,
		unnonced: [...document.scripts].filter(s => !s.nonce).length,
	})`))
	must(t, err)
	if state["js"] != "on" || state["handlers"] != float64(0) || state["unnonced"] != float64(0) {
		t.Fatalf("page state: %v", state)
	}

	// Content injected into the page, as a hostile reply would try, does
	// not run: an inline script and an inline handler are both blocked
	// and reported.
	must(t, browsertest.WatchCSP(ctx))
	must(t, chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.createElement("script");
		s.textContent = "window.__injected = 1";
		document.body.appendChild(s);
		const d = document.createElement("div");
		d.setAttribute("onclick", "window.__clicked = 1");
		document.body.appendChild(d);
		d.click();
	})()`)))
	var violations []string
	for deadline := time.Now().Add(5 * time.Second); len(violations) < 2 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		violations, err = browsertest.CSPViolations(ctx)
		must(t, err)
	}
	if len(violations) < 2 || !strings.Contains(strings.Join(violations, "\n"), "script-src") {
		t.Fatalf("CSP violations reported: %q", violations)
	}
	ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__injected === 1 || window.__clicked === 1`))
	must(t, err)
	if ran {
		t.Fatal("injected script ran despite the CSP")
	}

	// The session cookie as the browser keeps it.
	session := cookie(t, ctx, cookieName)
	if session == nil {
		t.Fatal("no session cookie")
	}
	if !session.HTTPOnly || session.SameSite != network.CookieSameSiteLax || session.Path != "/" || session.Secure || !session.Session {
		t.Fatalf("session cookie flags: %+v", session)
	}
	if visible, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie`)); strings.Contains(visible, session.Value) {
		t.Fatal("the session cookie is readable by page script")
	}

	// Sign out; the cookie goes, and replaying it gets nowhere.
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("password")),
	))
	if loc := location(t, ctx); loc != base+"/login" {
		t.Fatalf("after sign-out: %s", loc)
	}
	if c := cookie(t, ctx, cookieName); c != nil {
		t.Fatalf("session cookie kept after sign-out: %+v", c)
	}
	must(t, browsertest.SetCookie(ctx, base, cookieName, session.Value))
	must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("password"))))
	if loc := location(t, ctx); loc != base+"/login?next=%2F" {
		t.Fatalf("the old cookie after sign-out reached %s", loc)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	return loc
}

func cookie(t *testing.T, ctx context.Context, name string) *network.Cookie {
	t.Helper()
	cs, err := browsertest.Cookies(ctx)
	must(t, err)
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}
