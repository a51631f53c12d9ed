package campaign

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"foidesk/store"
)

// Chasers are opt-in per campaign: a request still awaiting its response
// After working days past its due date gets a chaser, then another every
// Every working days, at most Max. Which day that is, is the deadline
// engine's to say (package mailer, FollowUps); the store keeps the
// setting, finds the requests that may be due one, and keeps each
// chaser's once-only key.

// Chasers is a campaign's chaser setting, in working days; the zero value
// is off.
type Chasers struct {
	After int // working days past the due date before the first chaser
	Every int // working days between chasers
	Max   int // chasers at most, per request
}

// On reports whether chasers are on.
func (c Chasers) On() bool { return c.After > 0 }

func (c Chasers) check() error {
	if c == (Chasers{}) {
		return nil
	}
	if c.After < 1 || c.Every < 1 || c.Max < 1 {
		return fmt.Errorf("chasers need --after, --every and --max all at least 1 (working days, working days, letters); got %d, %d, %d", c.After, c.Every, c.Max)
	}
	return nil
}

// SetChasers sets campaign name's chasers (the zero Chasers turns them
// off), with a campaign.chasers event.
func (s *Store) SetChasers(ctx context.Context, name string, ch Chasers) (Campaign, error) {
	if err := ch.check(); err != nil {
		return Campaign{}, err
	}
	var c Campaign
	err := s.core.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = getCampaign(ctx, tx, "name = ?", name)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("campaign %q: %w", name, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		was := c.Chasers
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET chase_after = ?, chase_every = ?, chase_max = ?, updated_at = ? WHERE id = ?`,
			nullID(int64(ch.After)), nullID(int64(ch.Every)), nullID(int64(ch.Max)), ts(s.core.Now()), c.ID); err != nil {
			return fmt.Errorf("set chasers of %q: %w", name, err)
		}
		c.Chasers = ch
		return s.core.AppendEvent(ctx, tx, "campaign.chasers", store.Subject{}, map[string]any{
			"campaign": c.Name, "campaign_id": c.ID, "after": ch.After, "every": ch.Every, "max": ch.Max,
			"was": map[string]int{"after": was.After, "every": was.Every, "max": was.Max},
		})
	})
	return c, err
}

// ChaserDue is a request that may be due its next chaser.
type ChaserDue struct {
	Request Request
	Chasers Chasers
	Queued  int       // chasers queued for it so far
	Last    time.Time // when the latest was queued; zero when none
	// ReplyID is the Message-ID of the newest message matched to the
	// request, "" when none, for threading.
	ReplyID string
}

// EachChaserCandidate calls fn with each request of campaigns with
// chasers on (campaignID 0: all; not cancelled ones) that may be due a
// chaser on day (YYYY-MM-DD, London), in id order: sent, still awaiting a
// response (stored status awaiting-response or extended), at least After
// calendar days past due (After working days are at least as many),
// fewer than Max chasers queued, and no reply stopping chasers matched
// (stopsChasers). It reads them in keyset batches (store.Walk), so a
// national survey that falls due at once is held a batch at a time, not
// 100,000 requests, and no statement is open while fn queues a letter.
// Each batch is one indexed query, cheap when nothing is due.
func (s *Store) EachChaserCandidate(ctx context.Context, campaignID int64, day string, fn func(ChaserDue) error) error {
	_, err := store.Walk(ctx, store.Page{}, func(ctx context.Context, after int64, n int) ([]ChaserDue, error) {
		return s.chaserCandidates(ctx, campaignID, day, after, n)
	}, func(d ChaserDue) int64 { return d.Request.ID }, fn)
	return err
}

// chaserCandidates is one batch of EachChaserCandidate: at most n
// requests with an id greater than after.
func (s *Store) chaserCandidates(ctx context.Context, campaignID int64, day string, after int64, n int) ([]ChaserDue, error) {
	rows, err := s.core.DB().QueryContext(ctx, `SELECT `+requestCols+`, c.chase_after, c.chase_every, c.chase_max,
			(SELECT count(*) FROM letters WHERE request_id = r.id AND kind = 'chaser'),
			(SELECT max(created_at) FROM letters WHERE request_id = r.id AND kind = 'chaser'),
			coalesce((SELECT header_message_id FROM messages WHERE request_id = r.id AND header_message_id <> '' ORDER BY id DESC LIMIT 1), '')`+
		requestFrom+`
		WHERE c.chase_after IS NOT NULL AND c.state <> 'cancelled' AND (?1 = 0 OR r.campaign_id = ?1)
			AND r.outbox_state = 'sent' AND r.status IN ('awaiting-response', 'extended') AND r.due_date IS NOT NULL
			AND r.due_date <= date(?2, '-' || c.chase_after || ' days')
			AND (SELECT count(*) FROM letters WHERE request_id = r.id AND kind = 'chaser') < c.chase_max
			AND `+stopsChasers+` IS NULL
			AND r.id > ?3
		ORDER BY r.id LIMIT ?4`, campaignID, day, after, n)
	if err != nil {
		return nil, fmt.Errorf("requests due a chaser: %w", err)
	}
	defer rows.Close()
	var out []ChaserDue
	for rows.Next() {
		var d ChaserDue
		var last sql.NullString
		r, err := scanRequest(withExtra{rows, []any{&d.Chasers.After, &d.Chasers.Every, &d.Chasers.Max, &d.Queued, &last, &d.ReplyID}}, false)
		if err != nil {
			return nil, fmt.Errorf("requests due a chaser: %w", err)
		}
		d.Request, d.Last = r, parseTS(last)
		out = append(out, d)
	}
	return out, rows.Err()
}

// withExtra scans a request's columns and then extra ones.
type withExtra struct {
	row   scanner
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra...)...) }
