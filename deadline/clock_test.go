package deadline

import (
	"errors"
	"strings"
	"testing"
)

func ev(t testing.TB, k EventKind, date string) Event {
	return Event{Kind: k, Date: mustDate(t, date)}
}

func extendTo(t testing.TB, date, until string) Event {
	return Event{Kind: Extended, Date: mustDate(t, date), Until: mustDate(t, until)}
}

func mustClock(t *testing.T, r Regime, events ...Event) Clock {
	t.Helper()
	cl, err := embeddedCalendars[r].Clock(events, Options{})
	if err != nil {
		t.Fatalf("%s clock: %v", r, err)
	}
	return cl
}

func wantDate(t *testing.T, what string, got Date, want string) {
	t.Helper()
	if want == "" && got.IsZero() {
		return
	}
	if got.String() != want || (want == "" && !got.IsZero()) {
		t.Errorf("%s = %s, want %q", what, got, want)
	}
}

func TestClockDelivery(t *testing.T) {
	none := mustClock(t, FOIA)
	if none.State != NotDelivered || !none.Due.IsZero() {
		t.Errorf("no events: %+v", none)
	}
	cl := mustClock(t, FOIA, ev(t, Delivered, "2026-03-13"))
	if cl.State != Running || cl.WorkingDays != 20 {
		t.Errorf("delivered: %+v", cl)
	}
	wantDate(t, "due", cl.Due, "2026-04-15")
	wantDate(t, "received", cl.Received, "2026-03-13")

	// A bounce means no clock; only a later delivery starts one.
	b := mustClock(t, FOIA, ev(t, Bounced, "2026-03-13"))
	if b.State != NotDelivered || !b.Bounced || !b.Due.IsZero() {
		t.Errorf("bounced: %+v", b)
	}
	if l := embeddedCalendars[FOIA].ClockLateness(b, mustDate(t, "2027-01-01"), 0); l.Overdue {
		t.Errorf("a bounced request shows as overdue: %+v", l)
	}
	// A delivery followed by an asynchronous bounce was never received.
	db := mustClock(t, FOIA, ev(t, Delivered, "2026-03-13"), ev(t, Bounced, "2026-03-14"))
	if db.State != NotDelivered || !db.Bounced {
		t.Errorf("delivered then bounced: %+v", db)
	}
	re := mustClock(t, FOISA, ev(t, Bounced, "2026-03-10"), ev(t, Delivered, "2026-03-13"))
	wantDate(t, "due after resend", re.Due, "2026-04-13")
	if re.Bounced {
		t.Errorf("resent and delivered, still flagged bounced")
	}
	// A second delivery (a duplicate) does not restart the clock.
	dup := mustClock(t, FOIA, ev(t, Delivered, "2026-03-13"), ev(t, Delivered, "2026-03-20"))
	wantDate(t, "due after duplicate delivery", dup.Due, "2026-04-15")
	// An acknowledgement never moves the clock.
	ack := mustClock(t, FOIA, ev(t, Delivered, "2026-03-13"), ev(t, Acknowledged, "2026-03-16"))
	wantDate(t, "due after acknowledgement", ack.Due, "2026-04-15")
	// But after it, a bounce is a contradiction.
	_, err := embeddedCalendars[FOIA].Clock([]Event{ev(t, Delivered, "2026-03-13"), ev(t, Acknowledged, "2026-03-16"), ev(t, Bounced, "2026-03-17")}, Options{})
	if err == nil {
		t.Errorf("bounce after acknowledgement accepted")
	}
}

func TestClockClarification(t *testing.T) {
	stopped := mustClock(t, FOIA, ev(t, Delivered, "2026-03-13"), ev(t, ClarificationRequested, "2026-03-20"))
	if stopped.State != AwaitingClarification || !stopped.Due.IsZero() {
		t.Errorf("awaiting clarification: %+v", stopped)
	}
	// A fresh 20 WD from the clarification: Good Friday and Easter Monday skipped.
	cl := mustClock(t, FOIA, ev(t, Delivered, "2026-03-13"), ev(t, ClarificationRequested, "2026-03-20"), ev(t, ClarificationAnswered, "2026-03-25"))
	wantDate(t, "due", cl.Due, "2026-04-24")
	wantDate(t, "received", cl.Received, "2026-03-25")
	// Under FOISA Easter Monday counts.
	cs := mustClock(t, FOISA, ev(t, Delivered, "2026-03-13"), ev(t, ClarificationRequested, "2026-03-20"), ev(t, ClarificationAnswered, "2026-03-25"))
	wantDate(t, "FOISA due", cs.Due, "2026-04-23")

	_, err := embeddedCalendars[FOIA].Clock([]Event{ev(t, Delivered, "2026-03-13"), ev(t, ClarificationAnswered, "2026-03-25")}, Options{})
	if err == nil || !strings.Contains(err.Error(), "no clarification was asked for") {
		t.Errorf("answer without a question: %v", err)
	}
}

