package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"foidesk/internal/browsertest"
)

// TestResultsInTheBrowser opens the golden survey's dashboard and grid in
// a real chromium: the charts render as SVG with no script and no CSP
// violation, the grid filters and sorts through its own links and form,
// a row leads to the request's timeline, and the grid's CSV downloads.
func TestResultsInTheBrowser(t *testing.T) {
	f, _, _, _ := goldenApp(t, false)
	ctx := browsertest.New(t)
	base := browsertest.Serve(t, f.app.Handler())
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/campaigns/golden"),
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), "bob"),
		chromedp.KeyEvent("\t"),
		chromedp.KeyEvent(testPassword),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS("h2")),
	))
	if loc := location(t, ctx); loc != base+"/campaigns/golden" {
		txt, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		t.Fatalf("after sign-in: %s\n%s", loc, txt)
	}
	must(t, browsertest.WatchCSP(ctx))
	must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/campaigns/golden"), chromedp.WaitVisible(chromedp.CSS("figcaption"))))
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`({
		bars: document.querySelectorAll("#chart-states rect.bar").length,
		width: document.querySelector("#chart-states").getBoundingClientRect().width,
		curve: document.querySelectorAll("#chart-replies polyline").length,
		title: document.querySelector("h1").textContent,
	})`))
	must(t, err)
	// Nine authorities in seven state-by-nation segments: England 2,
	// Scotland 1, Wales 2, Northern Ireland 2.
	if charts["bars"] != float64(7) || charts["width"].(float64) < 100 || charts["curve"] != float64(2) || charts["title"] != "golden" {
		t.Fatalf("dashboard charts: %v", charts)
	}

	// To the grid, and filter Wales with its form.
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="/campaigns/golden/authorities"]`)),
		chromedp.WaitVisible(chromedp.ID("grid")),
		chromedp.SetValue(chromedp.CSS(`select[name="nation"]`), "Wales"),
		chromedp.Click(chromedp.CSS(`form.filters button`)),
	))
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(location(t, ctx), "nation=Wales"); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the filter form went to %s", location(t, ctx))
		}
	}
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("grid"))))
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#grid tbody tr td:first-child")].map(td => td.textContent.trim())`))
	must(t, err)
	if strings.Join(rows, "|") != "Cardiff Council|Powys Council" {
		t.Fatalf("grid filtered to Wales: %q", rows)
	}
	// The page's own CSP allows it no fetch: the CSV is downloaded as a
	// person would, by its link, into a directory the browser is told of.
	dir := t.TempDir()
	_, err = chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
	must(t, err)
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href*="format=csv"]`))))
	var csv []byte
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if b, err := os.ReadFile(filepath.Join(dir, "golden-authorities.csv")); err == nil && len(b) > 0 {
			csv = b
			break
		}
		if time.Now().After(deadline) {
			ents, _ := os.ReadDir(dir)
			t.Fatalf("no CSV downloaded; the directory holds %v", ents)
		}
	}
	lines := strings.Split(strings.TrimSpace(string(csv)), "\r\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "\ufeffcode,authority") || !strings.Contains(lines[1], "Cardiff Council") || !strings.Contains(lines[2], "Powys Council") {
		t.Fatalf("CSV download:\n%s", csv)
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#grid tbody tr:first-child a`)),
		chromedp.WaitVisible(chromedp.ID("timeline")),
	))
	if state, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("state"))); err != nil || state != "overdue" {
		t.Fatalf("Cardiff's timeline state %q, %v", state, err)
	}
	if v, err := browsertest.CSPViolations(ctx); err != nil || len(v) > 0 {
		t.Fatalf("CSP violations on the results pages: %q %v", v, err)
	}
}
