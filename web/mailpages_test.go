package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"foidesk/store"
)

// get fetches target as the holder of session c and fails unless the
// status is want.
func (w *mailWorld) get(c *http.Cookie, target string, want int) string {
	w.f.t.Helper()
	res := w.f.do(req{target: target, cookies: []*http.Cookie{c}})
	if res.Code != want {
		w.f.t.Fatalf("GET %s: %d, want %d\n%s", target, res.Code, want, res.Body)
	}
	return res.Body.String()
}

// post sends a form with the CSRF token and returns the response.
func (w *mailWorld) post(c *http.Cookie, tok, target string, form url.Values) (int, string, string) {
	w.f.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", tok)
	res := w.f.do(req{method: "POST", target: target, cookies: []*http.Cookie{c}, form: form})
	return res.Code, res.Header().Get("Location"), res.Body.String()
}

// eventsOf lists the details of the events of kind.
func (w *mailWorld) eventsOf(kind string) []map[string]any {
	w.f.t.Helper()
	evs, err := w.f.st.Events(context.Background(), store.EventFilter{Kind: kind})
	if err != nil {
		w.f.t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range evs {
		var d map[string]any
		json.Unmarshal(e.Detail, &d)
		out = append(out, d)
	}
	return out
}

func TestUnmatchedMailAssignDismissUndo(t *testing.T) {
	w := newMailWorld(t)
	ashdown := w.send("Ashdown Council", "")
	glen := w.send("Glenmoor Council", "foisa")
	stray := w.message("officer@ashdown-council.example", "Our answer", "Please find our <b>policy</b> attached.", "", 0)
	spam := w.message("win@prizes.example", "You won", "Claim your prize now", "", 0)
	third := w.message("clerk@glenmoor-hq.example", "FOI reply", "Reply text", "", 0)
	matched := w.message("foi@ashdown.gov.uk", "Re: request", "Matched already", "", ashdown.ID)
	c, tok := w.f.signIn("bob")

	page := w.get(c, "/mail/unmatched", http.StatusOK)
	for _, want := range []string{"Our answer", "officer@ashdown-council.example", "Please find our &lt;b&gt;policy&lt;/b&gt; attached.", "You won", "FOI reply",
		`<span class="badge">3</span>`, `<option value="` + ashdown.Ref + `">Ashdown Council`} {
		if !strings.Contains(page, want) {
			t.Errorf("unmatched page lacks %q", want)
		}
	}
	if strings.Contains(page, "Matched already") || strings.Contains(page, fmt.Sprintf(`id="message-%d"`, matched)) {
		t.Error("a matched message is listed as unmatched")
	}

	// Assign by reference (lower case, as typed), from the list.
	code, loc, body := w.post(c, tok, fmt.Sprintf("/mail/%d/assign", stray), url.Values{"request": {strings.ToLower(ashdown.Ref)}, "from": {"unmatched"}})
	if code != http.StatusSeeOther || loc != "/mail/unmatched?done=assigned" {
		t.Fatalf("assign: %d %s\n%s", code, loc, body)
	}
	page = w.get(c, loc, http.StatusOK)
	if strings.Contains(page, "Our answer") || !strings.Contains(page, "The message was assigned") || !strings.Contains(page, `<span class="badge">2</span>`) {
		t.Errorf("after assigning, the page still lists it or says nothing:\n%s", page)
	}
	ev := w.eventsOf("message.assigned")
	if len(ev) != 1 || ev[0]["by"] != "bob" || ev[0]["ref"] != ashdown.Ref {
		t.Errorf("assign events: %v", ev)
	}
	if learned := w.eventsOf("authority.sender_learned"); len(learned) != 1 || learned[0]["address"] != "officer@ashdown-council.example" {
		t.Errorf("the sender was not learned: %v", learned)
	}

	// By the authority's code, from the message page.
	var glenCode string
	w.f.st.DB().QueryRow(`SELECT coalesce(code, '') FROM authorities WHERE name = 'Glenmoor Council'`).Scan(&glenCode)
	if glenCode != "" {
		code, loc, _ = w.post(c, tok, fmt.Sprintf("/mail/%d/assign", third), url.Values{"request": {glenCode}})
		if code != http.StatusSeeOther || loc != fmt.Sprintf("/mail/%d?done=assigned", third) {
			t.Errorf("assign by code: %d %s", code, loc)
		}
	} else {
		code, loc, _ = w.post(c, tok, fmt.Sprintf("/mail/%d/assign", third), url.Values{"request": {glen.Ref}})
		if code != http.StatusSeeOther {
			t.Errorf("assign: %d %s", code, loc)
		}
	}
	// Nothing typed, or a reference that names nothing: a message, no change.
	for _, typed := range []string{"", "ZZZZZZZZ", "<script>"} {
		code, _, body = w.post(c, tok, fmt.Sprintf("/mail/%d/assign", spam), url.Values{"request": {typed}, "from": {"unmatched"}})
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Not assigned") || strings.Contains(body, "<script>") {
			t.Errorf("assign to %q: %d\n%s", typed, code, body)
		}
	}

	// Not related, then undo.
	code, loc, _ = w.post(c, tok, fmt.Sprintf("/mail/%d/dismiss", spam), url.Values{"from": {"unmatched"}})
	if code != http.StatusSeeOther || loc != fmt.Sprintf("/mail/unmatched?done=dismissed&undo=%d", spam) {
		t.Fatalf("dismiss: %d %s", code, loc)
	}
	page = w.get(c, loc, http.StatusOK)
	if strings.Contains(page, "You won") || !strings.Contains(page, fmt.Sprintf(`action="/mail/%d/undismiss"`, spam)) {
		t.Fatalf("after dismissing: no undo, or still listed:\n%s", page)
	}
	if ev := w.eventsOf("message.dismissed"); len(ev) != 1 || ev[0]["by"] != "bob" {
		t.Errorf("dismiss events: %v", ev)
	}
	code, loc, _ = w.post(c, tok, fmt.Sprintf("/mail/%d/undismiss", spam), url.Values{"from": {"unmatched"}})
	if code != http.StatusSeeOther || !strings.Contains(w.get(c, loc, http.StatusOK), "You won") {
		t.Fatalf("undo: %d %s", code, loc)
	}
	if ev := w.eventsOf("message.undismissed"); len(ev) != 1 || ev[0]["by"] != "bob" {
		t.Errorf("undismiss events: %v", ev)
	}
	// A matched message is not dismissed from under its request.
	if code, _, body := w.post(c, tok, fmt.Sprintf("/mail/%d/dismiss", matched), nil); code != http.StatusConflict || !strings.Contains(body, "matched to a request") {
		t.Errorf("dismissing a matched message: %d", code)
	}

	// A sender whose domain is an authority's: its open requests are
	// offered as one-click suggestions.
	known := w.message("clerk@glenmoor.gov.uk", "Another reply", "text", "", 0)
	page = w.get(c, "/mail/unmatched", http.StatusOK)
	sugg := fmt.Sprintf(`<form method="post" action="/mail/%d/assign" class="inline suggest-request">`, known)
	if !strings.Contains(page, sugg) || !strings.Contains(page, `<input type="hidden" name="request" value="`+glen.Ref+`">`) ||
		!strings.Contains(page, "Assign to Glenmoor Council, fixture-"+strings.ToLower(glen.Ref)) {
		t.Errorf("no suggestion for a known domain:\n%s", page)
	}
	if strings.Count(page, `class="inline suggest-request"`) != 1 {
		t.Errorf("suggestions for unknown senders too")
	}

	// Pages of the list: after= skips what came before.
	if page := w.get(c, fmt.Sprintf("/mail/unmatched?after=%d", spam), http.StatusOK); strings.Contains(page, "You won") {
		t.Error("after= did not page")
	}
}

