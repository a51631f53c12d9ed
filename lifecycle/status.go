package lifecycle

// Stored statuses: what a sent request's facts make of it.
const (
	AwaitingResponse      = "awaiting-response"
	NotDelivered          = "not-delivered"
	AwaitingClarification = "awaiting-clarification"
	FeePending            = "fee-pending"
	Replied               = "replied" // a response arrived: awaiting a reviewer
	Withdrawn             = "withdrawn"
)

// Statuses users also see, never stored: from the outbox, and from the date.
const (
	Draft       = "draft"
	Sending     = "sending" // queued, sending or waiting to retry
	Failed      = "failed"
	Unknown     = "unknown"
	Overdue     = "overdue"
	VeryOverdue = "very-overdue"
)

// Statuses lists every status Show can return, in the order a summary
// counts them.
var Statuses = []string{Draft, Sending, Failed, Unknown, NotDelivered, AwaitingResponse, Overdue, VeryOverdue,
	AwaitingClarification, FeePending, Replied, Withdrawn}

// Stored lists the statuses Derive can return.
var Stored = []string{AwaitingResponse, NotDelivered, AwaitingClarification, FeePending, Replied, Withdrawn}

// Message kinds: what triage (or a person) decided a reply is.
const (
	KindBounce        = "bounce"
	KindAutoReply     = "auto-reply"
	KindAck           = "acknowledgement"
	KindClarification = "clarification-request"
	KindResponse      = "response"
)

// PermanentBounce is the one rule for whether a bounce means the request
// never arrived: a 5.x.x status, or no status at all (a bounce that says
// nothing is taken at its word). A 4.x.x status is a delay and moves nothing.
func PermanentBounce(status string) bool {
	return status == "" || status[0] == '5'
}