func TestClockFees(t *testing.T) {
	// Delivered Monday 5 October (due 2 November). Fees notice Monday 12
	// October after 4 working days; paid Wednesday 21 October: the 8
	// working days 12-21 October are disregarded.
	paused := mustClock(t, FOIA, ev(t, Delivered, "2026-10-05"), ev(t, FeesNotice, "2026-10-12"))
	if paused.State != FeePending || !paused.Due.IsZero() {
		t.Errorf("fee pending: %+v", paused)
	}
	wantDate(t, "fee deadline", paused.FeeDeadline, "2027-01-12")
	cl := mustClock(t, FOIA, ev(t, Delivered, "2026-10-05"), ev(t, FeesNotice, "2026-10-12"), ev(t, FeePaid, "2026-10-21"))
	wantDate(t, "due", cl.Due, "2026-11-12")
	if cl.PausedDays != 8 || cl.State != Running || !cl.FeeDeadline.IsZero() {
		t.Errorf("after payment: %+v", cl)
	}
	// A notice on day 20 itself still pauses: one day is left after payment.
	last := mustClock(t, FOIA, ev(t, Delivered, "2026-10-05"), ev(t, FeesNotice, "2026-11-02"), ev(t, FeePaid, "2026-11-02"))
	wantDate(t, "due after a same-day payment on day 20", last.Due, "2026-11-03")
	// A notice after the due date is too late to pause.
	late := mustClock(t, FOIA, ev(t, Delivered, "2026-10-05"), ev(t, FeesNotice, "2026-11-03"), ev(t, FeePaid, "2026-11-10"))
	wantDate(t, "due after a late notice", late.Due, "2026-11-02")
	if len(late.Notes) == 0 || !strings.Contains(late.Notes[0], "did not pause") {
		t.Errorf("late fees notice notes: %q", late.Notes)
	}
	// Payment after three months: the clock resumes and the note says the
	// authority need not answer.
	slow := mustClock(t, FOISA, ev(t, Delivered, "2026-10-05"), ev(t, FeesNotice, "2026-10-12"), ev(t, FeePaid, "2027-01-13"))
	if len(slow.Notes) == 0 || !strings.Contains(slow.Notes[0], "three months") {
		t.Errorf("late payment notes: %q", slow.Notes)
	}
}