func TestClassifyAMessage(t *testing.T) {
	w := newMailWorld(t)
	r := w.send("Ashdown Council", "")
	id := w.message("foi@ashdown.gov.uk", "Out of office", "I am away", "", r.ID)
	c, tok := w.f.signIn("ana")
	code, loc, _ := w.post(c, tok, fmt.Sprintf("/mail/%d/classify", id), url.Values{"kind": {"auto-reply"}, "reason": {"an out-of-office"}})
	if code != http.StatusSeeOther || loc != fmt.Sprintf("/mail/%d?done=classified", id) {
		t.Fatalf("classify: %d %s", code, loc)
	}
	if ev := w.eventsOf("message.classified"); len(ev) != 1 || ev[0]["by"] != "ana" || ev[0]["to"] != "auto-reply" || ev[0]["reason"] != "an out-of-office" {
		t.Errorf("classify events: %v", ev)
	}
	if page := w.get(c, loc, http.StatusOK); !strings.Contains(page, "<strong>auto-reply</strong>: an out-of-office (set by a person)") {
		t.Errorf("message page after classify:\n%s", page)
	}
	if code, _, _ := w.post(c, tok, fmt.Sprintf("/mail/%d/classify", id), url.Values{"kind": {"spam"}}); code != http.StatusUnprocessableEntity {
		t.Errorf("an unknown kind: %d", code)
	}
	if code, _, _ := w.post(c, tok, "/mail/9999/classify", url.Values{"kind": {"response"}}); code != http.StatusNotFound {
		t.Errorf("no such message: %d", code)
	}
}

