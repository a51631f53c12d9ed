package deadline

import (
	"errors"
	"fmt"
)

// EventKind is something that happened to a request and may move its clock.
type EventKind uint8

const (
	// Delivered: the authority's mail server accepted the request. The
	// clock starts with that date as the date of receipt. A later delivery
	// of the same request (a resend) does not restart it.
	Delivered EventKind = iota + 1
	// Bounced: delivery failed, so the request was never received and no
	// clock runs until a delivery. Valid only before the authority has
	// done anything with the request.
	Bounced
	// Acknowledged: an acknowledgement or out-of-office reply. It never
	// moves the clock; it is an event so callers can pass every event.
	Acknowledged
	// ClarificationRequested: the authority asked what the requester
	// meant (s.1(3) FOIA, reg 9 EIR, s.1(3) FOISA, reg 9 EISR). The clock
	// stops.
	ClarificationRequested
	// ClarificationAnswered: the authority received the clarification. A
	// fresh count starts from that date.
	ClarificationAnswered
	// FeesNotice: the authority asked for a fee (s.9 FOIA, s.9 FOISA) or a
	// charge in advance (reg 8 EIR/EISR). The clock pauses.
	FeesNotice
	// FeePaid: the authority received the fee. The clock resumes; the
	// working days from the notice to the payment, both included, are
	// disregarded (s.10(2)).
	FeePaid
	// Extended: the authority extended the time. FOIA: a public interest
	// extension (s.10(3)) to the date in Until, which is required. EIR and
	// EISR: reg 7, to 40 working days in total; Until, if given, is checked
	// against that. FOISA: there is no extension, and the event is an error.
	Extended
	// ResponseReceived: the authority answered. The clock stops.
	ResponseReceived
	// ReviewRequested: the requester asked for an internal review. A new
	// clock starts: FOIA 20 WD (40 at most, ICO guidance), EIR 40 WD (reg
	// 11(4)), FOISA 20 WD (s.21(1)), EISR 20 WD (reg 16(4)).
	ReviewRequested
	numEventKinds
)

var eventKindNames = [...]string{"", "delivered", "bounced", "acknowledged", "clarification-requested",
	"clarification-answered", "fees-notice", "fee-paid", "extended", "response-received", "review-requested"}

