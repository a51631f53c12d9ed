package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"foidesk/ref"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/mail"
	"foidesk/store/storetest"
)

// eventFixture is a database with one request per regime, each delivered
// on Monday 3 November 2025, and a CLI that runs against it. Every regime
// skips St Andrew's Day (its substitute, Monday 1 December, here): day 1 is
// 4 November; 4-7 (4), 10-14 (9), 17-21 (14), 24-28 (19), 2 December (20).
type eventFixture struct {
	db   string
	reqs map[string]campaign.Request // by regime
}

const eventFixtureDue = "2025-12-02"

func newEventFixture(t *testing.T) *eventFixture {
	t.Helper()
	ctx := context.Background()
	f := &eventFixture{db: filepath.Join(t.TempDir(), "foidesk.db"), reqs: map[string]campaign.Request{}}
	st, err := store.Open(ctx, f.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i, regime := range []string{"foia", "eir", "foisa", "eisr"} {
		r, err := storetest.Send(ctx, st, storetest.SentRequest{AuthorityName: fmt.Sprintf("Council %d", i), AuthorityEmail: fmt.Sprintf("foi@council%d.example", i),
			Regime: regime, SentAt: time.Date(2025, 11, 3, 10, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		f.reqs[regime] = r
	}
	return f
}

func (f *eventFixture) cli(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return runCLI(t, append([]string{"--db", f.db}, args...)...)
}

// stored is the request's stored status and due date, and how many facts
// have been recorded about it (undone ones included).
func (f *eventFixture) stored(t *testing.T, regime string) (status, due string, facts int) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, f.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := f.reqs[regime]
	if status, due, err = st.RequestStatus(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	evs, err := st.Events(ctx, store.EventFilter{Kind: "request.fact_recorded", Subject: store.Subject{Request: r.ID}})
	if err != nil {
		t.Fatal(err)
	}
	return status, due, len(evs)
}

var undoNumber = regexp.MustCompile(`--undo (\d+)`)

// record runs 'requests event' for the regime's request, wants it to
// succeed with out containing want, and returns the event number printed.
func (f *eventFixture) record(t *testing.T, regime, want string, args ...string) int64 {
	t.Helper()
	out, errOut, code := f.cli(t, append([]string{"requests", "event", f.reqs[regime].Ref}, args...)...)
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("requests event %v: exit %d, want output with %q\n%s%s", args, code, want, out, errOut)
	}
	m := undoNumber.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no event to undo with in %q", out)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	return n
}

func (f *eventFixture) want(t *testing.T, regime, status, due string) {
	t.Helper()
	if s, d, _ := f.stored(t, regime); s != status || d != due {
		t.Errorf("%s request: stored %s due %q, want %s due %q", regime, s, d, status, due)
	}
}

// A FOIA request's whole life by post, each fact recorded with 'requests
// event', and an undo that puts the request back exactly as it was.
func TestRequestsEventFOIA(t *testing.T) {
	f := newEventFixture(t)
	f.want(t, "foia", store.StatusAwaitingResponse, eventFixtureDue)

	asked := f.record(t, "foia", "now awaiting-clarification, no due date while it stands",
		"clarification-requested", "--at", "2025-11-10", "--note", "letter of 7 Nov")
	f.want(t, "foia", store.StatusAwaitingClarification, "")

	// Answered on Monday 17 November: day 1 is the 18th; 18-21 (4), 24-28
	// (9), St Andrew's substitute skipped, 2-5 December (13), 8-12 (18),
	// 15-16 (20).
	answered := f.record(t, "foia", "now awaiting-response, due 2025-12-16", "clarification-answered", "--at", "2025-11-17T15:30:00Z")

	// A fees notice on the 20th, after two working days of the count (18,
	// 19); paid on the 27th: 18 left from the 27th: 28 (1), 2-5 December
	// (5), 8-12 (10), 15-19 (15), 22-24 (18).
	f.record(t, "foia", "now fee-pending, no due date while it stands", "fees-notice", "--at", "2025-11-20")
	f.record(t, "foia", "now awaiting-response, due 2025-12-24", "fee-paid", "--at", "2025-11-27")

	// s.10(3): to the date the authority names.
	f.record(t, "foia", "now extended, due 2026-01-15", "extended", "--at", "2025-12-01", "--until", "2026-01-15", "--note", "public interest test")
	f.want(t, "foia", store.StatusExtended, "2026-01-15")

	f.record(t, "foia", "now replied, was due 2026-01-15", "response-received", "--at", "2026-01-12")
	f.want(t, "foia", store.StatusReplied, "2026-01-15")

	// The review's 20 working days from Tuesday 13 January: 14-16 (3),
	// 19-23 (8), 26-30 (13), 2-6 February (18), 9-10 (20).
	review := f.record(t, "foia", "now awaiting-review, the review due 2026-02-10", "review-requested", "--at", "2026-01-13")
	f.want(t, "foia", store.StatusAwaitingReview, "2026-02-10")

	show, errOut, code := f.cli(t, "requests", "show", f.reqs["foia"].Ref)
	if code != 0 {
		t.Fatalf("show: %d %s", code, errOut)
	}
	for _, w := range []string{"internal review asked 2026-01-13, due 2026-02-10", "recorded facts", fmt.Sprintf("#%d", review),
		"review-requested", `note "letter of 7 Nov"`, "until 2026-01-15"} {
		if !strings.Contains(show, w) {
			t.Errorf("requests show lacks %q:\n%s", w, show)
		}
	}

	// The clarification request cannot be undone from under its answer.
	if _, errOut, code := f.cli(t, "requests", "event", f.reqs["foia"].Ref, "--undo", fmt.Sprint(asked)); code != 1 ||
		!strings.Contains(errOut, fmt.Sprintf("undo event %d first, then event %d", answered, asked)) {
		t.Errorf("undo from under an answer: exit %d %s", code, errOut)
	}
	f.want(t, "foia", store.StatusAwaitingReview, "2026-02-10")

	// Undone, the request is as it was before the review was asked for.
	out, errOut, code := f.cli(t, "requests", "event", f.reqs["foia"].Ref, "--undo", fmt.Sprint(review))
	if code != 0 || !strings.Contains(out, fmt.Sprintf("event %d undone", review)) || !strings.Contains(out, "now replied, was due 2026-01-15") {
		t.Fatalf("undo: exit %d\n%s%s", code, out, errOut)
	}
	f.want(t, "foia", store.StatusReplied, "2026-01-15")
	js, _, code := f.cli(t, "requests", "show", f.reqs["foia"].Ref, "--json")
	var shown struct {
		Stage    string               `json:"stage"`
		ReviewBy string               `json:"review_by"`
		Facts    []store.RecordedFact `json:"facts"`
	}
	if err := json.Unmarshal([]byte(js), &shown); code != 0 || err != nil {
		t.Fatalf("show --json: %d %v\n%s", code, err, js)
	}
	if len(shown.Facts) != 7 || shown.Facts[6].Event != review || shown.Facts[6].UndoneBy == 0 || shown.Facts[0].Note != "letter of 7 Nov" || shown.Stage != "request" || shown.ReviewBy == "" {
		t.Errorf("show --json: stage %q review by %q facts %+v", shown.Stage, shown.ReviewBy, shown.Facts)
	}
	if _, errOut, code := f.cli(t, "requests", "event", f.reqs["foia"].Ref, "--undo", fmt.Sprint(review)); code != 1 || !strings.Contains(errOut, "already undone") {
		t.Errorf("second undo: exit %d %s", code, errOut)
	}
	// A second response is correspondence: refused, nothing written.
	_, _, before := f.stored(t, "foia")
	if _, errOut, code := f.cli(t, "requests", "event", f.reqs["foia"].Ref, "response-received", "--at", "2026-01-20"); code != 1 || !strings.Contains(errOut, "already answered on 2026-01-12") {
		t.Errorf("second response: exit %d %s", code, errOut)
	}
	if _, _, n := f.stored(t, "foia"); n != before {
		t.Errorf("a refused response wrote %d fact(s)", n-before)
	}
}

// EIR and EISR extend by reg 7 to 40 working days; FOISA has none. A
// withdrawal, undone, restores the extended due date.
func TestRequestsEventExtensionsPerRegime(t *testing.T) {
	f := newEventFixture(t)
	// 40 working days from 3 November 2025, skipping St Andrew's
	// substitute (1 December), Christmas and Boxing Day, 1 and 2 January
	// (2 January is a Scottish bank holiday, which EIR's UK-wide calendar
	// skips too): 4-7 (4), 10-14 (9), 17-21 (14), 24-28 (19), 2-5 December
	// (23), 8-12 (28), 15-19 (33), 22-24 (36), 29-31 (39), 5 January (40).
	for _, regime := range []string{"eir", "eisr"} {
		f.record(t, regime, "now extended, due 2026-01-05", "extended", "--at", "2025-11-20")
	}
	w := f.record(t, "eir", "now withdrawn", "withdrawn", "--at", "2025-12-10", "--note", "by phone")
	f.want(t, "eir", store.StatusWithdrawn, "")
	if out, errOut, code := f.cli(t, "requests", "event", f.reqs["eir"].Ref, "--undo", fmt.Sprint(w)); code != 0 || !strings.Contains(out, "now extended, due 2026-01-05") {
		t.Errorf("undo withdrawal: exit %d\n%s%s", code, out, errOut)
	}
	f.want(t, "eir", store.StatusExtended, "2026-01-05")

	out, errOut, code := f.cli(t, "requests", "event", f.reqs["foisa"].Ref, "extended", "--at", "2025-11-20")
	if code != 1 || !strings.Contains(errOut, "no extension of time is allowed under FOISA") || !strings.Contains(errOut, "nothing was recorded") {
		t.Errorf("FOISA extension: exit %d\n%s%s", code, out, errOut)
	}
	if s, d, n := f.stored(t, "foisa"); s != store.StatusAwaitingResponse || d != eventFixtureDue || n != 0 {
		t.Errorf("after a refused FOISA extension: %s due %s, %d fact(s)", s, d, n)
	}
}

// What the clock cannot use is refused with the reason, and nothing is
// written; what is malformed is a usage error.
func TestRequestsEventRefusals(t *testing.T) {
	f := newEventFixture(t)
	r := f.reqs["eisr"].Ref
	foia := f.reqs["foia"].Ref
	for _, c := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{r, "fee-paid", "--at", "2025-11-20"}, 1, []string{"no fee was pending", "fees-notice first", "nothing was recorded"}},
		{[]string{r, "clarification-answered", "--at", "2025-11-20"}, 1, []string{"no clarification was asked for", "clarification-requested first"}},
		{[]string{r, "review-requested", "--at", "2025-11-20"}, 1, []string{"internal review can be asked for after a response or once the due date has passed"}},
		{[]string{foia, "extended", "--at", "2025-11-20"}, 1, []string{"--until DATE"}},
		{[]string{r, "fees-notice", "--at", "2999-01-04"}, 1, []string{"in the future"}},
		{[]string{r, "fees-notice", "--at", "2025-10-01"}, 1, []string{"before the request reached the authority on 2025-11-03"}},
		{[]string{r, "fees-notice", "--at", "2025-13-01"}, 2, []string{"--at"}},
		{[]string{r, "fees-notice", "--at", "20/11/2025"}, 2, []string{"not a date"}},
		{[]string{r, "fees-notice", "--until", "2025-12-01"}, 2, []string{"--until goes with extended only"}},
		{[]string{r, "extended", "--until", "1 Dec"}, 2, []string{"--until"}},
		{[]string{r, "lost-in-post"}, 2, []string{"unknown fact", "clarification-requested, clarification-answered, fees-notice, fee-paid, extended, response-received, review-requested, withdrawn"}},
		{[]string{r}, 2, []string{"usage"}},
		{[]string{"NOTAREF1", "withdrawn"}, 2, []string{"not a request reference"}},
		{[]string{ref.New(), "withdrawn"}, 1, []string{"not found", "campaign status"}},
		{[]string{r, "--undo", "999"}, 1, []string{"has no event 999"}},
		{[]string{r, "withdrawn", "--undo", "1"}, 2, []string{"--undo EVENT_ID"}},
		{[]string{r, "--undo", "-3"}, 2, []string{"--undo"}},
	} {
		out, errOut, code := f.cli(t, append([]string{"requests", "event"}, c.args...)...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", c.args, code, c.code, out, errOut)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(errOut, w) {
				t.Errorf("%v: error lacks %q: %s", c.args, w, errOut)
			}
		}
	}
	for _, regime := range []string{"eisr", "foia"} {
		if s, d, n := f.stored(t, regime); s != store.StatusAwaitingResponse || d != eventFixtureDue || n != 0 {
			t.Errorf("%s after refusals: %s due %s, %d fact(s) written", regime, s, d, n)
		}
	}
}