// A hostile reply's HTML, shown formatted on the message page, is inert:
// nothing that runs, loads, refreshes, rebases or submits survives.
func TestMessagePageShowsHostileHTMLInert(t *testing.T) {
	w := newMailWorld(t)
	r := w.send("Ashdown Council", "")
	hostile := hostileMail + `<svg onload="alert(1)"><script>alert(2)</script></svg><div style="width: expression(alert(3)); background: url(http://evil.example/x)">styled</div>`
	id := w.message("foi@ashdown.gov.uk", "Re: <script>alert('subject')</script>", "Dear requester, our policy is attached.", hostile, r.ID)
	c, _ := w.f.signIn("bob")

	text := w.get(c, fmt.Sprintf("/mail/%d", id), http.StatusOK)
	if strings.Contains(text, "our policy</b>") || !strings.Contains(text, "Dear requester, our policy is attached.") || !strings.Contains(text, "?formatted=1") {
		t.Errorf("the text view shows HTML or no text:\n%s", text)
	}
	if !strings.Contains(text, "Re: &lt;script&gt;alert(&#39;subject&#39;)&lt;/script&gt;") {
		t.Error("the subject is not escaped")
	}
	for _, want := range []string{"Requests &lt;requests@foidesk.example&gt;", "m1@example.gov.uk", "matched by reference: in the subject", r.Ref} {
		if !strings.Contains(text, want) {
			t.Errorf("message page lacks %q", want)
		}
	}

	res := w.f.do(req{target: fmt.Sprintf("/mail/%d?formatted=1", id), cookies: []*http.Cookie{c}})
	page := res.Body.String()
	if res.Code != http.StatusOK || !strings.Contains(page, "Dear requester, <b>our policy</b> is attached.") {
		t.Fatalf("formatted: %d\n%s", res.Code, page)
	}
	formatted := page[strings.Index(page, `id="formatted"`):]
	for _, bad := range []string{"<script", "alert(", "javascript:", "onload", "onclick", "onerror", "<meta", "refresh", "<base",
		"<style", "url(", "expression", "<link", "<svg", "<form", "<input", "<iframe", "<object", "evil.example", "style=", "cid:"} {
		if strings.Contains(strings.ToLower(formatted), bad) {
			t.Errorf("formatted message contains %q", bad)
		}
	}
	if !strings.Contains(formatted, `alt="logo"`) {
		t.Error("an inline image is not shown as its alt text")
	}
	csp := res.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "img-src 'self'") || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "base-uri 'none'") {
		t.Errorf("CSP: %s", csp)
	}
}

