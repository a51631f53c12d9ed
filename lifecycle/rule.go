package lifecycle

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"foidesk/deadline"
)

// Rule turns facts into a clock with one set of holidays and one receipt
// rule. It is safe for concurrent use.
type Rule struct {
	holidays *deadline.Holidays
	opt      deadline.Options

	mu   sync.Mutex
	cals map[deadline.Regime]*deadline.Calendar
}

// New builds a rule from the holidays in force (the embedded feed, merged
// with [deadline] holidays_file) and the receipt rule.
func New(h *deadline.Holidays, receipt deadline.ReceiptRule) *Rule {
	return &Rule{holidays: h, opt: deadline.Options{ReceiptRule: receipt}, cals: map[deadline.Regime]*deadline.Calendar{}}
}

// Statutory is the rule with the embedded holidays and the statutory
// receipt rule: what a foidesk with no [deadline] settings uses.
func Statutory() *Rule { return New(deadline.EmbeddedHolidays(), deadline.Statutory) }

// Calendar returns the regime's calendar, built once.
func (r *Rule) Calendar(reg deadline.Regime) *deadline.Calendar {
	r.mu.Lock()
	defer r.mu.Unlock()
	cal, ok := r.cals[reg]
	if !ok {
		cal = deadline.NewCalendar(reg, r.holidays)
		r.cals[reg] = cal
	}
	return cal
}

// Clock is a request's clock as Derive found it.
type Clock struct {
	Status    string // one of Stored
	Due       string // YYYY-MM-DD; "" when no due date applies
	RepliedOn string // YYYY-MM-DD of the response that stopped the clock
	// Reason is the fact that put the request where it is, in words: the
	// reason a person sees beside the status.
	Reason string
	// Stage is the count the clock is in: the request's, or an internal
	// review's once one was asked for (Due is then the review's).
	Stage deadline.Stage
	// ReviewBy, once the request is answered (or past due): the last day
	// to ask for an internal review; "" otherwise.
	ReviewBy string
	// Ignored lists the facts the clock could not use and why (a bounce
	// after the authority acknowledged the request).
	Ignored []Ignored
	Detail  Detail
}

// Ignored is a fact the statutory clock could not apply.
type Ignored struct {
	Message int64  // the message it came from, if any
	Event   int64  // the event that recorded it, if a person did
	Text    string // what it was and why it cannot count, in a sentence
	Why     string // why it cannot count, in the engine's words
}

func (ig Ignored) String() string { return ig.Text }

// IgnoredText is the sentences of ignored, for a log or an event.
func IgnoredText(ignored []Ignored) []string {
	var out []string
	for _, ig := range ignored {
		out = append(out, ig.Text)
	}
	return out
}

// Detail is what a derived clock rests on; the store keeps it in the
// request.clock_changed event.
type Detail struct {
	State string `json:"state"`
	// Stage is "review" once an internal review was asked for; the
	// request's own count leaves it empty.
	Stage     string   `json:"stage,omitempty"`
	Received  string   `json:"received_date,omitempty"` // the date the current count runs from
	Predicted bool     `json:"predicted,omitempty"`
	Events    []string `json:"events"`
	Notes     []string `json:"notes,omitempty"`
}

// fact is one deadline event and where it came from.
type fact struct {
	ev      deadline.Event
	what    string
	seq     int
	message int64 // the message it came from
	event   int64 // the event that recorded it
}

// rank orders events on the same date: the delivery first, a clarification
// request before its answer, a fee's notice before its payment, then the
// response, and a request for internal review of it last.
var rank = map[deadline.EventKind]int{
	deadline.Delivered: 0, deadline.Bounced: 1, deadline.Acknowledged: 2,
	deadline.ClarificationRequested: 3, deadline.ClarificationAnswered: 4,
	deadline.FeesNotice: 5, deadline.FeePaid: 6, deadline.Extended: 7, deadline.ResponseReceived: 8,
	deadline.ReviewRequested: 9,
}

// Events turns facts into the deadline engine's events, in the order the
// engine replays them, with a description of each. Auto-replies, temporary
// bounces, clarification requests nobody confirmed and withdrawals are not
// events: they do not move the statutory clock. What a person recorded by
// post or phone is the same event as its mail would be: a clarification
// request recorded stops the clock as a confirmed one does, a response
// recorded stops it as a response message does.
func (r *Rule) Events(f Facts) ([]deadline.Event, []string) {
	facts := r.facts(f)
	evs, whats := make([]deadline.Event, len(facts)), make([]string, len(facts))
	for i, x := range facts {
		evs[i], whats[i] = x.ev, x.what
	}
	return evs, whats
}

