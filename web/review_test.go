package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"foidesk/blob"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/coding"
	"foidesk/store/storetest"
)

// hostileText is extracted text that tries to be markup.
const hostileText = `Recording policy <script>alert('x')</script> <img src="https://evil.example/p.gif" onerror="alert(1)">
<meta http-equiv="refresh" content="0;url=https://evil.example/"> <a href="javascript:alert(2)">link</a>
<svg onload="alert(3)"><script>alert(4)</script></svg> <style>body{background:url(https://evil.example/t.png)}</style>
Parents need written consent to record a meeting.`

// reviewFixture is the app over a survey of n authorities, each of which
// replied with one document; the first document's text is hostileText.
type reviewFixture struct {
	*fixture
	camp  campaign.Campaign
	docs  []int64
	blobs string
}

func newReviewFixture(t *testing.T, n int) *reviewFixture {
	t.Helper()
	dir := t.TempDir()
	f := newFixture(t, Options{Originals: blob.Store{Dir: dir}})
	ctx := context.Background()
	reqs, err := storetest.SendSurvey(ctx, f.st, storetest.Survey{Name: "recording", Authorities: n})
	if err != nil {
		t.Fatal(err)
	}
	rf := &reviewFixture{fixture: f, blobs: dir}
	for i, r := range reqs {
		text := "Page one of policy " + r.Ref + ": staff may record.\fPage two: mobile phone use."
		d := storetest.ReplyDoc{Filename: "policy " + r.Authority.Name + ".pdf", Text: text}
		if i == 0 {
			d.Text = hostileText
		}
		if i == 2 && len(rf.docs) > 0 {
			d.SimilarTo, d.Similarity = rf.docs[1], 0.93
		}
		_, ids, err := storetest.Reply(ctx, f.st, r, uint32(i+1), "Re: FOI <b>request</b>", []storetest.ReplyDoc{d})
		if err != nil {
			t.Fatal(err)
		}
		rf.docs = append(rf.docs, ids...)
	}
	if rf.camp, err = campaign.New(f.st).ByName(ctx, "recording"); err != nil {
		t.Fatal(err)
	}
	return rf
}

var reviewIDField = regexp.MustCompile(`name="review_id" value="(\d+)"`)

// open fetches the review page as cookie c and returns it and the
// document's review id ("" on the done page).
func (f *reviewFixture) open(c *http.Cookie) (string, string) {
	f.t.Helper()
	w := f.do(req{target: "/review/recording", cookies: []*http.Cookie{c}})
	if w.Code != http.StatusOK {
		f.t.Fatalf("review page: %d\n%s", w.Code, w.Body)
	}
	body := w.Body.String()
	m := reviewIDField.FindStringSubmatch(body)
	if m == nil {
		return body, ""
	}
	return body, m[1]
}

func (f *reviewFixture) post(c *http.Cookie, tok, path string, form url.Values) (int, string) {
	f.t.Helper()
	form.Set("csrf", tok)
	w := f.do(req{method: "POST", target: path, cookies: []*http.Cookie{c}, form: form})
	return w.Code, w.Header().Get("Location")
}