func TestDownloadsAreAttachmentsWithSafeNames(t *testing.T) {
	w := newMailWorld(t)
	r := w.send("Ashdown Council", "")
	id := w.message("foi@ashdown.gov.uk", "Policy", "Attached.", "", r.ID,
		attachment{name: `../../etc/passwd"; x=.pdf`, contentType: "application/pdf", body: []byte("%PDF-1.4 fake")},
		attachment{name: "evil\r\nSet-Cookie: a=b.html", contentType: "text/html", body: []byte("<script>alert(1)</script>")})
	c, _ := w.f.signIn("bob")

	for _, tc := range []struct {
		target, ctype, body string
	}{
		{fmt.Sprintf("/mail/%d/attachments/1", id), "application/pdf", "%PDF-1.4 fake"},
		{fmt.Sprintf("/mail/%d/attachments/2", id), "application/octet-stream", "<script>alert(1)</script>"},
	} {
		res := w.f.do(req{target: tc.target, cookies: []*http.Cookie{c}})
		h := res.Header()
		cd := h.Get("Content-Disposition")
		if res.Code != http.StatusOK || h.Get("Content-Type") != tc.ctype || res.Body.String() != tc.body {
			t.Errorf("%s: %d %s %q", tc.target, res.Code, h.Get("Content-Type"), res.Body)
		}
		if !strings.HasPrefix(cd, `attachment; filename="`) || strings.Count(cd, `"`) != 2 || strings.ContainsAny(cd, "\r\n/") || strings.Contains(cd, "..") && !strings.Contains(cd, "filename*") {
			t.Errorf("%s: Content-Disposition %q", tc.target, cd)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("%s: headers %v", tc.target, h)
		}
		if _, ok := h["Set-Cookie"]; ok {
			t.Errorf("%s: a header was injected: %v", tc.target, h)
		}
	}
	res := w.f.do(req{target: fmt.Sprintf("/mail/%d/attachments/1", id), cookies: []*http.Cookie{c}})
	if cd := res.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="passwd__ x_.pdf"`) {
		t.Errorf("hostile name became %q", cd)
	}
	raw := w.f.do(req{target: fmt.Sprintf("/mail/%d/raw", id), cookies: []*http.Cookie{c}})
	if raw.Code != http.StatusOK || raw.Header().Get("Content-Type") != "message/rfc822" ||
		!strings.HasPrefix(raw.Header().Get("Content-Disposition"), fmt.Sprintf(`attachment; filename="message-%d.eml"`, id)) || !strings.HasPrefix(raw.Body.String(), "From: FOI Team") {
		t.Errorf("raw: %d %v", raw.Code, raw.Header())
	}
	for _, target := range []string{fmt.Sprintf("/mail/%d/attachments/3", id), "/mail/999/raw", "/mail/x", "/mail/0"} {
		if res := w.f.do(req{target: target, cookies: []*http.Cookie{c}}); res.Code != http.StatusNotFound {
			t.Errorf("%s: %d", target, res.Code)
		}
	}
	page := w.get(c, fmt.Sprintf("/mail/%d", id), http.StatusOK)
	if !strings.Contains(page, `../../etc/passwd&#34;; x=.pdf`) || !strings.Contains(page, "not extracted yet") {
		t.Errorf("attachments on the message page:\n%s", page)
	}
}

