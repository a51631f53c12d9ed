package lifecycle

// Stored statuses: what a sent request's facts make of it.
const (
	AwaitingResponse      = "awaiting-response"
	NotDelivered          = "not-delivered"
	AwaitingClarification = "awaiting-clarification"
	FeePending            = "fee-pending"
	Replied               = "replied" // a response arrived: awaiting a reviewer
	Withdrawn             = "withdrawn"
	// Extended: delivered, and the authority extended the time for its
	// response (FOIA s.10(3), EIR/EISR reg 7); the due date is the new one.
	Extended = "extended"
	// AwaitingReview: the requester asked for an internal review (a
	// requirement for review under FOISA/EISR); the due date is the review's.
	AwaitingReview = "awaiting-review"
)

// Statuses users also see, never stored: from the outbox, and from the date.
const (
	Draft       = "draft"
	Sending     = "sending" // queued, sending or waiting to retry
	Failed      = "failed"
	Unknown     = "unknown"
	Overdue     = "overdue"
	VeryOverdue = "very-overdue"
	// DueSoon: a response is awaited and due within [alerts] due_soon_days
	// working days.
	DueSoon = "due-soon"
	// ExtensionOverdue: past the date the authority itself extended to.
	ExtensionOverdue = "extension-overdue"
	// ReviewOverdue: an internal review's answer is past its due date.
	ReviewOverdue = "review-overdue"
)

// Statuses lists every status Show can return, in the order a summary
// counts them.
var Statuses = []string{Draft, Sending, Failed, Unknown, NotDelivered, AwaitingResponse, DueSoon, Overdue, VeryOverdue,
	Extended, ExtensionOverdue, AwaitingClarification, FeePending, AwaitingReview, ReviewOverdue, Replied, Withdrawn}

// Stored lists the statuses Derive can return.
var Stored = []string{AwaitingResponse, NotDelivered, Extended, AwaitingClarification, FeePending, AwaitingReview, Replied, Withdrawn}

// Awaiting reports whether a stored status means a response is awaited
// against a due date: the statuses that can become due soon or overdue.
func Awaiting(status string) bool {
	return status == AwaitingResponse || status == Extended || status == AwaitingReview
}

// Describe says what a status means, in words a person reads in an error
// or a report.
func Describe(status string) string {
	switch status {
	case Draft:
		return "a draft, not yet queued"
	case Sending:
		return "waiting to be sent"
	case Failed:
		return "refused by the mail server, not sent"
	case Unknown:
		return "sent or not: the connection dropped mid-send, and a person must say which"
	case NotDelivered:
		return "not delivered: a permanent bounce says it never arrived"
	case AwaitingResponse:
		return "delivered and awaiting a response"
	case Overdue:
		return "past its due date with no response"
	case VeryOverdue:
		return "long past its due date with no response"
	case AwaitingClarification:
		return "waiting for the requester's clarification"
	case FeePending:
		return "waiting for a fee to be paid"
	case Replied:
		return "answered, awaiting review"
	case Withdrawn:
		return "withdrawn by the requester"
	case DueSoon:
		return "awaiting a response that is due within days"
	case Extended:
		return "awaiting a response; the authority extended the time"
	case ExtensionOverdue:
		return "past the date the authority extended to, with no response"
	case AwaitingReview:
		return "awaiting the answer to an internal review"
	case ReviewOverdue:
		return "an internal review's answer is past its due date"
	}
	return status
}

// Message kinds: what triage (or a person) decided a reply is.
const (
	KindBounce        = "bounce"
	KindAutoReply     = "auto-reply"
	KindAck           = "acknowledgement"
	KindClarification = "clarification-request"
	KindResponse      = "response"
	// A refusal (an exemption, the cost limit, a vexatious request) and a
	// reply that the information is already published (s.21 FOIA, s.25
	// FOISA, reg 6(1)(b) EIR) answer the request as much as a response:
	// the statutory clock stops on them.
	KindRefusal   = "refusal"
	KindPublished = "published"
)

// ResponseKinds are the kinds that answer a request: each stops its clock
// and makes it replied, and each is read by a person in the review queue.
var ResponseKinds = []string{KindResponse, KindRefusal, KindPublished}

// IsResponse reports whether a message of this kind answers its request.
func IsResponse(kind string) bool {
	return kind == KindResponse || kind == KindRefusal || kind == KindPublished
}

// PermanentBounce is the one rule for whether a bounce means the request
// never arrived: a 5.x.x status, or no status at all (a bounce that says
// nothing is taken at its word). A 4.x.x status is a delay and moves nothing.
func PermanentBounce(status string) bool {
	return status == "" || status[0] == '5'
}
