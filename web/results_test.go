package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/results"
	"foidesk/store/storetest"
)

// goldenCodes is coding as the coding work will supply it, through the
// results.Codes interface: labels for four of the golden requests.
type goldenCodes map[int64]results.Code

func (g goldenCodes) RequestCodes(context.Context, int64) (map[int64]results.Code, error) {
	return g, nil
}

// goldenApp is the app over the golden survey, judged on 15 December
// 2026, with bob signed in; coded adds the coding.
func goldenApp(t *testing.T, coded bool) (*fixture, storetest.Golden, *http.Cookie, string) {
	t.Helper()
	f := newFixture(t, Options{})
	f.clock.add(storetest.GoldenNow.Sub(f.clock.now()))
	g, err := storetest.GoldenSurvey(context.Background(), f.st)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.add(time.Date(2026, 12, 15, 9, 0, 0, 0, time.UTC).Sub(f.clock.now()))
	if coded {
		f.app.opts.Codes = goldenCodes{
			g.Requests["E01"].ID: {Labels: []string{"policy", "allows-recording"}, Outcome: results.OutcomeAnswered},
			g.Requests["E02"].ID: {Labels: []string{"no-policy"}, Outcome: results.OutcomeAnswered},
			g.Requests["S01"].ID: {Labels: []string{"no-policy"}, Outcome: results.OutcomeRefused, Exemptions: []string{"s.30(c)"}},
			g.Requests["N01"].ID: {Labels: []string{"policy"}, Outcome: results.OutcomePublished},
		}
	}
	c, tok := f.signIn("bob")
	return f, g, c, tok
}

func (f *fixture) get(c *http.Cookie, target string) (int, string) {
	f.t.Helper()
	w := f.do(req{target: target, cookies: []*http.Cookie{c}})
	return w.Code, w.Body.String()
}

type svgRect struct {
	Class   string `xml:"class,attr"`
	Nation  string `xml:"data-nation,attr"`
	State   string `xml:"data-state,attr"`
	Label   string `xml:"data-label,attr"`
	N       int    `xml:"data-n,attr"`
	Percent string `xml:"data-percent,attr"`
}

type svgDoc struct {
	ID     string    `xml:"id,attr"`
	Rects  []svgRect `xml:"rect"`
	Series []struct {
		Name  string `xml:"data-series,attr"`
		Total int    `xml:"data-total,attr"`
	} `xml:"polyline"`
	Texts []string `xml:"text"`
}

// charts parses every inline SVG of a page as XML, by id.
func charts(t *testing.T, body string) map[string]svgDoc {
	t.Helper()
	out := map[string]svgDoc{}
	for _, m := range regexp.MustCompile(`(?s)<svg .*?</svg>`).FindAllString(body, -1) {
		var d svgDoc
		if err := xml.Unmarshal([]byte(m), &d); err != nil {
			t.Fatalf("an SVG that is not XML: %v\n%s", err, m)
		}
		// The bars, not the legend's swatches.
		d.Rects = slices.DeleteFunc(d.Rects, func(r svgRect) bool { return r.Class != "bar" })
		out[d.ID] = d
	}
	return out
}