// String returns the kind's name, e.g. "fees-notice".
func (k EventKind) String() string {
	if k > 0 && k < numEventKinds {
		return eventKindNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", k)
}

// ParseEventKind reads a kind's name as String writes it.
func ParseEventKind(s string) (EventKind, error) {
	for i := 1; i < len(eventKindNames); i++ {
		if s == eventKindNames[i] {
			return EventKind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown event %q", s)
}

// Event is one thing that happened to a request, on a Europe/London date
// (use ReceiptDate to get it from an instant).
type Event struct {
	Kind  EventKind
	Date  Date
	Until Date // Extended only: the date the authority extended to
}

// Stage is which count the clock is in.
type Stage uint8

const (
	StageRequest Stage = iota // the request itself
	StageReview               // an internal review
)

// String returns "request" or "review".
func (s Stage) String() string {
	if s == StageReview {
		return "review"
	}
	return "request"
}

// MarshalText writes the stage's name.
func (s Stage) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// State is whether and why the clock runs.
type State uint8

const (
	NotDelivered          State = iota // no delivery yet, or it bounced: no clock
	Running                            // a due date applies
	AwaitingClarification              // stopped until the requester clarifies
	FeePending                         // paused until the fee is paid
	Answered                           // the authority responded
)

var stateNames = [...]string{"not-delivered", "running", "awaiting-clarification", "fee-pending", "answered"}

// String returns the state's name, e.g. "awaiting-clarification".
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", s)
}

// MarshalText writes the state's name.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Options tune a clock. The zero value is the statute: 20 working days, the
// statutory receipt rule.
type Options struct {
	WorkingDays int // the request's period; 0 means DefaultWorkingDays
	ReceiptRule ReceiptRule
}

// Clock is a request's clock after its events. Zero Dates are unset.
type Clock struct {
	Regime Regime `json:"regime"`
	Stage  Stage  `json:"stage"`
	State  State  `json:"state"`
	// Bounced: the last delivery attempt bounced and none has succeeded
	// since; show "not delivered", never "overdue".
	Bounced bool `json:"bounced,omitempty"`
	// Received is the date of receipt the current count runs from: of
	// the request, of the clarification, or of the review request.
	Received Date `json:"received_date,omitempty"`
	// Due is the date the answer is due; zero when no clock runs (not
	// delivered, awaiting clarification, fee pending).
	Due Date `json:"due,omitempty"`
	// WorkingDays is the current count's length before any pause: 20, or
	// 40 after an EIR/EISR extension or for an EIR review.
	WorkingDays int `json:"working_days,omitempty"`
	// Extended: an extension applies to Due.
	Extended bool `json:"extended,omitempty"`
	// Limit is the outer limit guidance sets, where one applies: FOIA
	// public interest extension, 20 working days past the ordinary due
	// date; FOIA internal review, 40 working days; EIR/EISR extension, the
	// 40th working day.
	Limit Date `json:"limit,omitempty"`
	// BeyondLimit: the authority set a date past Limit (FOIA), or asked for
	// more than reg 7 allows (EIR/EISR, where Due stays at the limit).
	BeyondLimit bool `json:"beyond_limit,omitempty"`
	// PausedDays counts the working days disregarded while a fee was due.
	PausedDays int `json:"paused_days,omitempty"`
	// FeeDeadline: while a FOIA or FOISA fee is pending, the last day to pay
	// (three months from the notice, s.9(2) FOIA, s.9(4) FOISA).
	FeeDeadline Date `json:"fee_deadline,omitempty"`
	// Responded is the date of the response that stopped the clock.
	Responded Date `json:"responded,omitempty"`
	// ReviewBy is the last day to ask for an internal review: 40 working
	// days after the response (or after the due date, when none came).
	// Statutory under EIR, FOISA and EISR; the s.45 Code's figure for FOIA.
	ReviewBy Date `json:"review_by,omitempty"`
	// AppealBy, after a review's response: the last day to complain to the
	// regulator (SIC: six months, s.47(4) FOISA; ICO: three months, its
	// published practice).
	AppealBy Date `json:"appeal_by,omitempty"`
	// Predicted: a year in the count has no published holidays for one of
	// the regime's nations.
	Predicted bool `json:"predicted,omitempty"`
	// Notes say, in a sentence each, why the clock is as it is where an
	// event did not do what its kind suggests (an extension notified too
	// late, a review asked for after the limit).
	Notes []string `json:"notes,omitempty"`
}

// ErrNoExtension is returned (wrapped in an *EventError) for an extension
// under a regime or stage that allows none: FOISA, and internal reviews
// other than FOIA's.
var ErrNoExtension = errors.New("no extension of time is allowed")

// EventError is an event the clock cannot apply: out of order, impossible
// in the state the clock is in, or not allowed under the regime.
type EventError struct {
	Index int // into the events passed
	Event Event
	Err   error
}

func (e *EventError) Error() string {
	return fmt.Sprintf("event %d (%s on %s): %v", e.Index+1, e.Event.Kind, e.Event.Date, e.Err)
}

func (e *EventError) Unwrap() error { return e.Err }

// reviewDays is the statutory (or, for FOIA, guidance) period for an
// internal review's answer.
func reviewDays(r Regime) int {
	if r == EIR {
		return 40
	}
	return 20
}

// extendedDays is the whole period after an EIR or EISR reg 7 extension.
const extendedDays = 40

// clockRun is the replay's working state.
type clockRun struct {
	c    *Calendar
	opt  Options
	cl   Clock
	n    int  // the request's period
	from Date // the count's anchor: day 0, or the day a fee was paid
	left int  // working days still to count after from
	// touched: the authority has done something since delivery, so a
	// bounce can no longer be about this delivery.
	touched   bool
	pauseFrom Date
	// lateFee: a fees notice came after the due date and did not pause.
	lateFee bool
	// fixed: a FOIA extension's date, which need not be a working day.
	fixed Date
	// lo is the earliest date the clock depends on, for Predicted.
	lo Date
}

// Clock replays events, in date order, into the request's current clock.
// It is a pure function of (regime, events, calendar, options): store the
// events and call it again whenever the calendar changes. An event it
// cannot apply is an *EventError saying why.
func (c *Calendar) Clock(events []Event, opt Options) (Clock, error) {
	r := clockRun{c: c, opt: opt, n: opt.WorkingDays, cl: Clock{Regime: c.regime}}
	if r.n == 0 {
		r.n = DefaultWorkingDays
	}
	if r.n < 0 {
		return Clock{}, fmt.Errorf("working days must be at least 1, not %d", r.n)
	}
	for i, e := range events {
		if i > 0 && e.Date < events[i-1].Date {
			return Clock{}, &EventError{i, e, fmt.Errorf("it is dated before the event it follows (%s on %s); events must be in date order", events[i-1].Kind, events[i-1].Date)}
		}
		if err := r.apply(e); err != nil {
			return Clock{}, &EventError{i, e, err}
		}
	}
	cl := r.cl
	if cl.State == Running {
		cl.Due = r.due()
		if cl.Extended && cl.Limit.IsZero() && c.regime != FOIA {
			cl.Limit = cl.Due
		}
	}
	if end := max(cl.Due, cl.Responded, cl.ReviewBy, r.lo); r.lo != 0 {
		cl.Predicted = c.Predicted(r.lo, end)
	}
	return cl, nil
}

func (r *clockRun) start(received Date, n int) {
	r.cl.Received = received
	r.from = r.c.countedFrom(received, r.opt.ReceiptRule)
	r.left = n
	r.cl.WorkingDays = n
	r.cl.State = Running
	r.cl.Due, r.cl.Extended, r.cl.Limit, r.cl.BeyondLimit = 0, false, 0, false
	r.cl.Responded, r.cl.ReviewBy = 0, 0
	r.fixed = 0
	if r.lo == 0 {
		r.lo = received
	}
}

// due is the current due date of a running clock.
func (r *clockRun) due() Date {
	if r.fixed != 0 {
		return r.fixed
	}
	return r.c.AddWorkingDays(r.from, r.left)
}

// startReview starts an internal review's count on date.
func (r *clockRun) startReview(date Date) {
	r.cl.Stage = StageReview
	r.start(date, reviewDays(r.cl.Regime))
	if r.cl.Regime == FOIA {
		r.cl.Limit = r.c.AddWorkingDays(r.from, 40)
	}
}

func (r *clockRun) note(format string, a ...any) {
	r.cl.Notes = append(r.cl.Notes, fmt.Sprintf(format, a...))
}

func (r *clockRun) apply(e Event) error {
	cl := &r.cl
	switch e.Kind {
	case Delivered:
		if cl.State == NotDelivered {
			r.start(e.Date, r.n)
			cl.Bounced, r.touched = false, false
		}
	case Bounced:
		switch {
		case cl.State == NotDelivered:
			cl.Bounced = true
		case cl.State == Running && cl.Stage == StageRequest && !r.touched:
			r.cl = Clock{Regime: cl.Regime, Bounced: true, Notes: cl.Notes}
			r.lo = 0
		default:
			return errors.New("a bounce after the authority has acted on the request cannot undo its delivery")
		}
	case Acknowledged:
		r.touched = true
	case ClarificationRequested:
		if cl.State != Running {
			return fmt.Errorf("clarification can only be asked for while the clock runs, not when it is %s", cl.State)
		}
		r.touched = true
		cl.State, cl.Due = AwaitingClarification, 0
	case ClarificationAnswered:
		if cl.State != AwaitingClarification {
			return fmt.Errorf("no clarification was asked for (the clock is %s)", cl.State)
		}
		if cl.Stage == StageReview {
			r.startReview(e.Date)
		} else {
			r.start(e.Date, r.n)
		}
	case FeesNotice:
		if cl.State != Running || cl.Stage != StageRequest {
			return fmt.Errorf("a fees notice can only pause a running request clock, not one that is %s in the %s stage", cl.State, cl.Stage)
		}
		r.touched = true
		due := r.due()
		if e.Date > due {
			r.lateFee = true
			r.note("fees notice on %s came after the due date %s, so it did not pause the clock", e.Date, due)
			return nil
		}
		// Working days counted so far: those after day 0 and before the notice.
		used := max(0, r.c.WorkingDaysBetween(r.from, e.Date-1))
		r.left -= used
		r.fixed = 0
		r.pauseFrom = e.Date
		cl.State, cl.Due = FeePending, 0
		if cl.Regime == FOIA || cl.Regime == FOISA {
			cl.FeeDeadline = e.Date.AddMonths(3)
		}
	case FeePaid:
		if r.lateFee && cl.State == Running {
			r.lateFee = false
			return nil
		}
		if cl.State != FeePending {
			return fmt.Errorf("no fee was pending (the clock is %s)", cl.State)
		}
		if !cl.FeeDeadline.IsZero() && e.Date > cl.FeeDeadline {
			r.note("fee paid on %s, after the three months allowed (by %s); the authority need not answer", e.Date, cl.FeeDeadline)
		}
		// Disregard [notice, payment]; days up to day 0 never counted anyway.
		cl.PausedDays += max(0, r.c.WorkingDaysBetween(max(r.pauseFrom-1, r.from), e.Date))
		r.from = max(e.Date, r.from)
		cl.State, cl.FeeDeadline = Running, 0
	case Extended:
		return r.extend(e)
	case ResponseReceived:
		switch cl.State {
		case Answered:
			return nil // later letters are correspondence; the first answer stopped the clock
		case NotDelivered:
			return errors.New("a response cannot come before the request was delivered")
		case Running:
			cl.Due = r.due()
		}
		r.touched = true
		cl.State, cl.Responded, cl.FeeDeadline = Answered, e.Date, 0
		if cl.Stage == StageRequest {
			cl.ReviewBy = r.c.AddWorkingDays(e.Date, 40)
		} else {
			months := 3
			if cl.Regime.Scottish() {
				months = 6
			}
			cl.AppealBy = e.Date.AddMonths(months)
		}
	case ReviewRequested:
		if cl.Stage == StageReview {
			return errors.New("an internal review was already asked for")
		}
		askBy := cl.ReviewBy
		switch {
		case cl.State == Answered:
		case cl.State == Running && e.Date > r.due():
			askBy = r.c.AddWorkingDays(r.due(), 40) // a review of the failure to answer
		default:
			return fmt.Errorf("an internal review can be asked for after a response or once the due date has passed, not while the clock is %s", cl.State)
		}
		if e.Date > askBy {
			r.note("internal review asked for on %s, after the 40 working days allowed (by %s); the authority may refuse it", e.Date, askBy)
		}
		r.startReview(e.Date)
		cl.AppealBy, cl.PausedDays = 0, 0
	default:
		return fmt.Errorf("unknown event kind %d", e.Kind)
	}
	return nil
}

// extend applies an extension of time.
func (r *clockRun) extend(e Event) error {
	cl := &r.cl
	if cl.State != Running {
		return fmt.Errorf("an extension can only apply to a running clock, not one that is %s", cl.State)
	}
	due := r.due()
	switch {
	case cl.Regime == FOISA && cl.Stage == StageRequest:
		return fmt.Errorf("%w under FOISA: the authority must answer within 20 working days (s.10(1) FOISA), here by %s", ErrNoExtension, due)
	case cl.Stage == StageReview && cl.Regime != FOIA:
		return fmt.Errorf("%w for an internal review under %s: its %d working days are fixed, here ending %s", ErrNoExtension, cl.Regime, reviewDays(cl.Regime), due)
	}
	r.touched = true
	if e.Date > due {
		r.note("extension notified on %s, after the due date %s; an extension must be notified within the time allowed, so the due date stands", e.Date, due)
		return nil
	}
	if cl.Regime == FOIA {
		if e.Until.IsZero() {
			return errors.New("a FOIA extension needs the date the authority extended to (Until)")
		}
		if cl.Stage == StageRequest && !cl.Extended {
			cl.Limit = r.c.AddWorkingDays(due, 20)
		}
		until := max(e.Until, due)
		cl.Extended = true
		cl.BeyondLimit = until > cl.Limit
		// The date stands as given; the count in working days is kept too,
		// so that a later fees pause can move it.
		r.fixed = until
		r.left = r.c.WorkingDaysBetween(r.from, until)
		return nil
	}
	// EIR, EISR reg 7: 40 working days in total.
	if !cl.Extended {
		r.left += max(0, extendedDays-r.n)
		cl.WorkingDays = max(r.n, extendedDays)
		cl.Extended = true
	}
	if limit := r.due(); !e.Until.IsZero() && e.Until > limit {
		cl.BeyondLimit = true
		r.note("the authority extended to %s, beyond the %d working days reg 7 allows; due by %s", e.Until, extendedDays, limit)
	}
	return nil
}
