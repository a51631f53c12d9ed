package lifecycle

import (
	"strings"
	"testing"
	"time"

	"foidesk/deadline"
)

func TestPermanentBounce(t *testing.T) {
	for status, want := range map[string]bool{"5.1.1": true, "5.7.1": true, "": true, "4.2.2": false, "4.4.7": false} {
		if got := PermanentBounce(status); got != want {
			t.Errorf("PermanentBounce(%q) = %v, want %v", status, got, want)
		}
	}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// A FOIA request sent on Monday 2 November 2026 is due on Tuesday 1
// December: 30 November, St Andrew's Day, is a bank holiday in Scotland and
// FOIA's calendar skips every nation's.
func TestDeriveStAndrewsDay(t *testing.T) {
	r := Statutory()
	c, err := r.Derive(Facts{Ref: "R", Regime: "foia", SentAt: at("2026-11-02T10:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != AwaitingResponse || c.Due != "2026-12-01" || c.Reason != "delivered on 2026-11-02" {
		t.Errorf("%+v", c)
	}
}

func TestDeriveFactsAndReasons(t *testing.T) {
	r := Statutory()
	sent := at("2026-11-02T10:00:00Z")
	cases := []struct {
		name       string
		f          Facts
		status     string
		due        string
		replied    string
		reason     string
		ignoredHas string
		// ignoredFrom: the source the ignored fact names (Text aside).
		ignoredFrom Ignored
	}{
		{name: "permanent bounce", f: Facts{Replies: []Reply{{MessageID: 3, Kind: KindBounce, BounceStatus: "5.1.1", ReceivedAt: sent.Add(time.Minute)}}},
			status: NotDelivered, reason: "message 3 (permanent bounce) on 2026-11-02"},
		// A bounce that arrives days later: the request never arrived, so
		// it has no due date, whatever the delivery had set.
		{name: "permanent bounce days later", f: Facts{Replies: []Reply{{MessageID: 3, Kind: KindBounce, BounceStatus: "5.1.1", ReceivedAt: sent.Add(72 * time.Hour)}}},
			status: NotDelivered, reason: "message 3 (permanent bounce) on 2026-11-05"},
		{name: "temporary bounce moves nothing", f: Facts{Replies: []Reply{{MessageID: 3, Kind: KindBounce, BounceStatus: "4.4.7", ReceivedAt: sent.Add(time.Hour)}}},
			status: AwaitingResponse, due: "2026-12-01"},
		{name: "bounce after an acknowledgement is ignored", f: Facts{Replies: []Reply{
			{MessageID: 3, Kind: KindAck, ReceivedAt: at("2026-11-03T09:00:00Z")},
			{MessageID: 4, Kind: KindBounce, BounceStatus: "5.1.1", ReceivedAt: at("2026-11-04T09:00:00Z")}}},
			status: AwaitingResponse, due: "2026-12-01", ignoredHas: "message 4 (permanent bounce)", ignoredFrom: Ignored{Message: 4}},
		{name: "unconfirmed clarification moves nothing", f: Facts{Replies: []Reply{{MessageID: 5, Kind: KindClarification, ReceivedAt: at("2026-11-05T09:00:00Z")}}},
			status: AwaitingResponse, due: "2026-12-01"},
		{name: "confirmed clarification stops the clock", f: Facts{Replies: []Reply{{MessageID: 5, Kind: KindClarification, Confirmed: true, ReceivedAt: at("2026-11-05T09:00:00Z")}}},
			status: AwaitingClarification, reason: "message 5 (clarification request, confirmed) on 2026-11-05"},
		{name: "a response dated by its Date header", f: Facts{Replies: []Reply{{MessageID: 6, Kind: KindResponse,
			SentDate: at("2026-11-20T09:00:00Z"), ReceivedAt: at("2026-11-23T09:00:00Z")}}},
			status: Replied, due: "2026-12-01", replied: "2026-11-20"},
		{name: "a Date header after storage is not believed", f: Facts{Replies: []Reply{{MessageID: 6, Kind: KindResponse,
			SentDate: at("2027-01-20T09:00:00Z"), ReceivedAt: at("2026-11-23T09:00:00Z")}}},
			status: Replied, due: "2026-12-01", replied: "2026-11-23"},
		{name: "a refusal is an answer", f: Facts{Replies: []Reply{{MessageID: 7, Kind: KindRefusal, ReceivedAt: at("2026-11-24T09:00:00Z")}}},
			status: Replied, due: "2026-12-01", replied: "2026-11-24", reason: "message 7 (refusal) on 2026-11-24"},
		{name: "already published is an answer", f: Facts{Replies: []Reply{{MessageID: 8, Kind: KindPublished, ReceivedAt: at("2026-11-25T09:00:00Z")}}},
			status: Replied, due: "2026-12-01", replied: "2026-11-25", reason: "message 8 (published) on 2026-11-25"},
		{name: "fees notice pauses", f: Facts{Recorded: []Recorded{{Event: 9, Fact: FactFeesNotice, At: at("2026-11-10T09:00:00Z")}}},
			status: FeePending, reason: "fees-notice, recorded by a person (event 9) on 2026-11-10"},
		{name: "withdrawn", f: Facts{Recorded: []Recorded{{Event: 9, Fact: FactWithdrawn, At: at("2026-11-10T09:00:00Z")}}},
			status: Withdrawn, reason: "withdrawn, recorded by a person (event 9) on 2026-11-10"},
		{name: "FOISA has no extension", f: Facts{Regime: "foisa", Recorded: []Recorded{{Event: 9, Fact: FactExtended, At: at("2026-11-10T09:00:00Z")}}},
			status: AwaitingResponse, due: "2026-12-01", ignoredHas: "no extension", ignoredFrom: Ignored{Event: 9}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := c.f
			f.Ref, f.SentAt = "R", sent
			if f.Regime == "" {
				f.Regime = "foia"
			}
			got, err := r.Derive(f)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != c.status || got.Due != c.due || got.RepliedOn != c.replied {
				t.Errorf("got %s due %q replied %q, want %s due %q replied %q", got.Status, got.Due, got.RepliedOn, c.status, c.due, c.replied)
			}
			if c.reason != "" && got.Reason != c.reason {
				t.Errorf("reason %q, want %q", got.Reason, c.reason)
			}
			if c.ignoredHas != "" && !strings.Contains(strings.Join(IgnoredText(got.Ignored), "\n"), c.ignoredHas) {
				t.Errorf("ignored %q, want one naming %q", got.Ignored, c.ignoredHas)
			}
			if c.ignoredHas != "" && len(got.Ignored) == 1 && (got.Ignored[0].Message != c.ignoredFrom.Message || got.Ignored[0].Event != c.ignoredFrom.Event) {
				t.Errorf("ignored fact from message %d event %d, want message %d event %d",
					got.Ignored[0].Message, got.Ignored[0].Event, c.ignoredFrom.Message, c.ignoredFrom.Event)
			}
			if c.ignoredHas == "" && len(got.Ignored) > 0 {
				t.Errorf("ignored %q", got.Ignored)
			}
		})
	}
	if _, err := r.Derive(Facts{Ref: "R", Regime: "foia"}); err == nil {
		t.Error("a request never delivered has no clock")
	}
	if _, err := r.Derive(Facts{Ref: "R", Regime: "gdpr", SentAt: sent}); err == nil {
		t.Error("an unknown regime was accepted")
	}
}

func TestShow(t *testing.T) {
	r := Statutory()
	d := func(s string) deadline.Date {
		x, err := deadline.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	late := func(n int) *int { return &n }
	cases := []struct {
		q    Request
		on   string
		want string
		late *int
	}{
		{Request{Outbox: "draft"}, "2026-12-01", Draft, nil},
		{Request{Outbox: "queued"}, "2026-12-01", Sending, nil},
		{Request{Outbox: "retry"}, "2026-12-01", Sending, nil},
		{Request{Outbox: "failed"}, "2026-12-01", Failed, nil},
		{Request{Outbox: "unknown"}, "2026-12-01", Unknown, nil},
		{Request{Outbox: "cancelled"}, "2026-12-01", Withdrawn, nil},
		{Request{Outbox: "sent", Regime: "foia", Status: AwaitingResponse, Due: "2026-12-01"}, "2026-12-01", AwaitingResponse, late(0)},
		{Request{Outbox: "sent", Regime: "foia", Status: AwaitingResponse, Due: "2026-12-01"}, "2026-12-02", Overdue, late(1)},
		// Saturday after a Friday due date: overdue, 0 working days late.
		{Request{Outbox: "sent", Regime: "foia", Status: AwaitingResponse, Due: "2026-12-04"}, "2026-12-05", Overdue, late(0)},
		{Request{Outbox: "sent", Regime: "foia", Status: AwaitingResponse, Due: "2026-11-02"}, "2026-12-02", VeryOverdue, late(21)},
		{Request{Outbox: "sent", Regime: "foia", Status: Replied, Due: "2026-12-01", RepliedOn: "2026-12-03"}, "2027-06-01", Replied, late(2)},
		{Request{Outbox: "sent", Regime: "foia", Status: Replied, Due: "2026-12-01", RepliedOn: "2026-11-20"}, "2027-06-01", Replied, late(0)},
		{Request{Outbox: "sent", Regime: "foia", Status: NotDelivered}, "2027-06-01", NotDelivered, nil},
		{Request{Outbox: "sent", Regime: "foia", Status: AwaitingClarification}, "2027-06-01", AwaitingClarification, nil},
		{Request{Outbox: "sent", Regime: "foia", Status: Extended, Due: "2026-12-01"}, "2026-12-02", ExtensionOverdue, late(1)},
		{Request{Outbox: "sent", Regime: "foia", Status: Extended, Due: "2026-12-01"}, "2026-11-20", Extended, late(0)},
		{Request{Outbox: "sent", Regime: "foisa", Status: AwaitingReview, Due: "2026-12-01"}, "2026-12-03", ReviewOverdue, late(2)},
	}
	for _, c := range cases {
		got, err := r.Show(c.q, d(c.on), Thresholds{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != c.want || (got.DaysLate == nil) != (c.late == nil) || (c.late != nil && *got.DaysLate != *c.late) {
			t.Errorf("Show(%+v, %s) = %s late %v, want %s late %v", c.q, c.on, got.Status, deref(got.DaysLate), c.want, deref(c.late))
		}
	}
	if _, err := r.Show(Request{Outbox: "lost"}, d("2026-12-01"), Thresholds{}); err == nil {
		t.Error("an unknown outbox state was accepted")
	}
}

// Due soon, three working days before Friday 4 December 2026: from the
// Tuesday, through the due date, and not for an answered request.
func TestShowDueSoon(t *testing.T) {
	r := Statutory()
	th := Thresholds{DueSoon: 3}
	q := Request{Outbox: "sent", Regime: "foia", Status: AwaitingResponse, Due: "2026-12-04"}
	for on, want := range map[string]string{
		"2026-11-30": AwaitingResponse, // Monday: four working days left
		"2026-12-01": DueSoon,          // Tuesday: three
		"2026-12-04": DueSoon,          // the due date
		"2026-12-07": Overdue,
	} {
		day, err := deadline.ParseDate(on)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Show(q, day, th)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != want {
			t.Errorf("on %s: %s, want %s", on, got.Status, want)
		}
	}
	// Across Christmas, due Tuesday 5 January 2027: Christmas Day, the
	// Boxing Day substitute (Monday 28th), New Year's Day and, for a FOIA
	// calendar, Scotland's 2 January substitute (Monday 4th) are closed, so
	// on 24 December four working days are left (29, 30, 31 December and
	// 5 January) and on the 29th three.
	q.Due = "2027-01-05"
	for on, want := range map[string]string{"2026-12-24": AwaitingResponse, "2026-12-29": DueSoon} {
		day, _ := deadline.ParseDate(on)
		got, err := r.Show(q, day, th)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != want {
			t.Errorf("on %s (due %s): %s, want %s", on, q.Due, got.Status, want)
		}
	}
	q.Status, q.RepliedOn = Replied, "2026-12-02"
	if got, _ := r.Show(q, 0, th); got.Status != Replied {
		t.Errorf("an answered request shows %s", got.Status)
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestEveryStatusIsDescribed(t *testing.T) {
	for _, s := range Statuses {
		if d := Describe(s); d == s || d == "" {
			t.Errorf("status %s has no description", s)
		}
	}
}
