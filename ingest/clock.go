package ingest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"foidesk/deadline"
	"foidesk/store"
)

// Clocks derives a request's statutory clock from what the store knows
// about it, with the deadline engine: it is the store.ClockRule foidesk
// opens its store with. The facts become deadline events:
//
//   - the request was delivered when the authority's server accepted it
//     (sent_at);
//   - a permanent bounce: not delivered, no clock;
//   - an acknowledgement: nothing moves (but a later bounce can no longer
//     undo the delivery);
//   - a clarification request a person confirmed: the clock stops; the
//     requester's answer (foidesk requests clarified) starts a fresh count
//     from its date;
//   - a response: the clock stops, the request is replied, awaiting review.
//
// Auto-replies, temporary bounces and clarification requests nobody has
// confirmed move nothing. A reply is dated by its Date header, kept within
// [sent, stored]; without one, by when foidesk stored it.
type Clocks struct {
	holidays *deadline.Holidays
	opt      deadline.Options

	mu   sync.Mutex
	cals map[deadline.Regime]*deadline.Calendar
}

// NewClocks builds the rule from the holidays in force (the embedded feed,
// merged with [deadline] holidays_file) and the receipt rule.
func NewClocks(h *deadline.Holidays, rule deadline.ReceiptRule) *Clocks {
	return &Clocks{holidays: h, opt: deadline.Options{ReceiptRule: rule}, cals: map[deadline.Regime]*deadline.Calendar{}}
}

// Calendar returns the regime's calendar, built once.
func (c *Clocks) Calendar(r deadline.Regime) *deadline.Calendar {
	c.mu.Lock()
	defer c.mu.Unlock()
	cal, ok := c.cals[r]
	if !ok {
		cal = deadline.NewCalendar(r, c.holidays)
		c.cals[r] = cal
	}
	return cal
}

// ClockDetail is what a derived clock rests on; it goes into the
// request.clock_changed event.
type ClockDetail struct {
	State     string   `json:"state"`
	Received  string   `json:"received_date,omitempty"` // the date the current count runs from
	Predicted bool     `json:"predicted,omitempty"`
	Events    []string `json:"events"`
	Notes     []string `json:"notes,omitempty"`
}

// clockFact is one deadline event and where it came from.
type clockFact struct {
	ev   deadline.Event
	what string
	seq  int
}

// rank orders events on the same date: the delivery first, a clarification
// request before its answer, and the response last.
var rank = map[deadline.EventKind]int{
	deadline.Delivered: 0, deadline.Bounced: 1, deadline.Acknowledged: 2,
	deadline.ClarificationRequested: 3, deadline.ClarificationAnswered: 4, deadline.ResponseReceived: 5,
}

// replyTime is when a reply was sent, as best known: its Date header when
// that falls between the request's delivery and the reply's storage (a
// wrong clock in either direction is not believed), else when it was stored.
func replyTime(f store.ReplyFact, sentAt time.Time) time.Time {
	t := f.SentDate
	if t.IsZero() || t.After(f.ReceivedAt) {
		t = f.ReceivedAt
	}
	if t.Before(sentAt) {
		t = sentAt
	}
	return t
}

// RequestClock implements store.ClockRule.
func (c *Clocks) RequestClock(f store.ClockFacts) (store.RequestClock, error) {
	regime, err := deadline.ParseRegime(f.Regime)
	if err != nil {
		return store.RequestClock{}, err
	}
	if f.SentAt.IsZero() {
		return store.RequestClock{}, fmt.Errorf("request %s was not delivered: it has no clock", f.Ref)
	}
	day := deadline.ReceiptDate
	facts := []clockFact{{ev: deadline.Event{Kind: deadline.Delivered, Date: day(f.SentAt)},
		what: "delivered " + f.SentAt.UTC().Format(time.RFC3339)}}
	add := func(k deadline.EventKind, at time.Time, what string) {
		facts = append(facts, clockFact{ev: deadline.Event{Kind: k, Date: day(at)}, what: what, seq: len(facts)})
	}
	for _, r := range f.Replies {
		at := replyTime(r, f.SentAt)
		what := fmt.Sprintf("message %d", r.MessageID)
		switch {
		case r.Kind == store.KindBounce && r.Permanent:
			add(deadline.Bounced, at, what+" (permanent bounce)")
		case r.Kind == store.KindAck:
			add(deadline.Acknowledged, at, what+" (acknowledgement)")
		case r.Kind == store.KindClarification && r.Confirmed:
			add(deadline.ClarificationRequested, at, what+" (clarification request, confirmed)")
			for _, a := range f.Answers {
				if a.Message == r.MessageID {
					add(deadline.ClarificationAnswered, a.At, fmt.Sprintf("answer to message %d", r.MessageID))
				}
			}
		case r.Kind == store.KindResponse:
			add(deadline.ResponseReceived, at, what+" (response)")
		}
	}
	slices.SortStableFunc(facts, func(a, b clockFact) int {
		if a.ev.Date != b.ev.Date {
			return int(a.ev.Date - b.ev.Date)
		}
		if ra, rb := rank[a.ev.Kind], rank[b.ev.Kind]; ra != rb {
			return ra - rb
		}
		return a.seq - b.seq
	})
	cal := c.Calendar(regime)
	var ignored []string
	var cl deadline.Clock
	for {
		evs := make([]deadline.Event, len(facts))
		for i, x := range facts {
			evs[i] = x.ev
		}
		cl, err = cal.Clock(evs, c.opt)
		var ee *deadline.EventError
		if !errors.As(err, &ee) || ee.Index == 0 {
			break
		}
		// A fact the clock cannot apply (a bounce after the authority
		// acknowledged the request, an answer dated before its
		// clarification request) is left out and said so.
		x := facts[ee.Index]
		ignored = append(ignored, fmt.Sprintf("%s on %s: %v", x.what, x.ev.Date, ee.Err))
		facts = slices.Delete(facts, ee.Index, ee.Index+1)
	}
	if err != nil {
		return store.RequestClock{}, fmt.Errorf("request %s: %w", f.Ref, err)
	}
	out := store.RequestClock{Ignored: ignored}
	switch {
	case cl.State == deadline.NotDelivered:
		out.Status = store.StatusNotDelivered
	case cl.State == deadline.AwaitingClarification:
		out.Status = store.StatusClarification
	case cl.State == deadline.Answered:
		// The date it was due stays: it says whether the answer was late.
		out.Status, out.Due = store.StatusReplied, dateString(cl.Due)
	default:
		out.Status, out.Due = store.StatusPending, dateString(cl.Due)
	}
	d := ClockDetail{State: cl.State.String(), Received: dateString(cl.Received), Predicted: cl.Predicted, Notes: cl.Notes}
	for _, x := range facts {
		d.Events = append(d.Events, fmt.Sprintf("%s %s: %s", x.ev.Date, x.ev.Kind, x.what))
	}
	out.Detail = d
	return out, nil
}

func dateString(d deadline.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}
