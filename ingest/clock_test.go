package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"foidesk/blob"
	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/mail"
	"foidesk/store/storetest"
)

// clockEnv is a store that derives request clocks with the deadline engine,
// on a clock the test moves.
type clockEnv struct {
	t     *testing.T
	st    *store.Store
	mail  *mail.Store
	proc  *Processor
	blobs blob.Store
	now   time.Time
	path  string
}

func newClockEnv(t *testing.T, clocks *lifecycle.Rule) *clockEnv {
	t.Helper()
	dir := t.TempDir()
	e := &clockEnv{t: t, path: filepath.Join(dir, "foidesk.db"), blobs: blob.Store{Dir: filepath.Join(dir, "data")}}
	e.open(clocks)
	return e
}

func (e *clockEnv) open(clocks *lifecycle.Rule) {
	e.t.Helper()
	if e.st != nil {
		e.st.Close()
	}
	st, err := store.Open(context.Background(), e.path, store.Options{Lifecycle: clocks, Now: func() time.Time { return e.now }})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { st.Close() })
	e.st = st
	e.mail = mail.New(st)
	e.proc = &Processor{Store: e.mail, Blobs: e.blobs, Log: quietLog()}
}

// at moves the test's clock.
func (e *clockEnv) at(rfc3339 string) {
	e.t.Helper()
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		e.t.Fatal(err)
	}
	e.now = t
}