func TestClockExtensions(t *testing.T) {
	c := embeddedCalendars
	// FOIA public interest extension to the authority's date. The ICO's
	// outer limit is 20 WD past 2 November: 1 December (30 November is St
	// Andrew's Day, a non-working day for FOIA too).
	in := mustClock(t, FOIA, ev(t, Delivered, "2026-10-05"), extendTo(t, "2026-10-30", "2026-11-30"))
	wantDate(t, "due", in.Due, "2026-11-30")
	wantDate(t, "limit", in.Limit, "2026-12-01")
	if !in.Extended || in.BeyondLimit {
		t.Errorf("within guidance: %+v", in)
	}
	out := mustClock(t, FOIA, ev(t, Delivered, "2026-10-05"), extendTo(t, "2026-10-30", "2026-12-04"))
	wantDate(t, "due", out.Due, "2026-12-04")
	if !out.BeyondLimit {
		t.Errorf("extension beyond 20 extra WD not flagged: %+v", out)
	}
	// Notified after day 20: the due date stands.
	late := mustClock(t, FOIA, ev(t, Delivered, "2026-10-05"), extendTo(t, "2026-11-03", "2026-11-30"))
	wantDate(t, "due after late extension", late.Due, "2026-11-02")
	if late.Extended || len(late.Notes) != 1 {
		t.Errorf("late extension: %+v", late)
	}
	if _, err := c[FOIA].Clock([]Event{ev(t, Delivered, "2026-10-05"), ev(t, Extended, "2026-10-30")}, Options{}); err == nil {
		t.Errorf("FOIA extension without a date accepted")
	}
	// EIR reg 7: 40 WD in total.
	eir := mustClock(t, EIR, ev(t, Delivered, "2026-10-05"), ev(t, Extended, "2026-10-20"))
	wantDate(t, "EIR due", eir.Due, "2026-12-01")
	if eir.WorkingDays != 40 || !eir.Extended || eir.BeyondLimit {
		t.Errorf("EIR extension: %+v", eir)
	}
	eirOver := mustClock(t, EIR, ev(t, Delivered, "2026-10-05"), extendTo(t, "2026-10-20", "2026-12-18"))
	wantDate(t, "EIR due when asked beyond 40", eirOver.Due, "2026-12-01")
	if !eirOver.BeyondLimit {
		t.Errorf("EIR extension beyond 40 WD not flagged")
	}
	// EISR: 40 WD on the Scottish calendar.
	eisr := mustClock(t, EISR, ev(t, Delivered, "2026-03-13"), ev(t, Extended, "2026-03-20"))
	if want := c[EISR].AddWorkingDays(mustDate(t, "2026-03-13"), 40); eisr.Due != want {
		t.Errorf("EISR due %s, want %s", eisr.Due, want)
	}
	// FOISA has no extension: an error that says so.
	_, err := c[FOISA].Clock([]Event{ev(t, Delivered, "2026-10-05"), extendTo(t, "2026-10-20", "2026-11-30")}, Options{})
	if !errors.Is(err, ErrNoExtension) || !strings.Contains(err.Error(), "FOISA") || !strings.Contains(err.Error(), "2026-11-02") {
		t.Errorf("FOISA extension: %v", err)
	}
	var ee *EventError
	if !errors.As(err, &ee) || ee.Index != 1 {
		t.Errorf("FOISA extension error does not name event 2: %v", err)
	}
}

func TestClockResponseAndReview(t *testing.T) {
	c := embeddedCalendars
	resp := mustClock(t, FOIA, ev(t, Delivered, "2026-10-05"), ev(t, ResponseReceived, "2026-11-05"))
	if resp.State != Answered {
		t.Errorf("answered: %+v", resp)
	}
	wantDate(t, "responded", resp.Responded, "2026-11-05")
	wantDate(t, "review by", resp.ReviewBy, c[FOIA].AddWorkingDays(mustDate(t, "2026-11-05"), 40).String())
	if l := c[FOIA].ClockLateness(resp, mustDate(t, "2027-06-01"), 0); l.DaysLate != 3 || !l.Overdue || l.VeryOverdue {
		t.Errorf("answered 3 WD late: %+v", l)
	}
	// The review clocks: FOIA 20 (40 at most), EIR 40, FOISA 20, EISR 20.
	events := []Event{ev(t, Delivered, "2026-09-21"), ev(t, ResponseReceived, "2026-10-20"), ev(t, ReviewRequested, "2026-10-26")}
	for r, want := range map[Regime]string{FOIA: "2026-11-23", EIR: "2026-12-22", FOISA: "2026-11-23", EISR: "2026-11-23"} {
		cl, err := c[r].Clock(events, Options{})
		if err != nil {
			t.Fatalf("%s review: %v", r, err)
		}
		if cl.Stage != StageReview || cl.State != Running || cl.Due.String() != want {
			t.Errorf("%s review: stage %s state %s due %s, want due %s", r, cl.Stage, cl.State, cl.Due, want)
		}
		if r == FOIA {
			wantDate(t, "FOIA review limit", cl.Limit, "2026-12-22")
		}
	}
	// Only FOIA's review can be extended, and it is flagged past 40 WD.
	ext := mustClock(t, FOIA, append(events[:3:3], extendTo(t, "2026-11-20", "2026-12-31"))...)
	if ext.Due.String() != "2026-12-31" || !ext.BeyondLimit {
		t.Errorf("FOIA review extension: %+v", ext)
	}
	for _, r := range []Regime{EIR, FOISA, EISR} {
		if _, err := c[r].Clock(append(events[:3:3], ev(t, Extended, "2026-11-02")), Options{}); !errors.Is(err, ErrNoExtension) {
			t.Errorf("%s review extension: %v", r, err)
		}
	}
	// The review's answer starts the appeal window: SIC six months, ICO three.
	done := mustClock(t, FOISA, append(events[:3:3], ev(t, ResponseReceived, "2026-11-30"))...)
	wantDate(t, "FOISA appeal by", done.AppealBy, "2027-05-30")
	doneE := mustClock(t, FOIA, append(events[:3:3], ev(t, ResponseReceived, "2026-11-30"))...)
	wantDate(t, "FOIA appeal by", doneE.AppealBy, "2027-02-28")

	// A review can be asked for when no answer came by the due date, not before.
	if _, err := c[FOISA].Clock([]Event{ev(t, Delivered, "2026-09-21"), ev(t, ReviewRequested, "2026-10-01")}, Options{}); err == nil {
		t.Errorf("review before the due date accepted")
	}
	fail := mustClock(t, FOISA, ev(t, Delivered, "2026-09-21"), ev(t, ReviewRequested, "2026-10-20"))
	if fail.Stage != StageReview || fail.Due.String() != "2026-11-17" {
		t.Errorf("review of a failure to answer: %+v", fail)
	}
	// Asked for after 40 WD: noted, still counted.
	lateReq := mustClock(t, EIR, ev(t, Delivered, "2026-01-05"), ev(t, ResponseReceived, "2026-01-20"), ev(t, ReviewRequested, "2026-06-01"))
	if len(lateReq.Notes) != 1 || !strings.Contains(lateReq.Notes[0], "40 working days") {
		t.Errorf("late review request notes: %q", lateReq.Notes)
	}
}