// A clarification asked for by email, once a person confirms it, is
// answered with 'requests event REF clarification-answered' just as one
// asked for by post; an answer before confirmation names the message to
// confirm. Recompute then finds nothing to change.
func TestRequestsEventAnswersAClarificationByEmail(t *testing.T) {
	ctx := context.Background()
	f := newEventFixture(t)
	r := f.reqs["foia"]
	st, err := store.Open(ctx, f.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := mail.New(st).RecordMessage(ctx, mail.NewMessage{SHA256: strings.Repeat("ab", 32), Size: 100, Derived: mail.Derived{
		HeaderMessageID: "clar@council0.example", FromAddr: "foi@council0.example", Subject: "RE: [ref: " + r.Ref + "]",
		SentDate: time.Date(2025, 11, 10, 9, 0, 0, 0, time.UTC), RequestID: r.ID, MatchedBy: "subject-ref",
		Kind: mail.KindClarification, KindReason: "asks for clarification"}})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(rec.ID, 10)
	if _, errOut, code := f.cli(t, "requests", "event", r.Ref, "clarification-answered", "--at", "2025-11-17"); code != 1 || !strings.Contains(errOut, "messages classify "+id) {
		t.Errorf("answer before confirmation: exit %d, %s", code, errOut)
	}
	if _, errOut, code := f.cli(t, "messages", "classify", id, "--kind", "clarification-request"); code != 0 {
		t.Fatalf("classify: %d %s", code, errOut)
	}
	f.want(t, "foia", store.StatusAwaitingClarification, "")
	if _, errOut, code := f.cli(t, "requests", "event", r.Ref, "clarification-answered", "--at", "2025-11-07"); code != 1 || !strings.Contains(errOut, "cannot come before the question") {
		t.Errorf("answer before the question: exit %d, %s", code, errOut)
	}
	f.record(t, "foia", "now awaiting-response, due 2025-12-16", "clarification-answered", "--at", "2025-11-17")
	for i := 0; i < 2; i++ {
		if out, errOut, code := f.cli(t, "requests", "recompute"); code != 0 || !strings.Contains(out, "4 request clock(s) derived, 0 changed") || strings.Contains(out, "\r") {
			t.Errorf("recompute %d: %d %q %s", i+1, code, out, errOut)
		}
	}
}