func TestDashboardChartsMatchTheSummary(t *testing.T) {
	f, g, c, _ := goldenApp(t, false)
	code, body := f.get(c, "/campaigns/golden")
	if code != 200 {
		t.Fatalf("dashboard: %d\n%s", code, body)
	}
	rows, err := f.app.results.Rows(context.Background(), g.Campaign, results.Options{On: f.app.today()})
	if err != nil {
		t.Fatal(err)
	}
	sum := results.Summarize(rows)
	ch := charts(t, body)
	states := ch["chart-states"]
	byNation, byState := map[string]int{}, map[string]int{}
	for _, r := range states.Rects {
		byNation[r.Nation] += r.N
		byState[r.State] += r.N
	}
	// By hand: England 3, Scotland 2, Wales 2, Northern Ireland 2; five
	// replied, one each no-address, not-delivered, overdue and unknown.
	if want := map[string]int{"England": 3, "Scotland": 2, "Wales": 2, "Northern Ireland": 2}; fmt.Sprint(byNation) != fmt.Sprint(want) {
		t.Errorf("bars by nation %v, want %v", byNation, want)
	}
	if want := map[string]int{"replied": 5, "no-address": 1, "not-delivered": 1, "overdue": 1, "unknown": 1}; fmt.Sprint(byState) != fmt.Sprint(want) {
		t.Errorf("bars by state %v, want %v", byState, want)
	}
	for _, n := range sum.Nations {
		if byNation[n.Nation] != n.Targeted {
			t.Errorf("%s: bars %d, summary %d", n.Nation, byNation[n.Nation], n.Targeted)
		}
	}
	for _, s := range sum.States {
		if byState[s.Name] != s.N {
			t.Errorf("state %s: bars %d, summary %d", s.Name, byState[s.Name], s.N)
		}
	}
	series := map[string]int{}
	for _, s := range ch["chart-replies"].Series {
		series[s.Name] = s.Total
	}
	if series["replied"] != sum.Replied || series["due"] != 6 {
		t.Errorf("replies curve %v, want replied %d and 6 due dates", series, sum.Replied)
	}
	if _, ok := ch["chart-labels"]; ok || !strings.Contains(body, "Not coded yet.") || !strings.Contains(body, "<strong>not coded</strong>") {
		t.Error("a labels chart, or no 'not coded', with no coding")
	}
	for _, want := range []string{`href="/campaigns/golden/authorities"`, `href="/campaigns/golden/events.csv"`, "replied on time"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %s", want)
		}
	}
	// It reflects the database on each load: a reply arrives, the page says so.
	if _, _, err := storetest.Deliver(context.Background(), f.st, g.Requests["W01"].ID, storetest.Mail{Kind: "response", Date: f.clock.now().Add(-time.Hour), Subject: "Late answer"}); err != nil {
		t.Fatal(err)
	}
	_, body = f.get(c, "/campaigns/golden")
	for _, s := range charts(t, body)["chart-replies"].Series {
		if s.Name == "replied" && s.Total != 6 {
			t.Errorf("after a reply the curve ends at %d, want 6", s.Total)
		}
	}
	if code, _ := f.get(c, "/campaigns/nosuch"); code != 404 {
		t.Errorf("unknown campaign: %d", code)
	}
}

func TestDashboardLabelsByNation(t *testing.T) {
	f, _, c, _ := goldenApp(t, true)
	_, body := f.get(c, "/campaigns/golden")
	got := map[string]string{}
	for _, r := range charts(t, body)["chart-labels"].Rects {
		got[r.Nation+"/"+r.Label] = fmt.Sprintf("%d %s", r.N, r.Percent)
	}
	want := map[string]string{
		"England/allows-recording": "1 50.0", "England/no-policy": "1 50.0", "England/policy": "1 50.0",
		"Scotland/no-policy": "1 100.0", "Northern Ireland/policy": "1 100.0",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("label bars %v, want %v", got, want)
	}
}

// TestDashboardEscapesNames: a campaign's and a nation's names are data,
// and the SVG is built by hand: nothing in them becomes markup.
func TestChartsEscapeText(t *testing.T) {
	s := results.Summary{Nations: []results.Nation{{Nation: `<script>x</script>"&`, Targeted: 1, Coded: 1,
		States: []results.Count{{Name: `"><img src=x>`, N: 1}}, Labels: []results.Label{{Label: "</svg><b>", N: 1, Percent: 100}}}}}
	for _, svg := range []string{string(stackedBars(s)), string(labelBars(s))} {
		if strings.Contains(svg, "<script") || strings.Contains(svg, "<img") || strings.Contains(svg, "<b>") {
			t.Errorf("unescaped text in %s", svg)
		}
		var d svgDoc
		if err := xml.Unmarshal([]byte(svg), &d); err != nil {
			t.Errorf("not XML: %v", err)
		}
	}
}