func TestClockRejectsDisorder(t *testing.T) {
	_, err := embeddedCalendars[FOIA].Clock([]Event{ev(t, Delivered, "2026-10-05"), ev(t, ResponseReceived, "2026-10-01")}, Options{})
	if err == nil || !strings.Contains(err.Error(), "date order") {
		t.Errorf("out-of-order events: %v", err)
	}
	_, err = embeddedCalendars[FOIA].Clock([]Event{ev(t, ResponseReceived, "2026-10-01")}, Options{})
	if err == nil {
		t.Errorf("response without delivery accepted")
	}
}

func TestLateness(t *testing.T) {
	c := embeddedCalendars[FOIA]
	due := mustDate(t, "2026-11-02")
	for _, tc := range []struct {
		on        string
		threshold int
		days      int
		overdue   bool
		very      bool
	}{
		{"2026-11-02", 0, 0, false, false},
		{"2026-10-20", 0, 0, false, false},
		{"2026-11-03", 0, 1, true, false},
		{"2026-11-07", 0, 4, true, false},  // Saturday: overdue, 4 WD late
		{"2026-12-01", 0, 20, true, false}, // the 20th WD past due (St Andrew's Day skipped)
		{"2026-12-02", 0, 21, true, true},
		{"2026-11-09", 5, 5, true, false},
		{"2026-11-10", 5, 6, true, true},
	} {
		l := c.Lateness(due, mustDate(t, tc.on), tc.threshold)
		if l.DaysLate != tc.days || l.Overdue != tc.overdue || l.VeryOverdue != tc.very {
			t.Errorf("on %s (threshold %d): %+v, want %d days late, overdue %v, very %v", tc.on, tc.threshold, l, tc.days, tc.overdue, tc.very)
		}
	}
}

// A holiday proclaimed while requests are running (as in September 2022)
// moves their due dates when the clocks are replayed on the new calendar.
func TestClockRecomputedAfterProclamation(t *testing.T) {
	events := []Event{ev(t, Delivered, "2027-06-01"), ev(t, Acknowledged, "2027-06-02")}
	before := mustClock(t, FOIA, events...)
	u, err := ParseHolidays("proclaimed.json", []byte(worldCup2027))
	if err != nil {
		t.Fatal(err)
	}
	after, err := NewCalendar(FOIA, EmbeddedHolidays().Merge(u)).Clock(events, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if before.Due.String() != "2027-06-29" || after.Due.String() != "2027-06-30" {
		t.Errorf("due before %s, after the proclamation %s; want 2027-06-29 then 2027-06-30", before.Due, after.Due)
	}
}

// Calendars and the embedded holidays are shared across goroutines.
func TestConcurrentUse(t *testing.T) {
	done := make(chan Date)
	for g := 0; g < 8; g++ {
		go func(g int) {
			h := EmbeddedHolidays()
			c := embeddedCalendars[Regimes[g%len(Regimes)]]
			var last Date
			for i := 0; i < 500; i++ {
				last = c.Due(NewDate(2026, 1, 1)+Date(i), 20, Statutory).Due
				h.Lookup(Scotland, last)
			}
			done <- last
		}(g)
	}
	for g := 0; g < 8; g++ {
		if d := <-done; d.IsZero() {
			t.Errorf("goroutine returned no date")
		}
	}
}
