package main

import (
	"context"
	"fmt"
	"time"

	"foidesk/mailer"
	"foidesk/store/campaign"
	"foidesk/store/coding"
	"foidesk/store/results"
	"foidesk/templates"
)

// resultCodes reads the results' coding columns from the review app's
// codings: the report and the results pages ask for results.Codes, and
// store/coding answers in its own words.
type resultCodes struct{ st *coding.Store }

func (c resultCodes) RequestCodes(ctx context.Context, campaignID int64) (map[int64]results.Code, error) {
	in, err := c.st.RequestCodings(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]results.Code, len(in))
	for id, rc := range in {
		out[id] = results.Code{Labels: rc.Labels, Outcome: resultOutcome(rc.Outcome), Exemptions: rc.Exemptions, Notes: rc.Notes, CoderA: rc.CoderA, CoderB: rc.CoderB}
	}
	return out, nil
}

// resultOutcome names a reviewer's outcome as the results do: the two
// vocabularies agree but for information provided, which the results call
// answered (as a response message is); partial stays partial.
func resultOutcome(o string) string {
	if o == coding.OutcomeProvided {
		return results.OutcomeAnswered
	}
	return o
}

// reviewLetters queues internal-review letters from the review app's
// request timeline, as 'foidesk requests review' does from the command
// line.
type reviewLetters struct {
	campaigns *campaign.Store
	fu        mailer.FollowUps
	now       func() time.Time // the campaign's clock
}

func (q reviewLetters) QueueReview(ctx context.Context, ref, reason, by string) (string, error) {
	r, err := q.campaigns.RequestByRef(ctx, ref)
	if err != nil {
		return "", err
	}
	l, queued, err := q.fu.QueueReview(ctx, r, reason, by, q.now())
	if err != nil {
		return "", err
	}
	if !queued {
		return "", fmt.Errorf("an internal review of %s was already asked for on %s (%s)", r.Ref, templates.UKDate(l.CreatedAt), l.State)
	}
	return fmt.Sprintf("Internal-review letter queued to %s; the review clock starts when it is sent.", l.To), nil
}
