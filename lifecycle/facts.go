package lifecycle

import (
	"fmt"
	"strings"
	"time"

	"foidesk/deadline"
)

// Facts is everything a request's clock rests on, as the database holds it.
type Facts struct {
	Ref    string
	Regime string    // foia, eir, foisa, eisr
	SentAt time.Time // when the authority's server accepted the request
	// Replies are the messages matched to the request, after corrections.
	Replies []Reply
	// Recorded are the facts a person recorded, less those undone: what
	// arrives by post or phone, or by mail foidesk cannot date (a
	// clarification and its answer, fees, an extension, a response, a
	// request for internal review, a withdrawal).
	Recorded []Recorded
}

// Reply is one stored message's bearing on its request.
type Reply struct {
	MessageID    int64
	Kind         string // one of the Kind constants
	Confirmed    bool   // a person set or confirmed the kind
	BounceStatus string // a bounce's enhanced status code, "" when unknown
	ReceivedAt   time.Time
	SentDate     time.Time // the message's own Date header; zero if absent
}

// What a person can record about a request beyond its mail.
const (
	FactFeesNotice = "fees-notice" // the authority asked for a fee: the clock pauses
	FactFeePaid    = "fee-paid"    // the authority received the fee: it resumes
	FactExtended   = "extended"    // the authority extended the time (Until)
	FactWithdrawn  = "withdrawn"   // the requester withdrew the request

	// What arrives by post or phone as well as by mail.
	FactClarificationRequested = "clarification-requested" // the authority asked what the request means: the clock stops
	FactClarificationAnswered  = "clarification-answered"  // the requester answered: a new count starts
	FactResponseReceived       = "response-received"       // the authority answered: the clock stops
	// FactReviewRequested: the requester asked for an internal review (by
	// the internal-review letter when it is sent, or by post): the review's
	// own clock starts.
	FactReviewRequested = "review-requested"
)

// RecordedFacts lists the facts a person can record, in the order a
// request meets them.
var RecordedFacts = []string{FactClarificationRequested, FactClarificationAnswered, FactFeesNotice, FactFeePaid,
	FactExtended, FactResponseReceived, FactReviewRequested, FactWithdrawn}

// Recorded is one fact a person recorded.
//
// A clarification-answered fact answers whichever clarification request
// is outstanding on its date, whether the authority asked by mail (a
// message a person confirmed as a clarification request) or by post (a
// clarification-requested fact): the engine allows one at a time, so
// there is nothing to choose between.
type Recorded struct {
	Event int64  // the event that recorded it
	Fact  string // one of the Fact constants
	At    time.Time
	Until deadline.Date // FactExtended: the date extended to, if the authority named one
	// By is who recorded it: "person" (or "" in tests), or "foidesk" when
	// foidesk itself knows it (an internal-review letter it sent).
	By string
}

// recordedBy is how a reason names who recorded a fact.
func (x Recorded) recordedBy() string {
	if x.By == "" || x.By == "person" {
		return "a person"
	}
	return x.By
}

// ValidFact reports whether a person can record fact.
func ValidFact(fact string) error {
	for _, f := range RecordedFacts {
		if f == fact {
			return nil
		}
	}
	return fmt.Errorf("unknown fact %q (one of %s)", fact, strings.Join(RecordedFacts, ", "))
}

// replyTime is when a reply was sent, as best known: its Date header when
// that falls between the request's delivery and the reply's storage (a
// wrong clock in either direction is not believed), else when it was stored.
func replyTime(r Reply, sentAt time.Time) time.Time {
	t := r.SentDate
	if t.IsZero() || t.After(r.ReceivedAt) {
		t = r.ReceivedAt
	}
	if t.Before(sentAt) {
		t = sentAt
	}
	return t
}
