package lifecycle

import (
	"fmt"

	"foidesk/deadline"
)

// Shown is a request's status as a person sees it on a given date.
type Shown struct {
	Status string
	// DaysLate is how many working days late the answer is (a running
	// clock, on the date asked) or was (a replied request, at its
	// response); nil when no due date applies.
	DaysLate *int
}

// Request is what Show needs of a request.
type Request struct {
	Regime    string
	Outbox    string // draft, queued, sending, retry, sent, failed, unknown, cancelled
	Status    string // the stored status; meaningful once sent
	Due       string // YYYY-MM-DD or ""
	RepliedOn string // YYYY-MM-DD or ""
}

// Thresholds are the working-day counts that turn an awaited answer into
// due-soon and very-overdue: [alerts] due_soon_days and [deadline]
// very_overdue_days.
type Thresholds struct {
	// DueSoon: an awaited answer is due soon from this many working days
	// before its due date; 0 shows no due-soon.
	DueSoon int
	// VeryOverdue: working days past due; 0 means the default.
	VeryOverdue int
}

// Show says where a request stands on date on: the outbox's state until the
// request is sent, then its stored status; when an answer is awaited, made
// due-soon before the due date, and overdue (or very-overdue,
// extension-overdue, review-overdue) after it.
func (r *Rule) Show(q Request, on deadline.Date, th Thresholds) (Shown, error) {
	switch q.Outbox {
	case "draft":
		return Shown{Status: Draft}, nil
	case "queued", "sending", "retry":
		return Shown{Status: Sending}, nil
	case "failed":
		return Shown{Status: Failed}, nil
	case "unknown":
		return Shown{Status: Unknown}, nil
	case "cancelled":
		return Shown{Status: Withdrawn}, nil
	case "sent":
	default:
		return Shown{}, fmt.Errorf("unknown outbox state %q", q.Outbox)
	}
	out := Shown{Status: q.Status}
	if q.Due == "" || (!Awaiting(q.Status) && q.Status != Replied) {
		return out, nil
	}
	regime, err := deadline.ParseRegime(q.Regime)
	if err != nil {
		return out, err
	}
	due, err := deadline.ParseDate(q.Due)
	if err != nil {
		return out, fmt.Errorf("due date: %w", err)
	}
	cal := r.Calendar(regime)
	at := on
	if q.Status == Replied {
		if q.RepliedOn == "" {
			return out, nil
		}
		if at, err = deadline.ParseDate(q.RepliedOn); err != nil {
			return out, fmt.Errorf("replied on: %w", err)
		}
	}
	l := cal.Lateness(due, at, th.VeryOverdue)
	days := l.DaysLate
	out.DaysLate = &days
	switch {
	case q.Status == Replied:
	case l.Overdue && q.Status == Extended:
		out.Status = ExtensionOverdue
	case l.Overdue && q.Status == AwaitingReview:
		out.Status = ReviewOverdue
	case l.VeryOverdue:
		out.Status = VeryOverdue
	case l.Overdue:
		out.Status = Overdue
	case th.DueSoon > 0 && cal.WorkingDaysBetween(on, due) <= th.DueSoon:
		// WorkingDaysBetween counts (on, due]: N working days before the
		// due date, N are left; on the due date itself none are, and the
		// answer is still due soon.
		out.Status = DueSoon
	}
	return out, nil
}
