package web

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"foidesk/internal/browsertest"
	"foidesk/store/campaign"
	"foidesk/store/coding"
	"foidesk/store/storetest"
)

// policies are the replies the browser test codes: plain policy text, as
// extraction leaves it, pages separated by form feeds.
var policies = []string{
	`Children's Services — Recording of Meetings Policy

1. Purpose
This policy sets out the Council's position on parents and carers who wish to record meetings with social workers.

2. Overt recording
Parents may record meetings openly on a mobile phone or other device, provided they tell those present at the start. Staff must not refuse a reasonable request to record.
` + "\f" + `3. Covert recording
The Council discourages covert recording but recognises that it is not unlawful for a parent to record their own meeting.

4. Data protection
A recording made by a parent for their own use is not subject to the Council's data protection obligations.`,
	`Dear Requester,

Thank you for your request. The Council does not hold a written policy on the recording of meetings by parents. Information not held.

Yours faithfully,
Information Governance Team`,
	`Guidance for staff: recording meetings

Recording of meetings by parents is not permitted without the prior written consent of the chair. Where consent is refused the meeting will continue without recording.`,
	`Policy on audio recording

Parents must ask permission before they record any meeting with Council staff.`,
}

// TestReviewInTheBrowser signs a reviewer in with the keyboard, codes
// three documents with keys alone, saves a screenshot of the review page
// (when FOIDESK_SCREENSHOT=1), signs out; then an admin resolves a
// double-coding disagreement with the mouse and signs out.
func TestReviewInTheBrowser(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	reqs, err := storetest.SendSurvey(ctx, f.st, storetest.Survey{Name: "recording", Authorities: 4})
	if err != nil {
		t.Fatal(err)
	}
	texts := append(policies[:3:3], hostileText) // the fourth is shown after the three are coded
	for i, r := range reqs {
		if _, _, err := storetest.Reply(ctx, f.st, r, uint32(i+1), "RE: Freedom of Information request [ref: "+r.Ref+"]",
			[]storetest.ReplyDoc{{Filename: "Recording policy " + r.Authority.Name + ".pdf", Text: texts[i]}}); err != nil {
			t.Fatal(err)
		}
	}
	// A second campaign, double-coded, where two reviewers disagree.
	dreqs, err := storetest.SendSurvey(ctx, f.st, storetest.Survey{Name: "second", Authorities: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := storetest.Reply(ctx, f.st, dreqs[0], 100, "RE: FOI", []storetest.ReplyDoc{{Filename: "policy.pdf", Text: policies[2]}}); err != nil {
		t.Fatal(err)
	}
	second, _ := campaign.New(f.st).ByName(ctx, "second")
	cs := coding.New(f.st)
	cb := coding.Default()
	cb.DoubleCoding = true
	must(t, cs.SetCodebook(ctx, second.ID, cb, "ana"))
	for who, label := range map[string]string{"cat": "prohibits-recording", "dan": "consent-required"} {
		it, err := cs.Next(ctx, second.ID, who, coding.DefaultLease)
		must(t, err)
		_, err = cs.Code(ctx, coding.Input{ReviewID: it.ReviewID, Reviewer: who, Labels: []string{label}})
		must(t, err)
	}

	bctx := browsertest.New(t)
	base := browsertest.Serve(t, f.app.Handler())
	must(t, chromedp.Do(bctx, chromedp.Navigate(base+"/review/recording"), chromedp.WaitVisible(chromedp.ID("name"))))
	must(t, chromedp.Do(bctx,
		chromedp.SendKeys(chromedp.ID("name"), "bob"),
		chromedp.KeyEvent("\t"),
		chromedp.KeyEvent(testPassword),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.ID("code-form")),
	))
	if loc := location(t, bctx); loc != base+"/review/recording" {
		t.Fatalf("after sign-in: %s", loc)
	}
	// Three documents, one key each: 2 (permits-recording), 5
	// (not-held), 4 (prohibits-recording).
	reviewID := func() string {
		v, err := chromedp.Run(bctx, chromedp.Evaluate[string](`(document.querySelector('#code-form input[name=review_id]') || {value: ""}).value`))
		must(t, err)
		return v
	}
	// A key pressed before the page's script has run is lost: wait for
	// the page to be whole, its script marking the document, each time.
	scriptReady := func() {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			ok, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.readyState === "complete" && document.documentElement.dataset.js === "on"`))
			must(t, err)
			if ok {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatal("the page's script never ran")
	}
	var coded []string
	for i, key := range []string{"2", "5", "4"} {
		scriptReady()
		before := reviewID()
		if i == 0 && os.Getenv("FOIDESK_SCREENSHOT") == "1" {
			png, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
			must(t, err)
			must(t, os.WriteFile("../docs/review-queue.png", png, 0o644))
		}
		must(t, chromedp.Do(bctx, chromedp.KeyEvent(key)))
		deadline := time.Now().Add(10 * time.Second)
		for reviewID() == before && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if reviewID() == before {
			t.Fatalf("key %s did not code document %s", key, before)
		}
		coded = append(coded, before)
	}
	msg, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(".message")))
	must(t, err)
	if !strings.Contains(msg, "Coded.") {
		t.Fatalf("notice after coding: %q", msg)
	}
	st, err := cs.Stats(ctx, reqs[0].CampaignID)
	must(t, err)
	want := map[string]int{"permits-recording": 1, "not-held": 1, "prohibits-recording": 1}
	for _, l := range st.ByLabel {
		if l.N != want[l.Label] {
			t.Fatalf("after coding by keyboard: %+v", st.ByLabel)
		}
	}
	if len(st.Reviewers) != 1 || st.Reviewers[0].Reviewer != "bob" || st.Reviewers[0].Codings != 3 {
		t.Fatalf("reviewers: %+v", st.Reviewers)
	}
	// The fourth document is hostile: in the page it is only text and
	// highlights; no element it wrote exists, and no script of it ran.
	shown, err := chromedp.Run(bctx, chromedp.Evaluate[map[string]any](`({
		elements: document.querySelectorAll("#document-text *:not(mark):not(hr)").length,
		text: document.getElementById("document-text").textContent,
		images: document.images.length,
	})`))
	must(t, err)
	if shown["elements"] != float64(0) || shown["images"] != float64(0) || !strings.Contains(shown["text"].(string), "<script>alert('x')</script>") {
		t.Fatalf("hostile document in the browser: %v", shown)
	}
	signOut(t, bctx)

	// The admin resolves the disagreement.
	must(t, chromedp.Do(bctx, chromedp.Navigate(base+"/review/second/resolve"), chromedp.WaitVisible(chromedp.ID("name"))))
	must(t, chromedp.Do(bctx,
		chromedp.SendKeys(chromedp.ID("name"), "ana"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword+"\r"),
		chromedp.WaitVisible(chromedp.CSS("section.disagreement")),
	))
	text, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("section.disagreement")))
	must(t, err)
	if !strings.Contains(text, "cat") || !strings.Contains(text, "dan") || !strings.Contains(text, "prohibits-recording") || !strings.Contains(text, "consent-required") {
		t.Fatalf("disagreement shown: %q", text)
	}
	must(t, chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`form.resolve button[value="prohibits-recording"]`)),
		chromedp.WaitVisible(chromedp.CSS(".message")),
	))
	msg, err = chromedp.Run(bctx, chromedp.Text(chromedp.CSS(".message")))
	must(t, err)
	if !strings.Contains(msg, "Resolved") {
		t.Fatalf("after resolving: %q", msg)
	}
	if f, ok, err := cs.Final(ctx, second.ID, mustFinalDoc(t, f, second.ID)); err != nil || !ok || f.Role != coding.RoleResolution || f.Reviewer != "ana" || f.Labels[0] != "prohibits-recording" {
		t.Fatalf("final: %+v %v %v", f, ok, err)
	}
	signOut(t, bctx)
}

// mustFinalDoc is the one document of a campaign.
func mustFinalDoc(t *testing.T, f *fixture, campaignID int64) int64 {
	t.Helper()
	var id int64
	must(t, f.st.DB().QueryRow(`SELECT DISTINCT document_id FROM codings WHERE campaign_id = ?`, campaignID).Scan(&id))
	return id
}

func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("password")),
	))
	if c := cookie(t, ctx, cookieName); c != nil {
		t.Fatalf("session cookie kept after sign-out")
	}
}
