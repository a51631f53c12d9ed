package campaign

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// What a dispatcher asks of the outbox on the shared connections, between
// claims: whether anything is ready before it connects to the server, what
// is left and when it falls due, and when it last wrote to each domain.

// Pending summarises the outbox for a dispatcher deciding whether to wait.
type Pending struct {
	Ready   int       // claimable now
	Waiting int       // in retry, not yet due
	Sending int       // claimed by some dispatcher
	NextAt  time.Time // earliest next attempt among Waiting
}

// OutboxPending reports work left in queued campaigns (campaignID 0: all).
func (s *Store) OutboxPending(ctx context.Context, campaignID int64, now time.Time) (Pending, error) {
	var p Pending
	q := `SELECT
		coalesce(sum(r.outbox_state IN ('queued', 'retry') AND (r.next_attempt_at IS NULL OR r.next_attempt_at <= ?)), 0),
		coalesce(sum(r.outbox_state = 'retry' AND r.next_attempt_at > ?), 0),
		coalesce(sum(r.outbox_state = 'sending'), 0),
		min(CASE WHEN r.outbox_state = 'retry' AND r.next_attempt_at > ? THEN r.next_attempt_at END)
		FROM requests r JOIN campaigns c ON c.id = r.campaign_id
		WHERE r.outbox_state IN ('queued', 'retry', 'sending') AND c.state = 'queued'`
	n := ts(now)
	args := []any{n, n, n}
	if campaignID != 0 {
		q += ` AND r.campaign_id = ?`
		args = append(args, campaignID)
	}
	var next sql.NullString
	if err := s.core.DB().QueryRowContext(ctx, q, args...).Scan(&p.Ready, &p.Waiting, &p.Sending, &next); err != nil {
		return p, fmt.Errorf("outbox pending: %w", err)
	}
	p.NextAt = parseTS(next)
	return p, nil
}

// OutboxReady reports whether some request is ready to send now, cheaply:
// a dispatcher asks before it connects to the SMTP server.
func (s *Store) OutboxReady(ctx context.Context, campaignID int64, now time.Time) (bool, error) {
	var one int
	err := s.core.DB().QueryRowContext(ctx, `SELECT 1 FROM requests r JOIN campaigns c ON c.id = r.campaign_id
		WHERE c.state = 'queued' AND (?2 = 0 OR r.campaign_id = ?2) AND (r.outbox_state = 'queued'
			OR (r.outbox_state = 'retry' AND r.next_attempt_at <= ?1)) LIMIT 1`, ts(now), campaignID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("outbox ready: %w", err)
	}
	return true, nil
}

// RecentSends lists, per recipient domain, the latest acceptance since t,
// so a restarted dispatcher keeps honouring the per-domain interval.
// Follow-up letters count as requests do.
func (s *Store) RecentSends(ctx context.Context, since time.Time) (map[string]time.Time, error) {
	rows, err := s.core.DB().QueryContext(ctx, `SELECT to_email, sent_at FROM requests WHERE sent_at >= ?1
		UNION ALL SELECT to_email, sent_at FROM letters WHERE sent_at >= ?1`, ts(since))
	if err != nil {
		return nil, fmt.Errorf("recent sends: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var to string
		var at sql.NullString
		if err := rows.Scan(&to, &at); err != nil {
			return nil, err
		}
		d := EmailDomain(to)
		if t := parseTS(at); t.After(out[d]) {
			out[d] = t
		}
	}
	return out, rows.Err()
}

// EmailDomain is the lower-cased domain of an address.
func EmailDomain(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return strings.ToLower(strings.TrimSpace(d))
}