func (e *clockEnv) request(f storetest.SentRequest) campaign.Request {
	e.t.Helper()
	r, err := storetest.Send(context.Background(), e.st, f)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// reply ingests a reply to r from its authority, dated date, with body.
func (e *clockEnv) reply(r campaign.Request, from, id, date, body string) Result {
	e.t.Helper()
	raw := "From: FOI Officer <" + from + ">\r\nTo: jo.bloggs@campaign.example\r\n" +
		"Subject: RE: Freedom of Information request [ref: " + r.Ref + "]\r\n" +
		"Date: " + date + "\r\nMessage-ID: <" + id + ">\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
	sum, size, err := e.blobs.Put(bytes.NewReader([]byte(raw)))
	if err != nil {
		e.t.Fatal(err)
	}
	res, err := e.proc.Record(context.Background(), sum, size, mail.Location{})
	if err != nil {
		e.t.Fatal(err)
	}
	if res.Ref != r.Ref {
		e.t.Fatalf("reply %s matched %q, want %s", id, res.Ref, r.Ref)
	}
	return res
}

// want checks a request's status and due date.
func (e *clockEnv) want(r campaign.Request, status, due, when string) {
	e.t.Helper()
	s, d, err := e.st.RequestStatus(context.Background(), r.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	if s != status || d != due {
		e.t.Errorf("%s: request %s is %s due %q, want %s due %q", when, r.Ref, s, d, status, due)
	}
}

func (e *clockEnv) clockEvents(r campaign.Request) []store.Event {
	e.t.Helper()
	evs, err := e.st.Events(context.Background(), store.EventFilter{Kind: "request.clock_changed", Subject: store.Subject{Request: r.ID}})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

func (e *clockEnv) allEvents() int {
	e.t.Helper()
	evs, err := e.st.Events(context.Background(), store.EventFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(evs)
}

// engineDue is the due date the engine gives for a count from received.
func engineDue(t *testing.T, r deadline.Regime, received string) string {
	t.Helper()
	d, err := deadline.ParseDate(received)
	if err != nil {
		t.Fatal(err)
	}
	return deadline.NewCalendar(r, deadline.EmbeddedHolidays()).Due(d, 20, deadline.Statutory).Due.String()
}

const clarifyBody = "Dear Jo Bloggs,\r\n\r\nBefore we can respond, could you please clarify whether your request covers children's services only?\r\n"

// A FOIA request sent on Friday 13 March 2026 is due on 15 April: the
// union calendar skips St Patrick's Day (17 March, Northern Ireland), Good
// Friday and Easter Monday. A confirmed clarification request stops the
// clock; the answer on 25 March starts a fresh 20 working days; a
// correction that un-confirms the clarification gives the first due date
// back.
func TestClockClarificationStopsAndAnswerRestarts(t *testing.T) {
	ctx := context.Background()
	e := newClockEnv(t, lifecycle.Statutory())
	e.at("2026-03-13T12:00:00Z")
	r := e.request(storetest.SentRequest{AuthorityName: "Northshire Council", AuthorityEmail: "foi@northshire.gov.uk",
		SentAt: mustTime("2026-03-13T10:00:00Z")})
	if got := engineDue(t, deadline.FOIA, "2026-03-13"); got != "2026-04-15" {
		t.Fatalf("engine: FOIA due %s for 2026-03-13, want 2026-04-15", got)
	}
	// The mailer's due date is the derivation's: nothing to change.
	if st, err := e.st.RecomputeClocks(ctx); err != nil || st.Requests != 1 || st.Changed != 0 {
		t.Fatalf("recompute after sending: %+v %v", st, err)
	}

	// An acknowledgement and an out-of-office move nothing.
	e.at("2026-03-16T09:30:00Z")
	e.reply(r, "foi@northshire.gov.uk", "ack-1@northshire.gov.uk", "Mon, 16 Mar 2026 09:00:00 +0000",
		"Thank you for your request, which we received on 13 March. Our ref: FOI/2026/0042. We will respond within 20 working days.")
	e.want(r, store.StatusAwaitingResponse, "2026-04-15", "after the acknowledgement")

	// Triage thinks it is a clarification request; until a person confirms
	// it, the clock runs.
	e.at("2026-03-20T10:00:00Z")
	clar := e.reply(r, "foi@northshire.gov.uk", "clar-1@northshire.gov.uk", "Fri, 20 Mar 2026 09:00:00 +0000", clarifyBody)
	if clar.Kind != mail.KindClarification {
		t.Fatalf("kind %s, want %s", clar.Kind, mail.KindClarification)
	}
	e.want(r, store.StatusAwaitingResponse, "2026-04-15", "before a person confirmed the clarification")
	if evs := e.clockEvents(r); len(evs) != 0 {
		t.Errorf("%d clock events before anything changed", len(evs))
	}

	// A person confirms it: the clock stops.
	e.at("2026-03-20T11:00:00Z")
	if err := e.mail.Classify(ctx, clar.MessageID, mail.KindClarification, "they do ask"); err != nil {
		t.Fatal(err)
	}
	e.want(r, store.StatusAwaitingClarification, "", "after confirming the clarification")
	evs := e.clockEvents(r)
	if len(evs) != 1 || evs[0].Subject.Message != clar.MessageID {
		t.Fatalf("clock events after confirmation: %+v", evs)
	}
	var detail struct {
		From, To, Because string
		DueFrom           *string `json:"due_from"`
		Due               *string
		Clock             lifecycle.Detail
	}
	if err := json.Unmarshal(evs[0].Detail, &detail); err != nil {
		t.Fatal(err)
	}
	if detail.From != store.StatusAwaitingResponse || detail.To != store.StatusAwaitingClarification || detail.DueFrom == nil || *detail.DueFrom != "2026-04-15" ||
		detail.Due != nil || detail.Clock.State != "awaiting-clarification" || !strings.Contains(detail.Because, "a person") {
		t.Errorf("event detail: %s", evs[0].Detail)
	}

	// The requester answers on Wednesday 25 March: day 1 is 26 March, and
	// with Good Friday and Easter Monday skipped the 20th working day is
	// Friday 24 April.
	e.at("2026-03-25T16:00:00Z")
	c, err := e.st.RecordFact(ctx, r.Ref, store.Fact{Fact: lifecycle.FactClarificationAnswered, At: time.Date(2026, 3, 25, 14, 30, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	want := engineDue(t, deadline.FOIA, "2026-03-25")
	if want != "2026-04-24" || c.Clock.Due != want || c.Clock.Status != store.StatusAwaitingResponse {
		t.Errorf("after the answer: %+v; engine says %s, by hand 2026-04-24", c.Clock, want)
	}
	e.want(r, store.StatusAwaitingResponse, "2026-04-24", "after the answer")
	if evs, _ := e.st.Events(ctx, store.EventFilter{Kind: "request.fact_recorded", Subject: store.Subject{Request: r.ID}}); len(evs) != 1 || evs[0].ID != c.Event {
		t.Errorf("fact_recorded events: %+v", evs)
	}

	// Recording the answer again is refused: no clarification is waiting.
	// Undoing it and recording it again corrects its date.
	e.at("2026-03-26T16:00:00Z")
	if _, err := e.st.RecordFact(ctx, r.Ref, store.Fact{Fact: lifecycle.FactClarificationAnswered, At: time.Date(2026, 3, 26, 9, 0, 0, 0, time.UTC)}); err == nil ||
		!strings.Contains(err.Error(), "no clarification was asked for") {
		t.Errorf("a second answer: %v", err)
	}
	if _, err := e.st.UndoFact(ctx, r.Ref, c.Event); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.RecordFact(ctx, r.Ref, store.Fact{Fact: lifecycle.FactClarificationAnswered, At: time.Date(2026, 3, 26, 9, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	e.want(r, store.StatusAwaitingResponse, engineDue(t, deadline.FOIA, "2026-03-26"), "after correcting the answer's date")

	// A person decides it was not a clarification request after all: the
	// clock ran all along, from the delivery.
	e.at("2026-03-27T09:00:00Z")
	if err := e.mail.Classify(ctx, clar.MessageID, mail.KindAutoReply, "a chaser template, not a question"); err != nil {
		t.Fatal(err)
	}
	e.want(r, store.StatusAwaitingResponse, "2026-04-15", "after un-confirming the clarification")
	// And changes their mind back: the recorded answer still stands.
	if err := e.mail.Classify(ctx, clar.MessageID, mail.KindClarification, "it was one"); err != nil {
		t.Fatal(err)
	}
	e.want(r, store.StatusAwaitingResponse, engineDue(t, deadline.FOIA, "2026-03-26"), "after confirming it again")

	// The response stops the clock; the date it was due by stays.
	e.at("2026-04-20T10:00:00Z")
	e.reply(r, "foi@northshire.gov.uk", "resp-1@northshire.gov.uk", "Mon, 20 Apr 2026 09:00:00 +0000",
		"Please find attached our policy on recording meetings.")
	e.want(r, store.StatusReplied, engineDue(t, deadline.FOIA, "2026-03-26"), "after the response")

	// Recompute is idempotent: nothing changed, nothing written.
	before := e.allEvents()
	for i := 0; i < 2; i++ {
		st, err := e.st.RecomputeClocks(ctx)
		if err != nil || st.Requests != 1 || st.Changed != 0 {
			t.Errorf("recompute %d: %+v %v", i+1, st, err)
		}
	}
	if n := e.allEvents(); n != before {
		t.Errorf("recompute wrote %d event(s)", n-before)
	}
}

// An answer is refused, and nothing written, when there is no confirmed
// clarification request, when it predates the clarification request, or
// when it is in the future.
func TestClockRefusesAnswersItCannotUse(t *testing.T) {
	ctx := context.Background()
	e := newClockEnv(t, lifecycle.Statutory())
	e.at("2026-03-20T10:00:00Z")
	r := e.request(storetest.SentRequest{AuthorityName: "Eastfield Borough Council", AuthorityEmail: "foi@eastfield.gov.uk",
		SentAt: mustTime("2026-03-13T10:00:00Z")})
	count := func() int {
		evs, _ := e.st.Events(ctx, store.EventFilter{Kind: "request.fact_recorded"})
		return len(evs)
	}
	answer := func(token string, at time.Time) error {
		_, err := e.st.RecordFact(ctx, token, store.Fact{Fact: lifecycle.FactClarificationAnswered, At: at})
		return err
	}
	if err := answer(r.Ref, e.now); err == nil || !strings.Contains(err.Error(), "messages classify") {
		t.Errorf("answer without a clarification request: %v", err)
	}
	clar := e.reply(r, "foi@eastfield.gov.uk", "clar-2@eastfield.gov.uk", "Fri, 20 Mar 2026 09:00:00 +0000", clarifyBody)
	if err := answer(r.Ref, e.now); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("messages classify %d", clar.MessageID)) {
		t.Errorf("answer to a clarification request nobody confirmed: %v", err)
	}
	if err := e.mail.Classify(ctx, clar.MessageID, mail.KindClarification, ""); err != nil {
		t.Fatal(err)
	}
	if err := answer(r.Ref, time.Date(2026, 3, 18, 12, 0, 0, 0, time.UTC)); err == nil || !strings.Contains(err.Error(), "cannot come before the question") {
		t.Errorf("answer dated before the clarification request: %v", err)
	}
	if err := answer(r.Ref, e.now.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "future") {
		t.Errorf("answer in the future: %v", err)
	}
	if n := count(); n != 0 {
		t.Errorf("%d fact_recorded event(s) written by refused answers", n)
	}
	e.want(r, store.StatusAwaitingClarification, "", "after refused answers")
	if err := answer("AAAAAAAA", e.now); err == nil {
		t.Errorf("unknown request accepted")
	}
}

// Under FOISA only Scottish holidays count: a request sent on the same
// day as the FOIA one above is due two days earlier (St Patrick's Day and
// Easter Monday are working days in Scotland; Good Friday is not). The
// delivery derives it; a recompute finds nothing to change.
func TestClockFOISA(t *testing.T) {
	ctx := context.Background()
	e := newClockEnv(t, lifecycle.Statutory())
	e.at("2026-03-13T12:00:00Z")
	r := e.request(storetest.SentRequest{AuthorityName: "Glenburn Council", AuthorityEmail: "foi@glenburn.gov.scot",
		SentAt: mustTime("2026-03-13T10:00:00Z"), Regime: "foisa"})
	if got := engineDue(t, deadline.FOISA, "2026-03-13"); got != "2026-04-13" {
		t.Fatalf("engine: FOISA due %s for 2026-03-13, by hand 2026-04-13", got)
	}
	e.want(r, store.StatusAwaitingResponse, "2026-04-13", "after delivery")
	before := e.allEvents()
	if st, err := e.st.RecomputeClocks(ctx); err != nil || st.Requests != 1 || st.Changed != 0 || e.allEvents() != before {
		t.Errorf("recompute: %+v %v, %d new event(s)", st, err, e.allEvents()-before)
	}

	e.at("2026-03-20T10:00:00Z")
	clar := e.reply(r, "foi@glenburn.gov.scot", "clar-3@glenburn.gov.scot", "Fri, 20 Mar 2026 09:00:00 +0000", clarifyBody)
	if err := e.mail.Classify(ctx, clar.MessageID, mail.KindClarification, ""); err != nil {
		t.Fatal(err)
	}
	e.want(r, store.StatusAwaitingClarification, "", "after confirming the clarification")
	e.at("2026-03-25T18:00:00Z")
	if _, err := e.st.RecordFact(ctx, r.Ref, store.Fact{Fact: lifecycle.FactClarificationAnswered, At: e.now}); err != nil {
		t.Fatal(err)
	}
	// Day 1 is 26 March; Good Friday (3 April) is skipped, Easter Monday
	// counts: the 20th working day is Thursday 23 April.
	if got := engineDue(t, deadline.FOISA, "2026-03-25"); got != "2026-04-23" {
		t.Errorf("engine: FOISA due %s for 2026-03-25, by hand 2026-04-23", got)
	}
	e.want(r, store.StatusAwaitingResponse, "2026-04-23", "after the answer")
}

// A permanent bounce stops the clock before it starts; a person's
// correction brings the due date back. A response moved to another
// request by a person re-derives both requests.
func TestClockBounceAndReassignment(t *testing.T) {
	ctx := context.Background()
	e := newClockEnv(t, lifecycle.Statutory())
	e.at("2026-11-10T09:00:00Z")
	reqs := map[string]campaign.Request{}
	for i, f := range fixtureRequests[:2] {
		reqs[f.ref] = e.request(storetest.SentRequest{AuthorityName: f.authority, AuthorityEmail: f.email, Ref: f.ref,
			MessageID: fixtureMessageID(i, f.ref), SentAt: mustTime("2026-11-02T10:00:00Z")})
	}
	// 30 November 2026 is St Andrew's Day, a Scottish bank holiday: under
	// FOIA's union calendar the 20th working day is 1 December.
	if got := engineDue(t, deadline.FOIA, "2026-11-02"); got != "2026-12-01" {
		t.Fatalf("engine: %s", got)
	}
	a, b := reqs["K7QW3MP0"], reqs["B4XN9TRS"]
	sum, size, err := e.blobs.Put(bytes.NewReader(readFixture(t, "postfix_dsn_permanent.eml")))
	if err != nil {
		t.Fatal(err)
	}
	bounce, err := e.proc.Record(ctx, sum, size, mail.Location{})
	if err != nil || bounce.Ref != a.Ref {
		t.Fatalf("bounce: %+v %v", bounce, err)
	}
	e.want(a, store.StatusNotDelivered, "", "after a permanent bounce")
	if err := e.mail.Classify(ctx, bounce.MessageID, mail.KindAutoReply, "false alarm"); err != nil {
		t.Fatal(err)
	}
	e.want(a, store.StatusAwaitingResponse, "2026-12-01", "after correcting the bounce")

	resp := e.reply(a, "foi@northshire.gov.uk", "resp-2@northshire.gov.uk", "Mon, 9 Nov 2026 15:00:00 +0000", "Please find our policy attached.")
	e.want(a, store.StatusReplied, "2026-12-01", "after the response")
	if _, err := e.mail.Assign(ctx, resp.MessageID, b.Ref, "test"); err != nil {
		t.Fatal(err)
	}
	e.want(a, store.StatusAwaitingResponse, "2026-12-01", "after its response was moved away")
	e.want(b, store.StatusReplied, "2026-12-01", "after the response was moved to it")
}

// A holidays file that adds a day moves every open due date over it, once.
func TestClockRecomputeAfterHolidaysChange(t *testing.T) {
	ctx := context.Background()
	e := newClockEnv(t, lifecycle.Statutory())
	e.at("2026-03-14T12:00:00Z")
	r := e.request(storetest.SentRequest{AuthorityName: "Southvale Council", AuthorityEmail: "foi@southvale.gov.uk",
		SentAt: mustTime("2026-03-13T10:00:00Z")})
	u, err := deadline.ParseHolidays("extra.json", []byte(`{"england-and-wales": {"division": "england-and-wales", "events": [{"title": "A proclaimed holiday", "date": "2026-04-01", "notes": "", "bunting": true}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	e.open(lifecycle.New(deadline.EmbeddedHolidays().Merge(u), deadline.Statutory))
	if st, err := e.st.RecomputeClocks(ctx); err != nil || st.Changed != 1 {
		t.Fatalf("recompute: %+v %v", st, err)
	}
	e.want(r, store.StatusAwaitingResponse, "2026-04-16", "after a holiday was added")
	if st, err := e.st.RecomputeClocks(ctx); err != nil || st.Changed != 0 {
		t.Errorf("second recompute: %+v %v", st, err)
	}
	if evs := e.clockEvents(r); len(evs) != 1 || !strings.Contains(string(evs[0].Detail), `"because":"recompute"`) {
		t.Errorf("clock events: %v", evs)
	}
}
