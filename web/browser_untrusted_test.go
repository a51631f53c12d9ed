package web

import (
	"html/template"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"

	"foidesk/internal/browsertest"
)

// TestHostileReplyIsInertInTheBrowser shows a hostile reply the way the
// review pages will, its HTML through SanitizeHTML and its text through
// TextHTML, inside the app's layout and headers, in a real chromium: no
// script runs and nothing is fetched from where the reply points.
func TestHostileReplyIsInertInTheBrowser(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := browsertest.New(t)
	var fetched atomic.Int32
	mux := http.NewServeMux()
	mux.Handle("/", f.app.Handler())
	var base string
	// Every address the reply points at is this server's /evil/, so a
	// fetch is counted rather than lost.
	mux.HandleFunc("/evil/", func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		t.Errorf("the reply fetched %s", r.URL)
	})
	layout := template.Must(template.New("layout.html").ParseFS(templateFiles, "templates/layout.html"))
	template.Must(layout.New("content").Parse(`{{define "content"}}<article id="html">{{.Data.HTML}}</article><div class="untrusted-text" id="text">{{.Data.Text}}</div>{{end}}`))
	f.app.pages["test_reply"] = layout
	mux.Handle("/test/reply", f.app.withHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evil := strings.ReplaceAll(hostileMail, "https://evil.example", base+"/evil")
		evil = strings.ReplaceAll(evil, "http://evil.example", base+"/evil")
		evil = strings.ReplaceAll(evil, "//evil.example", base+"/evil")
		evil = strings.ReplaceAll(evil, "alert(", "window.__pwned=(")
		text := "Policy <script>window.__pwned=1</script> <img src=" + base + "/evil/text.png onerror=window.__pwned=1> recording\fpage 2"
		f.app.render(w, r, http.StatusOK, "test_reply", page{Title: "Reply", Data: map[string]template.HTML{
			"HTML": SanitizeHTML(evil),
			"Text": TextHTML(text, NewHighlighter([]string{"recording"})),
		}})
	})))
	base = browsertest.Serve(t, mux)

	must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/test/reply"), chromedp.WaitVisible(chromedp.ID("text"))))
	must(t, browsertest.WatchCSP(ctx))
	// Click every link and element the reply has, as a curious reviewer
	// might; none of them may run anything.
	state, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`(() => {
		for (const el of document.querySelectorAll("#html *")) {
			if (el.tagName !== "A") { el.dispatchEvent(new MouseEvent("click", {bubbles: true})); }
		}
		return {
			pwned: window.__pwned !== undefined,
			marks: document.querySelectorAll("#text mark").length,
			breaks: document.querySelectorAll("#text hr.page-break").length,
			text: document.getElementById("text").textContent,
			scripts: document.querySelectorAll("#html script, #text script").length,
			forms: document.querySelectorAll("#html form, #html input").length,
			links: [...document.querySelectorAll("#html a")].map(a => a.getAttribute("href")),
			images: [...document.querySelectorAll("#html img, #text img")].map(i => i.getAttribute("src")),
			base: document.baseURI,
		};
	})()`))
	must(t, err)
	if state["pwned"] != false || state["scripts"] != float64(0) || state["forms"] != float64(0) {
		t.Fatalf("the reply was not inert: %v", state)
	}
	if state["marks"] != float64(1) || state["breaks"] != float64(1) || !strings.Contains(state["text"].(string), "<script>window.__pwned=1</script>") {
		t.Fatalf("the text was not shown as written: %v", state)
	}
	for _, l := range state["links"].([]any) {
		if l != nil && !strings.HasPrefix(l.(string), "https://example.org/") {
			t.Errorf("link kept: %v", l)
		}
	}
	if state["base"] != base+"/test/reply" {
		t.Errorf("base URI changed to %v", state["base"])
	}
	if fetched.Load() != 0 {
		t.Fatalf("%d fetches to addresses in the reply", fetched.Load())
	}
}
