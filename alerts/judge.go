package alerts

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/store/alert"
)

// Judged is an open request and where it stands on the day judged.
type Judged struct {
	alert.Request
	Shown lifecycle.Shown
}

// Late reports whether the request is late on the day judged: overdue,
// very-overdue, extension-overdue or review-overdue. A request not
// delivered (bounced), answered (awaiting review) or withdrawn never is.
func (j Judged) Late() bool { return alert.IsLate(j.Shown.Status) }

// DaysLate is the working days late, 0 when none apply.
func (j Judged) DaysLate() int {
	if j.Shown.DaysLate == nil {
		return 0
	}
	return *j.Shown.DaysLate
}

// Opener lists the open requests (store/alert.Store.Open).
type Opener interface {
	Open(ctx context.Context, campaignID int64) ([]alert.Request, error)
}

// Judge reads the open requests of campaign campaignID (0: all) in one
// query and says where each stands on date on. A request whose stored
// clock cannot be read (an unknown regime, a malformed date) is returned
// in bad with the reason, and left out.
func Judge(ctx context.Context, src Opener, rule *lifecycle.Rule, th lifecycle.Thresholds, on deadline.Date, campaignID int64) (out []Judged, bad []error, err error) {
	reqs, err := src.Open(ctx, campaignID)
	if err != nil {
		return nil, nil, err
	}
	out = make([]Judged, 0, len(reqs))
	for _, q := range reqs {
		sh, err := rule.Show(lifecycle.Request{Regime: q.Regime, Outbox: q.Outbox, Status: q.Status, Due: q.Due, RepliedOn: q.RepliedOn}, on, th)
		if err != nil {
			bad = append(bad, fmt.Errorf("request %s (%s): %w", q.Ref, q.AuthorityName, err))
			continue
		}
		out = append(out, Judged{Request: q, Shown: sh})
	}
	return out, bad, nil
}

// Overdue is the late requests among judged, most late first (then by
// due date, authority and reference, so the order is stable).
func Overdue(judged []Judged) []Judged {
	var out []Judged
	for _, j := range judged {
		if j.Late() {
			out = append(out, j)
		}
	}
	slices.SortStableFunc(out, func(a, b Judged) int {
		return cmp.Or(cmp.Compare(b.DaysLate(), a.DaysLate()), cmp.Compare(a.Due, b.Due),
			cmp.Compare(a.AuthorityName, b.AuthorityName), cmp.Compare(a.Ref, b.Ref))
	})
	return out
}