func (r *Rule) facts(f Facts) []fact {
	day := deadline.ReceiptDate
	facts := []fact{{ev: deadline.Event{Kind: deadline.Delivered, Date: day(f.SentAt)},
		what: "delivered"}}
	var msg, evID int64 // the source of the facts added next
	add := func(k deadline.EventKind, at time.Time, until deadline.Date, what string) {
		facts = append(facts, fact{ev: deadline.Event{Kind: k, Date: day(at), Until: until}, what: what, seq: len(facts), message: msg, event: evID})
	}
	for _, x := range f.Replies {
		msg, evID = x.MessageID, 0
		at := replyTime(x, f.SentAt)
		what := fmt.Sprintf("message %d", x.MessageID)
		switch {
		case x.Kind == KindBounce && PermanentBounce(x.BounceStatus):
			add(deadline.Bounced, at, 0, what+" (permanent bounce)")
		case x.Kind == KindAck:
			add(deadline.Acknowledged, at, 0, what+" (acknowledgement)")
		case x.Kind == KindClarification && x.Confirmed:
			add(deadline.ClarificationRequested, at, 0, what+" (clarification request, confirmed)")
		case IsResponse(x.Kind):
			add(deadline.ResponseReceived, at, 0, what+" ("+x.Kind+")")
		}
	}
	for _, x := range f.Recorded {
		msg, evID = 0, x.Event
		what := fmt.Sprintf("%s, recorded by %s (event %d)", x.Fact, x.recordedBy(), x.Event)
		switch x.Fact {
		case FactClarificationRequested:
			add(deadline.ClarificationRequested, x.At, 0, what)
		case FactClarificationAnswered:
			add(deadline.ClarificationAnswered, x.At, 0, what)
		case FactResponseReceived:
			add(deadline.ResponseReceived, x.At, 0, what)
		case FactReviewRequested:
			add(deadline.ReviewRequested, x.At, 0, what)
		case FactFeesNotice:
			add(deadline.FeesNotice, x.At, 0, what)
		case FactFeePaid:
			add(deadline.FeePaid, x.At, 0, what)
		case FactExtended:
			if !x.Until.IsZero() {
				what = fmt.Sprintf("extended to %s, recorded by %s (event %d)", x.Until, x.recordedBy(), x.Event)
			}
			add(deadline.Extended, x.At, x.Until, what)
		}
	}
	slices.SortStableFunc(facts, func(a, b fact) int {
		if a.ev.Date != b.ev.Date {
			return int(a.ev.Date - b.ev.Date)
		}
		if ra, rb := rank[a.ev.Kind], rank[b.ev.Kind]; ra != rb {
			return ra - rb
		}
		return a.seq - b.seq
	})
	return facts
}

// Derive computes a sent request's status and due date from its facts. A
// fact the engine cannot apply (a bounce after the authority acknowledged
// the request, an answer dated before its clarification request, an
// extension under FOISA) is left out, and Ignored says so.
func (r *Rule) Derive(f Facts) (Clock, error) {
	regime, err := deadline.ParseRegime(f.Regime)
	if err != nil {
		return Clock{}, fmt.Errorf("request %s: %w", f.Ref, err)
	}
	if f.SentAt.IsZero() {
		return Clock{}, fmt.Errorf("request %s was not delivered: it has no clock", f.Ref)
	}
	facts := r.facts(f)
	cal := r.Calendar(regime)
	var ignored []Ignored
	var cl deadline.Clock
	for {
		evs := make([]deadline.Event, len(facts))
		for i, x := range facts {
			evs[i] = x.ev
		}
		cl, err = cal.Clock(evs, r.opt)
		var ee *deadline.EventError
		if !errors.As(err, &ee) || ee.Index == 0 {
			break
		}
		x := facts[ee.Index]
		ignored = append(ignored, Ignored{Message: x.message, Event: x.event, Why: ee.Err.Error(),
			Text: fmt.Sprintf("%s on %s: %v", x.what, x.ev.Date, ee.Err)})
		facts = slices.Delete(facts, ee.Index, ee.Index+1)
	}
	if err != nil {
		return Clock{}, fmt.Errorf("request %s: %w", f.Ref, err)
	}
	out := Clock{Ignored: ignored, Due: dateString(cl.Due), RepliedOn: dateString(cl.Responded),
		Stage: cl.Stage, ReviewBy: dateString(cl.ReviewBy)}
	switch cl.State {
	case deadline.NotDelivered:
		// The engine keeps the due date the delivery set; a request that
		// never arrived has none, and showing one would suggest it does.
		out.Status, out.Due = NotDelivered, ""
	case deadline.AwaitingClarification:
		out.Status = AwaitingClarification
	case deadline.FeePending:
		out.Status = FeePending
	case deadline.Answered:
		// An internal review's answer, like the request's, awaits a reviewer.
		out.Status = Replied
	case deadline.Running:
		switch {
		case cl.Stage == deadline.StageReview:
			out.Status = AwaitingReview
		case cl.Extended:
			out.Status = Extended
		default:
			out.Status = AwaitingResponse
		}
	default:
		return Clock{}, fmt.Errorf("request %s: the clock is in an unknown state %s", f.Ref, cl.State)
	}
	last := facts[len(facts)-1]
	out.Reason = fmt.Sprintf("%s on %s", last.what, last.ev.Date)
	for _, x := range f.Recorded {
		if x.Fact == FactWithdrawn {
			// The clock is the authority's; a withdrawal ends the
			// requester's interest in it, whatever it says.
			out.Status, out.Due = Withdrawn, ""
			out.Reason = fmt.Sprintf("withdrawn, recorded by %s (event %d) on %s", x.recordedBy(), x.Event, deadline.ReceiptDate(x.At))
		}
	}
	d := Detail{State: cl.State.String(), Received: dateString(cl.Received), Predicted: cl.Predicted, Notes: cl.Notes}
	for _, x := range facts {
		d.Events = append(d.Events, fmt.Sprintf("%s %s: %s", x.ev.Date, x.ev.Kind, x.what))
	}
	if cl.Stage == deadline.StageReview {
		d.Stage = cl.Stage.String()
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