func TestReviewPageShowsTheDocumentInertAndHighlighted(t *testing.T) {
	f := newReviewFixture(t, 3)
	c, _ := f.signIn("bob")
	if home := f.do(req{target: "/", cookies: []*http.Cookie{c}}).Body.String(); !strings.Contains(home, `<a href="/review/recording">review queue</a>`) {
		t.Fatalf("home page does not link the review queue:\n%s", home)
	}
	if w := f.do(req{target: "/review/nosuch", cookies: []*http.Cookie{c}}); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "no such campaign") {
		t.Fatalf("unknown campaign: %d", w.Code)
	}
	body, id := f.open(c)
	if id == "" {
		t.Fatalf("no document:\n%s", body)
	}
	for _, bad := range []string{"<script>alert", "<img src=\"https://evil", "<meta http-equiv", `href="javascript:`, "<svg", "<style>body", `onerror="alert`} {
		if strings.Contains(body, bad) {
			t.Errorf("hostile text reached the page as markup: %q", bad)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;",
		"<mark>Recording</mark>", "<mark>consent</mark>", // the campaign's keywords
		"Suggested: <strong>consent-required</strong>", "rule 3: “consent” + “record”",
		`<kbd>1</kbd> no-policy`, `data-key="8"`, `value="prohibits-recording"`,
		"Recording Council 1", "Re: FOI &lt;b&gt;request&lt;/b&gt;", "foi@recording-1.gov.uk",
		`/review/recording/entries/` + id + `/original`, "· replied",
		`<option value="published">published elsewhere</option>`, `id="notes"`, `id="skip"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("review page lacks %q", want)
		}
	}
	// The text of a document with pages shows the breaks.
	ana, _ := f.signIn("ana")
	body2, id2 := f.open(ana)
	if id2 == id || !strings.Contains(body2, `<hr class="page-break" aria-label="page 2">`) {
		t.Fatalf("ana got %s (bob has %s):\n%s", id2, id, body2)
	}
}

func TestTwoReviewersAskingAtOnceGetDifferentDocuments(t *testing.T) {
	f := newReviewFixture(t, 4)
	bob, _ := f.signIn("bob")
	ana, _ := f.signIn("ana")
	ids := make(chan string, 2)
	for _, c := range []*http.Cookie{bob, ana} {
		go func() {
			w := f.do(req{target: "/review/recording", cookies: []*http.Cookie{c}})
			m := reviewIDField.FindStringSubmatch(w.Body.String())
			if m == nil {
				ids <- ""
				return
			}
			ids <- m[1]
		}()
	}
	a, b := <-ids, <-ids
	if a == "" || b == "" || a == b {
		t.Fatalf("reviewers got %q and %q", a, b)
	}
}

func TestCodingRecordsAndAdvancesToDone(t *testing.T) {
	f := newReviewFixture(t, 3)
	c, tok := f.signIn("bob")
	seen := map[string]bool{}
	for i := range 3 {
		body, id := f.open(c)
		if id == "" || seen[id] {
			t.Fatalf("round %d: id %q\n%s", i, id, body)
		}
		seen[id] = true
		form := url.Values{"review_id": {id}, "label": {"consent-required"}, "outcome": {"published"},
			"outcome_detail": {"https://council.example/policy"}, "notes": {"see <b>page 2</b>"}}
		if i == 1 {
			form = url.Values{"review_id": {id}}
			if code, loc := f.post(c, tok, "/review/recording/skip", form); code != http.StatusSeeOther || loc != "/review/recording?done=skipped" {
				t.Fatalf("skip: %d %s", code, loc)
			}
			_, again := f.open(c)
			if again == id {
				t.Fatal("the skipped document came straight back")
			}
			delete(seen, id)
			continue
		}
		if code, loc := f.post(c, tok, "/review/recording/code", form); code != http.StatusSeeOther || loc != "/review/recording?done=coded" {
			t.Fatalf("code: %d %s", code, loc)
		}
	}
	// A label not in the codebook is refused with a fixed message.
	_, id := f.open(c)
	if code, loc := f.post(c, tok, "/review/recording/code", url.Values{"review_id": {id}, "label": {"<script>"}}); loc != "/review/recording?done=invalid" {
		t.Fatalf("bad label: %d %s", code, loc)
	}
	if code, loc := f.post(c, tok, "/review/recording/code", url.Values{"review_id": {"99999"}, "label": {"unclear"}}); loc != "/review/recording?done=gone" {
		t.Fatalf("unknown entry: %d %s", code, loc)
	}
	f.post(c, tok, "/review/recording/code", url.Values{"review_id": {id}, "label": {"unclear"}})
	body, id := f.open(c)
	if id != "" || !strings.Contains(body, "Done — nothing left to code") {
		t.Fatalf("after coding everything:\n%s", body)
	}
	evs, err := f.st.Events(context.Background(), store.EventFilter{Kind: "review.coded"})
	if err != nil || len(evs) != 3 || !strings.Contains(string(evs[0].Detail), `"reviewer":"bob"`) || !strings.Contains(string(evs[0].Detail), `"outcome_detail":"https://council.example/policy"`) {
		t.Fatalf("events: %v %v", evs, err)
	}
	w := f.do(req{target: "/review/recording/agreement", cookies: []*http.Cookie{c}})
	if !strings.Contains(w.Body.String(), "<strong>3</strong> coded") || !strings.Contains(w.Body.String(), "not enough double-coded documents") {
		t.Fatalf("agreement page:\n%s", w.Body)
	}
}

func TestSameModelPolicyAppliesTheOtherCoding(t *testing.T) {
	f := newReviewFixture(t, 3)
	ctx := context.Background()
	cs := coding.New(f.st)
	// Code the model policy (the second document) first.
	var target int64
	for {
		it, err := cs.Next(ctx, f.camp.ID, "cat", coding.DefaultLease)
		if err != nil || it == nil {
			t.Fatal(it, err)
		}
		if it.DocumentID == f.docs[1] {
			target = it.ReviewID
			break
		}
		cs.Skip(ctx, it.ReviewID, "cat")
	}
	if _, err := cs.Code(ctx, coding.Input{ReviewID: target, Reviewer: "cat", Labels: []string{"permits-recording"}, Outcome: coding.OutcomeProvided}); err != nil {
		t.Fatal(err)
	}
	c, tok := f.signIn("bob")
	for {
		body, id := f.open(c)
		if id == "" {
			t.Fatal("never saw the flagged document")
		}
		if !strings.Contains(body, "Same model policy as document") {
			f.post(c, tok, "/review/recording/skip", url.Values{"review_id": {id}})
			continue
		}
		if !strings.Contains(body, "93% alike") || !strings.Contains(body, "Apply its coding: permits-recording") {
			t.Fatalf("flagged page:\n%s", body)
		}
		form := url.Values{"review_id": {id}, "apply_from": {"1"}, "labels": {"permits-recording"}, "outcome": {"provided"}}
		if code, loc := f.post(c, tok, "/review/recording/code", form); code != http.StatusSeeOther || loc != "/review/recording?done=applied" {
			t.Fatalf("apply: %d %s", code, loc)
		}
		break
	}
	evs, _ := f.st.Events(ctx, store.EventFilter{Kind: "review.coded"})
	if last := string(evs[len(evs)-1].Detail); !strings.Contains(last, `"applied_from":1`) || !strings.Contains(last, `"labels":["permits-recording"]`) {
		t.Fatalf("event: %s", last)
	}
}

func TestOriginalDownloadsAsAnAttachment(t *testing.T) {
	f := newReviewFixture(t, 1)
	c, _ := f.signIn("bob")
	_, id := f.open(c)
	it, err := coding.New(f.st).Item(context.Background(), mustID(t, id), "")
	if err != nil {
		t.Fatal(err)
	}
	path := blob.Store{Dir: f.blobs}.Path(it.OriginalSHA)
	os.MkdirAll(filepath.Dir(path), 0o755)
	os.WriteFile(path, []byte("%PDF-1.4 <script>"), 0o644)
	w := f.do(req{target: "/review/recording/entries/" + id + "/original", cookies: []*http.Cookie{c}})
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Disposition"), "attachment; ") || w.Header().Get("Content-Type") != "application/pdf" ||
		w.Body.String() != "%PDF-1.4 <script>" {
		t.Fatalf("download: %d %v", w.Code, w.Header())
	}
	if w := f.do(req{target: "/review/nosuch/entries/" + id + "/original", cookies: []*http.Cookie{c}}); w.Code != http.StatusNotFound {
		t.Fatalf("another campaign's path: %d", w.Code)
	}
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestAdminResolvesADisagreement(t *testing.T) {
	f := newReviewFixture(t, 2)
	ctx := context.Background()
	cs := coding.New(f.st)
	cb := coding.Default()
	cb.DoubleCoding = true
	if err := cs.SetCodebook(ctx, f.camp.ID, cb, "ana"); err != nil {
		t.Fatal(err)
	}
	a, _ := cs.Next(ctx, f.camp.ID, "cat", coding.DefaultLease)
	cs.Code(ctx, coding.Input{ReviewID: a.ReviewID, Reviewer: "cat", Labels: []string{"no-policy"}, Notes: "nothing <i>here</i>"})
	b, _ := cs.Next(ctx, f.camp.ID, "dan", coding.DefaultLease)
	cs.Code(ctx, coding.Input{ReviewID: b.ReviewID, Reviewer: "dan", Labels: []string{"consent-required"}})
	if a.ReviewID != b.ReviewID {
		t.Fatal("double coding gave different documents")
	}
	c, tok := f.signIn("ana")
	w := f.do(req{target: "/review/recording/resolve", cookies: []*http.Cookie{c}})
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "<h3>cat</h3>") || !strings.Contains(body, "<h3>dan</h3>") || !strings.Contains(body, "nothing &lt;i&gt;here&lt;/i&gt;") ||
		strings.Contains(body, "<script>alert") {
		t.Fatalf("resolve page: %d\n%s", w.Code, body)
	}
	code, loc := f.post(c, tok, "/review/recording/resolve", url.Values{"review_id": {itoa(a.ReviewID)}, "label": {"consent-required"}})
	if code != http.StatusSeeOther || loc != "/review/recording/resolve?done=resolved" {
		t.Fatalf("resolve: %d %s", code, loc)
	}
	body = f.do(req{target: "/review/recording/resolve", cookies: []*http.Cookie{c}}).Body.String()
	if !strings.Contains(body, "No disagreement is waiting") || !strings.Contains(body, "<h2>Resolved</h2>") {
		t.Fatalf("after resolving:\n%s", body)
	}
	// Bob (no admin) may not see the page.
	bob, _ := f.signIn("bob")
	if w := f.do(req{target: "/review/recording/resolve", cookies: []*http.Cookie{bob}}); w.Code != http.StatusForbidden {
		t.Fatalf("bob: %d", w.Code)
	}
}

func TestAdminEditsTheCodebookWithLineErrors(t *testing.T) {
	f := newReviewFixture(t, 1)
	c, tok := f.signIn("ana")
	w := f.do(req{target: "/review/recording/codebook", cookies: []*http.Cookie{c}})
	file := regexp.MustCompile(`(?s)<textarea[^>]*>(.*)</textarea>`).FindStringSubmatch(w.Body.String())
	if w.Code != 200 || file == nil {
		t.Fatalf("codebook page: %d\n%s", w.Code, w.Body)
	}
	text := strings.NewReplacer("&#39;", "'", "&#34;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(file[1])
	bad := strings.Replace(text, "key = '2'", "key = 's'", 1)
	form := url.Values{"csrf": {tok}, "codebook": {bad}}
	w = f.do(req{method: "POST", target: "/review/recording/codebook", cookies: []*http.Cookie{c}, form: form})
	if w.Code != http.StatusUnprocessableEntity || !regexp.MustCompile(`codebook:\d+: label 2: shortcut &#34;s&#34; is reserved`).MatchString(w.Body.String()) {
		t.Fatalf("bad codebook: %d\n%s", w.Code, w.Body)
	}
	good := strings.Replace(text, "choice = 'single'", "choice = 'multiple'", 1)
	form = url.Values{"csrf": {tok}, "codebook": {good}}
	if w := f.do(req{method: "POST", target: "/review/recording/codebook", cookies: []*http.Cookie{c}, form: form}); w.Code != http.StatusSeeOther {
		t.Fatalf("good codebook: %d\n%s", w.Code, w.Body)
	}
	// The review page now offers boxes to tick and a save button.
	body, _ := f.open(c)
	if !strings.Contains(body, `type="checkbox" name="labels" value="no-policy" data-key="1"`) || !strings.Contains(body, `id="save"`) {
		t.Fatalf("multiple choice page:\n%s", body)
	}
}

