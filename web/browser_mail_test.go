package web

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"foidesk/internal/browsertest"
)

// TestMailPagesInTheBrowser signs in, assigns an unmatched message to a
// request with the keyboard and sees it leave the list; then opens a
// hostile reply, formatted, and checks that no script ran and nothing was
// fetched from the "remote" host it points at (a second loopback server
// that counts every request); then signs out.
func TestMailPagesInTheBrowser(t *testing.T) {
	w := newMailWorld(t)
	ctx := browsertest.New(t)
	var fetched atomic.Int32
	remote := browsertest.Serve(t, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		t.Errorf("the reply fetched %s from the remote host", r.URL)
	}))
	base := browsertest.Serve(t, w.f.app.Handler())

	req := w.send("Ashdown Council", "")
	stray := w.message("officer@ashdown-council.example", "Our answer to your request", "Please find our policy attached.", "", 0)
	w.message("win@prizes.example", "You won", "Claim your prize", "", 0)
	evil := strings.NewReplacer("https://evil.example", remote, "http://evil.example", remote, "//evil.example", remote, "alert(", "window.__pwned=(").Replace(hostileMail)
	evil += `<img src="` + remote + `/direct.png"><div style="background:url(` + remote + `/bg.png)">x</div><svg><image href="` + remote + `/svg.png"/></svg>`
	hostile := w.message("foi@ashdown.gov.uk", "Re: request", "Dear requester, our policy is attached.", evil, req.ID)

	must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/mail/unmatched"), chromedp.WaitVisible(chromedp.ID("name"))))
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("name"), "bob"),
		chromedp.KeyEvent("\t"),
		chromedp.KeyEvent(testPassword),
		chromedp.KeyEvent("\r"),
	))
	row := fmt.Sprintf("#message-%d", stray)
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(row))))
	if loc := location(t, ctx); loc != base+"/mail/unmatched" {
		t.Fatalf("after sign-in: %s", loc)
	}
	// Type the reference in the message's request field and press Enter.
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID(fmt.Sprintf("request-%d", stray))),
		chromedp.KeyEvent(req.Ref),
		chromedp.KeyEvent("\r"),
	))
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(".message"))))
	state, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](fmt.Sprintf(`({
		gone: document.querySelector(%q) === null,
		message: document.querySelector(".message").textContent,
		badge: (document.querySelector("header .badge") || {}).textContent || "",
		rows: document.querySelectorAll("li.unmatched").length,
	})`, row)))
	must(t, err)
	if state["gone"] != true || !strings.Contains(state["message"].(string), "assigned") || state["badge"] != "1" || state["rows"] != float64(1) {
		t.Fatalf("after assigning: %v", state)
	}
	if ev := w.eventsOf("message.assigned"); len(ev) != 1 || ev[0]["by"] != "bob" {
		t.Fatalf("assign events: %v", ev)
	}

	// The hostile reply, formatted.
	must(t, chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/mail/%d?formatted=1", base, hostile)), chromedp.WaitVisible(chromedp.ID("formatted"))))
	must(t, browsertest.WatchCSP(ctx))
	state, err = chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`(() => {
		for (const el of document.querySelectorAll("#formatted *")) {
			if (el.tagName !== "A") { el.dispatchEvent(new MouseEvent("click", {bubbles: true})); }
		}
		return {
			pwned: window.__pwned !== undefined,
			scripts: document.querySelectorAll("#formatted script").length,
			text: document.getElementById("formatted").textContent,
			base: document.baseURI,
		};
	})()`))
	must(t, err)
	if state["pwned"] != false || state["scripts"] != float64(0) || !strings.Contains(state["text"].(string), "Dear requester") {
		t.Fatalf("the reply was not inert: %v", state)
	}
	if state["base"] != fmt.Sprintf("%s/mail/%d?formatted=1", base, hostile) {
		t.Errorf("base URI changed to %v", state["base"])
	}
	// Give a meta refresh or a late fetch the time to happen.
	time.Sleep(1500 * time.Millisecond)
	if loc := location(t, ctx); loc != fmt.Sprintf("%s/mail/%d?formatted=1", base, hostile) {
		t.Fatalf("the page went to %s", loc)
	}
	if n := fetched.Load(); n != 0 {
		t.Fatalf("%d requests reached the remote host", n)
	}

	// Sign out.
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("password")),
	))
	if loc := location(t, ctx); loc != base+"/login" {
		t.Fatalf("after sign-out: %s", loc)
	}
}