func TestDocumentPage(t *testing.T) {
	w := newMailWorld(t)
	a := w.send("Ashdown Council", "")
	b := w.send("Kingsford Council", "")
	ma := w.message("foi@ashdown.gov.uk", "Policy", "Attached.", "", a.ID, attachment{name: "policy.pdf", contentType: "application/pdf", body: []byte("%PDF a")})
	mb := w.message("foi@kingsford.gov.uk", "Policy", "Attached.", "", b.ID, attachment{name: "our policy.pdf", contentType: "application/pdf", body: []byte("%PDF b")})
	first := w.document(ma, 1, "Recording <script>alert(1)</script> of meetings\fpage two on recording", 0)
	second := w.document(mb, 1, "Recording of meetings, the model policy", first)
	body := w.document(mb, 0, "Our reply in the message body", 0)
	c, _ := w.f.signIn("bob")

	page := w.get(c, fmt.Sprintf("/documents/%d?q=recording", first), http.StatusOK)
	for _, want := range []string{"<mark>Recording</mark> &lt;script&gt;alert(1)&lt;/script&gt; of meetings", `<hr class="page-break" aria-label="page 2">`,
		"policy.pdf", a.Ref, "Ashdown Council", fmt.Sprintf(`href="/mail/%d"`, ma), fmt.Sprintf(`href="/documents/%d/original"`, first), "<strong>ok</strong>"} {
		if !strings.Contains(page, want) {
			t.Errorf("document page lacks %q", want)
		}
	}
	if page := w.get(c, fmt.Sprintf("/mail/%d", mb), http.StatusOK); !strings.Contains(page, fmt.Sprintf(`<a href="/documents/%d">document %d</a>`, body, body)) {
		t.Errorf("the message page does not link its text's document")
	}
	page = w.get(c, fmt.Sprintf("/documents/%d", second), http.StatusOK)
	if !strings.Contains(page, fmt.Sprintf(`same model policy as <a href="/documents/%d">document %d</a> (93%% alike)`, first, first)) {
		t.Errorf("no same-model-policy link:\n%s", page)
	}
	orig := w.f.do(req{target: fmt.Sprintf("/documents/%d/original", second), cookies: []*http.Cookie{c}})
	if orig.Code != http.StatusOK || orig.Body.String() != "%PDF b" || !strings.HasPrefix(orig.Header().Get("Content-Disposition"), `attachment; filename="our policy.pdf"`) {
		t.Errorf("original: %d %v", orig.Code, orig.Header())
	}
	if res := w.f.do(req{target: fmt.Sprintf("/documents/%d/original", body), cookies: []*http.Cookie{c}}); res.Code != http.StatusSeeOther || res.Header().Get("Location") != fmt.Sprintf("/mail/%d", mb) {
		t.Errorf("a body document's original: %d %s", res.Code, res.Header().Get("Location"))
	}
	w.get(c, "/documents/999", http.StatusNotFound)
}

// fakeLabels stands in for the coding part's labels.
type fakeLabels map[string][]int64

func (l fakeLabels) LabelNames(context.Context) ([]string, error) {
	return []string{"no-policy", "consent-required"}, nil
}

func (l fakeLabels) LabelledDocuments(_ context.Context, _, label string) ([]int64, error) {
	return l[label], nil
}