func gridNames(t *testing.T, body string) []string {
	t.Helper()
	_, tbody, _ := strings.Cut(body, `<table id="grid">`)
	var out []string
	for _, m := range regexp.MustCompile(`(?s)<tr>\s*<td>(?:<a href="/requests/[0-9A-Z]+">)?(.*?)(?:</a>)?</td>`).FindAllStringSubmatch(tbody, -1) {
		out = append(out, m[1])
	}
	return out
}

// matchingRef is want plus, in the grid's order, the authorities whose
// reference contains text.
func matchingRef(g storetest.Golden, text string, want ...string) []string {
	names := map[string]string{"E02": "=HYPERLINK(&#34;http://evil.test/?x&#34;,&#34;Click&#34;)", "E01": "Avon Council", "N01": "Belfast Council", "W01": "Cardiff Council", "N02": "Derry Council",
		"S01": "Fife Council", "E03": "Leeds Council", "S02": "Moray Council", "W02": "Powys Council"}
	for code, r := range g.Requests {
		if n, ok := names[code]; ok && strings.Contains(r.Ref, text) && !slices.Contains(want, n) {
			want = append(want, n)
		}
	}
	slices.Sort(want)
	return want
}

func TestAuthoritiesGrid(t *testing.T) {
	f, g, c, _ := goldenApp(t, true)
	cases := []struct {
		query string
		want  []string
	}{
		{"", []string{"=HYPERLINK(&#34;http://evil.test/?x&#34;,&#34;Click&#34;)", "Avon Council", "Belfast Council", "Cardiff Council", "Derry Council", "Fife Council", "Leeds Council", "Moray Council", "Powys Council"}},
		{"?nation=Wales", []string{"Cardiff Council", "Powys Council"}},
		{"?state=replied&nation=Scotland", []string{"Fife Council", "Moray Council"}},
		{"?label=policy", []string{"Avon Council", "Belfast Council"}},
		{"?q=FIFE", []string{"Fife Council"}},
		{"?q=" + g.Requests["S02"].Ref, []string{"Moray Council"}},
		// N02 is Derry's code; a reference drawn at random may contain
		// it too, and then its authority matches as well.
		{"?q=n02", matchingRef(g, "N02", "Derry Council")},
		// Most late first: Cardiff 10 (overdue on 15 December), the
		// hostile name 1, then the early replies, then rows with no count.
		{"?sort=late&dir=desc", []string{"Cardiff Council", "=HYPERLINK(&#34;http://evil.test/?x&#34;,&#34;Click&#34;)", "Fife Council", "Avon Council", "Moray Council", "Belfast Council", "Derry Council", "Leeds Council", "Powys Council"}},
		{"?sort=nation&nation=Wales&dir=desc", []string{"Cardiff Council", "Powys Council"}},
	}
	for _, tc := range cases {
		code, body := f.get(c, "/campaigns/golden/authorities"+tc.query)
		if code != 200 {
			t.Fatalf("%s: %d", tc.query, code)
		}
		if got := gridNames(t, body); !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.query, got, tc.want)
		}
	}
	// Pages of two by code: E01 E02 | E03 N01 | N02 S01 | S02 W01 | W02.
	var seen []string
	next := "/campaigns/golden/authorities?sort=code&per=2"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("more than five pages of two for nine rows")
		}
		_, body := f.get(c, next)
		seen = append(seen, gridNames(t, body)...)
		next = ""
		if m := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(body); m != nil {
			next = "/campaigns/golden/authorities" + strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if want := []string{"Avon Council", "=HYPERLINK(&#34;http://evil.test/?x&#34;,&#34;Click&#34;)", "Leeds Council", "Belfast Council", "Derry Council", "Fife Council", "Moray Council", "Cardiff Council", "Powys Council"}; !slices.Equal(seen, want) {
		t.Errorf("paged by code:\n got %q\nwant %q", seen, want)
	}
	// Every row with a request links to its timeline.
	_, body := f.get(c, "/campaigns/golden/authorities?nation=Scotland")
	if !strings.Contains(body, `href="/requests/`+g.Requests["S01"].Ref+`"`) {
		t.Error("no link to the timeline")
	}
}