// The resolve page shows the waiting disagreements a page at a time, with
// a link to the next page, and every one of them once.
func TestResolvePageComesAPageAtATime(t *testing.T) {
	n := resolvePageSize + 3
	f := newReviewFixture(t, n)
	ctx := context.Background()
	cs := coding.New(f.st)
	cb := coding.Default()
	cb.DoubleCoding = true
	if err := cs.SetCodebook(ctx, f.camp.ID, cb, "ana"); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"cat", "dan"} {
		label := map[string]string{"cat": "no-policy", "dan": "consent-required"}[who]
		for it, _ := cs.Next(ctx, f.camp.ID, who, coding.DefaultLease); it != nil; it, _ = cs.Next(ctx, f.camp.ID, who, coding.DefaultLease) {
			if _, err := cs.Code(ctx, coding.Input{ReviewID: it.ReviewID, Reviewer: who, Labels: []string{label}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	c, _ := f.signIn("ana")
	ids := regexp.MustCompile(`name="review_id" value="(\d+)"`)
	next := regexp.MustCompile(`href="/review/recording/resolve\?after=(\d+)" id="next-disagreements"`)
	seen := map[string]bool{}
	target := "/review/recording/resolve"
	for pages := 1; ; pages++ {
		w := f.do(req{target: target, cookies: []*http.Cookie{c}})
		body := w.Body.String()
		if w.Code != 200 {
			t.Fatalf("%s: %d", target, w.Code)
		}
		shown := ids.FindAllStringSubmatch(body, -1)
		if len(shown) > resolvePageSize {
			t.Fatalf("%s shows %d, more than a page", target, len(shown))
		}
		for _, m := range shown {
			if seen[m[1]] {
				t.Fatalf("review %s shown twice", m[1])
			}
			seen[m[1]] = true
		}
		m := next.FindStringSubmatch(body)
		if m == nil {
			if pages != 2 || !strings.Contains(body, "First disagreements") {
				t.Fatalf("last page is page %d:\n%s", pages, body)
			}
			break
		}
		if m[1] != shown[len(shown)-1][1] {
			t.Fatalf("next page after %s, but the page ends at %s", m[1], shown[len(shown)-1][1])
		}
		target = "/review/recording/resolve?after=" + m[1]
	}
	if len(seen) != n {
		t.Fatalf("%d disagreements shown, want %d", len(seen), n)
	}
}