func TestSearchPage(t *testing.T) {
	w := newMailWorld(t)
	a := w.send("Ashdown Council", "")
	s := w.send("Glenmoor Council", "foisa")
	ma := w.message("foi@ashdown.gov.uk", "Policy", "We hold no policy on covert recording.", "", a.ID, attachment{name: "policy.pdf", contentType: "application/pdf", body: []byte("%PDF a")})
	ms := w.message("foi@glenmoor.gov.uk", "Re: FOI", "Attached is ours.", "", s.ID, attachment{name: "glen.pdf", contentType: "application/pdf", body: []byte("%PDF s")})
	da := w.document(ma, 1, "Recording <img src=x onerror=alert(1)> is permitted with consent.", 0)
	ds := w.document(ms, 1, "Recording of meetings requires consent.", 0)
	labels := fakeLabels{"consent-required": {ds}}
	w.f.app.opts.Labels = labels
	c, _ := w.f.signIn("bob")

	page := w.get(c, "/search?q=recording", http.StatusOK)
	for _, want := range []string{fmt.Sprintf(`href="/documents/%d?q=recording"`, da), fmt.Sprintf(`href="/documents/%d?q=recording"`, ds),
		fmt.Sprintf(`href="/mail/%d"`, ma), "<mark>Recording</mark> &lt;img src=x onerror=alert(1)&gt;", "covert <mark>recording</mark>",
		"Glenmoor Council (" + s.Ref + ")", `<option>consent-required</option>`} {
		if !strings.Contains(page, want) {
			t.Errorf("search page lacks %q", want)
		}
	}
	if strings.Contains(page, "<img") {
		t.Error("a snippet's markup reached the page")
	}
	count := func(page string) int { return strings.Count(page, `<li class="hit`) }
	for q, want := range map[string]int{
		"/search?q=recording&nation=Scotland":                      1,
		"/search?q=recording&kind=messages":                        1,
		"/search?q=recording&kind=documents":                       2,
		"/search?q=recording&campaign=fixture-" + a.Ref:            3, // no such campaign: the filter is dropped
		"/search?q=recording&label=consent-required":               1,
		"/search?q=recording&label=consent-required&kind=messages": 0,
		"/search?q=recording&label=no-policy":                      0,
		"/search?q=recording&nation=Atlantis":                      3, // an unknown filter is dropped
		"/search?q=covert+OR+consent":                              3,
		"/search?q=" + url.QueryEscape(`"covert recording"`):       1,
	} {
		if got := count(w.get(c, q, http.StatusOK)); got != want {
			t.Errorf("%s: %d hits, want %d", q, got, want)
		}
	}
	if got := count(w.get(c, "/search?q=recording&campaign=fixture-"+strings.ToLower(a.Ref), http.StatusOK)); got != 2 {
		t.Errorf("campaign filter: %d hits", got)
	}

	// Queries the engine cannot read, and the empty and the overlong:
	// a message on the page, never an error page.
	for _, q := range []string{"OR consent", "consent NOT", "(consent", "AND", strings.Repeat("word ", 200)} {
		res := w.f.do(req{target: "/search?q=" + url.QueryEscape(q), cookies: []*http.Cookie{c}})
		body := res.Body.String()
		if res.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "search could not read that query: ") || !strings.Contains(body, `<form method="get" action="/search"`) {
			t.Errorf("query %.30q: %d\n%s", q, res.Code, body)
		}
	}
	if empty := w.get(c, "/search?q=", http.StatusOK); strings.Contains(empty, "could not read") || strings.Contains(empty, "Nothing") {
		t.Error("the empty search form says more than it should")
	}

	// Pages: 23 messages mention "zebra"; 20 on the first page.
	for i := 0; i < 23; i++ {
		w.message(fmt.Sprintf("z%d@zoo.example", i), fmt.Sprintf("zebra %d", i), "a zebra", "", 0)
	}
	p1 := w.get(c, "/search?q=zebra", http.StatusOK)
	if count(p1) != 20 || !strings.Contains(p1, `href="/search?page=2&amp;q=zebra" rel="next"`) {
		t.Fatalf("first page: %d hits\n%s", count(p1), p1)
	}
	p2 := w.get(c, "/search?page=2&q=zebra", http.StatusOK)
	if count(p2) != 3 || strings.Contains(p2, `rel="next"`) || !strings.Contains(p2, `rel="prev"`) {
		t.Errorf("second page: %d hits", count(p2))
	}
}

func TestSnippetHTMLNeverTrustsTheSnippet(t *testing.T) {
	for in, want := range map[string]string{
		"a \x02b\x03 c":              "a <mark>b</mark> c",
		"<b>\x02x\x03</b>":           "&lt;b&gt;<mark>x</mark>&lt;/b&gt;",
		"\x03stray \x02open":         "stray <mark>open</mark>",
		"\x02\x02nested\x03\x03 end": "<mark>nested</mark> end",
		`"&'`:                        "&#34;&amp;&#39;",
		"page one\fpage two\x1b[31m": "page one ¶ page two [31m",
	} {
		if got := string(SnippetHTML(in)); got != want {
			t.Errorf("SnippetHTML(%q) = %q, want %q", in, got, want)
		}
	}
}