func TestAuthoritiesCSV(t *testing.T) {
	f, g, c, _ := goldenApp(t, false)
	w := f.do(req{target: "/campaigns/golden/authorities?nation=England&format=csv&sort=late", cookies: []*http.Cookie{c}})
	if w.Code != 200 || w.Header().Get("Content-Type") != "text/csv; charset=utf-8" ||
		w.Header().Get("Content-Disposition") != `attachment; filename="golden-authorities.csv"` {
		t.Fatalf("csv: %d %v", w.Code, w.Header())
	}
	body := w.Body.String()
	if !strings.HasPrefix(body, "\ufeffcode,authority,") || !strings.Contains(body, "\r\n") {
		t.Errorf("no BOM or CRLF: %q", body[:40])
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// England sorted by lateness: Leeds (no count), Avon (-6), the hostile name (1).
	var got []string
	for _, r := range recs[1:] {
		got = append(got, r[0]+" "+r[1]+" "+r[9])
	}
	want := []string{"E03 Leeds Council ", "E01 Avon Council -6", "E02 '" + storetest.HostileName + " 1"}
	if !slices.Equal(got, want) {
		t.Errorf("csv rows %q, want %q", got, want)
	}
	if recs[2][4] != g.Requests["E01"].Ref {
		t.Errorf("reference %q", recs[2][4])
	}
}

func TestCampaignEventsDownload(t *testing.T) {
	f, _, c, _ := goldenApp(t, false)
	w := f.do(req{target: "/campaigns/golden/events.csv", cookies: []*http.Cookie{c}})
	if w.Code != 200 || w.Header().Get("Content-Disposition") != `attachment; filename="golden-events.csv"` {
		t.Fatalf("events.csv: %d %v", w.Code, w.Header())
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(w.Body.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	last := int64(0)
	for _, r := range recs[1:] {
		id, _ := strconv.ParseInt(r[0], 10, 64)
		if id <= last || !json.Valid([]byte(r[8])) {
			t.Errorf("row %v: out of order or bad detail", r)
		}
		last = id
	}
	if len(recs) < 40 {
		t.Errorf("only %d events", len(recs)-1)
	}
}

func TestTimelineInOrder(t *testing.T) {
	f, g, c, _ := goldenApp(t, false)
	code, body := f.get(c, "/requests/"+g.Requests["E01"].Ref)
	if code != 200 {
		t.Fatalf("timeline: %d\n%s", code, body)
	}
	var kinds []string
	last := 0
	for _, m := range regexp.MustCompile(`data-event="(\d+)" data-kind="([a-z._]+)"`).FindAllStringSubmatch(body, -1) {
		id, _ := strconv.Atoi(m[1])
		if id <= last {
			t.Errorf("event %d after %d", id, last)
		}
		last = id
		kinds = append(kinds, m[2])
	}
	want := []string{"request.created", "request.queued", "request.claimed", "request.delivered",
		"message.recorded", "message.recorded", "request.clock_changed", "document.extracted", "review.queued", "document.extracted", "review.queued"}
	if !slices.Equal(kinds, want) {
		t.Errorf("timeline kinds\n got %v\nwant %v", kinds, want)
	}
	docs := g.Documents["E01"]
	for _, s := range []string{
		"Please find our policy attached", // not shown: the body is the mail pages' to show
	} {
		if strings.Contains(body, s) {
			t.Errorf("timeline shows the reply's body %q", s)
		}
	}
	for _, s := range []string{
		"awaiting-response → replied",
		"20 working days from 2026-11-02",
		fmt.Sprintf(`<a href="/documents/%d">document %d</a>, extraction ok`, docs[0], docs[0]),
		"reply-2.pdf",
		"Acknowledgement",
		`<td id="state">replied</td>`,
		`<td id="late">-6</td>`, // as the report counts it: 6 working days early
	} {
		if !strings.Contains(body, s) {
			t.Errorf("timeline lacks %q", s)
		}
	}
	if strings.Contains(body, `id="resolve"`) || strings.Contains(body, `id="review"`) {
		t.Error("resolve or review offered for a sent request with no review queuer")
	}
	// A reply's subject, sender detail and file names are text, never markup.
	if _, _, err := storetest.Deliver(context.Background(), f.st, g.Requests["E01"].ID, storetest.Mail{Kind: "refusal", Detail: `<img src=x onerror=alert(1)>`,
		Date: f.clock.now().Add(-time.Hour), Subject: `<script>alert(1)</script>`, Documents: []string{"x"}}); err != nil {
		t.Fatal(err)
	}
	_, body = f.get(c, "/requests/"+g.Requests["E01"].Ref)
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<img src=x") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("a reply's subject or detail reached the timeline as markup")
	}
	if code, _ := f.get(c, "/requests/AAAAAAAA"); code != 404 {
		t.Errorf("unknown ref: %d", code)
	}
}

// eventBy is the last event of kind about request id and who made it.
func eventBy(t *testing.T, st *store.Store, kind string, request int64) string {
	t.Helper()
	evs, err := st.Events(context.Background(), store.EventFilter{Kind: kind, Subject: store.Subject{Request: request}})
	if err != nil || len(evs) == 0 {
		t.Fatalf("no %s event about request %d (%v)", kind, request, err)
	}
	var d map[string]any
	json.Unmarshal(evs[len(evs)-1].Detail, &d)
	for _, k := range []string{"by", "recorded_by", "resolved_by"} {
		if s, ok := d[k].(string); ok {
			return s
		}
	}
	return ""
}

func TestTimelineActions(t *testing.T) {
	f, g, c, tok := goldenApp(t, false)
	post := func(path string, form url.Values) (int, string, string) {
		form.Set("csrf", tok)
		w := f.do(req{method: "POST", target: path, cookies: []*http.Cookie{c}, form: form})
		return w.Code, w.Header().Get("Location"), w.Body.String()
	}
	w01 := g.Requests["W01"]
	// A response by post to Cardiff, recorded by bob.
	code, loc, body := post("/requests/"+w01.Ref+"/events", url.Values{"kind": {"response-received"}, "at": {"2026-12-10"}, "note": {"letter ref 12"}})
	if code != http.StatusSeeOther || loc != "/requests/"+w01.Ref+"?done=recorded" {
		t.Fatalf("record: %d %s\n%s", code, loc, body)
	}
	if by := eventBy(t, f.st, "request.fact_recorded", w01.ID); by != "bob" {
		t.Errorf("fact recorded by %q, want bob", by)
	}
	_, page := f.get(c, loc)
	if !strings.Contains(page, `<td id="state">replied</td>`) || !strings.Contains(page, "recorded by bob") || !strings.Contains(page, "Recorded; the request") {
		t.Errorf("after recording:\n%s", page)
	}
	// A fact the clock cannot use is refused, with the reason, and nothing written.
	if code, _, body := post("/requests/"+w01.Ref+"/events", url.Values{"kind": {"fee-paid"}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "Not") {
		t.Errorf("fee paid with no notice: %d", code)
	}
	if code, _, _ := post("/requests/"+w01.Ref+"/events", url.Values{"kind": {"nonsense"}}); code != http.StatusUnprocessableEntity {
		t.Errorf("unknown kind: %d", code)
	}
	// Undo it.
	evs, _ := f.st.Events(context.Background(), store.EventFilter{Kind: "request.fact_recorded", Subject: store.Subject{Request: w01.ID}})
	if code, loc, body := post(fmt.Sprintf("/requests/%s/events/%d/undo", w01.Ref, evs[0].ID), url.Values{}); code != http.StatusSeeOther || !strings.HasSuffix(loc, "done=undone") {
		t.Fatalf("undo: %d %s\n%s", code, loc, body)
	}
	if by := eventBy(t, f.st, "request.fact_undone", w01.ID); by != "bob" {
		t.Errorf("undone by %q, want bob", by)
	}
	// Leeds's unknown send: resolved as sent by bob.
	e03 := g.Requests["E03"]
	_, page = f.get(c, "/requests/"+e03.Ref)
	if !strings.Contains(page, `id="resolve"`) {
		t.Fatal("no resolve form for an unknown request")
	}
	if code, loc, body := post("/requests/"+e03.Ref+"/resolve", url.Values{"outcome": {"sent"}}); code != http.StatusSeeOther || !strings.HasSuffix(loc, "done=sent") {
		t.Fatalf("resolve: %d %s\n%s", code, loc, body)
	}
	if by := eventBy(t, f.st, "request.delivered", e03.ID); by != "bob" {
		t.Errorf("resolved by %q, want bob", by)
	}
	if code, _, _ := post("/requests/"+e03.Ref+"/resolve", url.Values{"outcome": {"sent"}}); code != http.StatusUnprocessableEntity {
		t.Errorf("resolving twice: %d", code)
	}
	// Powys's bounce re-triaged as an acknowledgement: delivered after all.
	w02 := g.Requests["W02"]
	msg := g.Messages["W02"][0]
	if code, loc, body := post(fmt.Sprintf("/requests/%s/messages/%d/classify", w02.Ref, msg), url.Values{"kind": {"acknowledgement"}}); code != http.StatusSeeOther || !strings.HasSuffix(loc, "done=classified") {
		t.Fatalf("classify: %d %s\n%s", code, loc, body)
	}
	evs, _ = f.st.Events(context.Background(), store.EventFilter{Kind: "message.classified", Subject: store.Subject{Message: msg}})
	if len(evs) != 1 || !strings.Contains(string(evs[0].Detail), `"by":"bob"`) {
		t.Errorf("classified events %v", evs)
	}
	_, page = f.get(c, "/requests/"+w02.Ref)
	if !strings.Contains(page, `<td id="state">overdue</td>`) {
		t.Errorf("after re-triage Powys is not overdue")
	}
	// Another request's message cannot be re-triaged through this one.
	if code, _, _ := post(fmt.Sprintf("/requests/%s/messages/%d/classify", w01.Ref, msg), url.Values{"kind": {"response"}}); code != http.StatusNotFound {
		t.Errorf("someone else's message: %d", code)
	}
	// No review queuer: no review form, and its route is a 404.
	if code, _, _ := post("/requests/"+w01.Ref+"/review", url.Values{}); code != http.StatusNotFound {
		t.Errorf("review without a queuer: %d", code)
	}
}

type fakeReviews struct{ asked []string }

func (r *fakeReviews) QueueReview(_ context.Context, ref, reason, by string) (string, error) {
	r.asked = append(r.asked, ref+" "+reason+" "+by)
	return "queued", nil
}

func TestTimelineReviewSeam(t *testing.T) {
	f, g, c, tok := goldenApp(t, false)
	rv := &fakeReviews{}
	f.app.opts.Reviews = rv
	ref := g.Requests["S01"].Ref
	if _, page := f.get(c, "/requests/"+ref); !strings.Contains(page, `id="review"`) {
		t.Fatal("no review form with a review queuer")
	}
	w := f.do(req{method: "POST", target: "/requests/" + ref + "/review", cookies: []*http.Cookie{c}, form: url.Values{"csrf": {tok}, "reason": {"s.30(c) misapplied"}}})
	if w.Code != http.StatusSeeOther || len(rv.asked) != 1 || rv.asked[0] != ref+" s.30(c) misapplied bob" {
		t.Errorf("review: %d %v", w.Code, rv.asked)
	}
}
