package alert

import (
	"context"
	"database/sql"
	"fmt"
	"foidesk/store/campaign"

	"foidesk/store"
)

// DigestInput is what a day's digest reports that no digest has yet.
type DigestInput struct {
	Day      string // YYYY-MM-DD (Europe/London)
	Key      string // the outbox's once-only key: "digest:" + Day
	Alerts   []Alert
	Warnings []Warning
}

// DigestResult is what composing the digest did.
type DigestResult struct {
	// LetterID is the outbox letter queued (or found already queued under
	// the key); 0 when nothing was worth sending.
	LetterID int64
	Overdue  int // requests in the overdue table
}

// Digested reports whether day's digest was already considered.
func (s *Store) Digested(ctx context.Context, day string) (bool, error) {
	var n int
	if err := s.core.DB().QueryRowContext(ctx, `SELECT count(*) FROM alert_digests WHERE day = ?`, day).Scan(&n); err != nil {
		return false, fmt.Errorf("digest of %s: %w", day, err)
	}
	return n > 0, nil
}

// Digest considers day's digest once: in one transaction it reads the
// alerts and warnings no digest has included, hands them to compose, which
// queues the letter in the same transaction (tx), then marks them
// included and records the day. It reports false, doing nothing, when the
// day was already considered. A failure in compose writes nothing.
func (s *Store) Digest(ctx context.Context, day string, compose func(tx *sql.Tx, in DigestInput) (DigestResult, error)) (bool, error) {
	done := false
	err := s.core.Tx(ctx, func(tx *sql.Tx) error {
		done = false
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM alert_digests WHERE day = ?`, day).Scan(&n); err != nil {
			return fmt.Errorf("digest of %s: %w", day, err)
		}
		if n > 0 {
			return nil
		}
		in := DigestInput{Day: day, Key: campaign.DigestKey(day)}
		var err error
		if in.Alerts, err = queryAlerts(ctx, tx, "l.digest_key IS NULL ORDER BY l.id"); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT kind, subject, message FROM alert_warnings WHERE digest_key IS NULL ORDER BY kind, subject`)
		if err != nil {
			return fmt.Errorf("digest warnings: %w", err)
		}
		for rows.Next() {
			var w Warning
			if err := rows.Scan(&w.Kind, &w.Subject, &w.Message); err != nil {
				rows.Close()
				return fmt.Errorf("digest warnings: %w", err)
			}
			in.Warnings = append(in.Warnings, w)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("digest warnings: %w", err)
		}
		res, err := compose(tx, in)
		if err != nil {
			return fmt.Errorf("digest of %s: %w", day, err)
		}
		var letter sql.NullInt64
		if res.LetterID != 0 {
			letter = sql.NullInt64{Int64: res.LetterID, Valid: true}
			if _, err := tx.ExecContext(ctx, `UPDATE alerts SET digest_key = ?, digest_letter_id = ? WHERE digest_key IS NULL AND id <= ?`,
				in.Key, res.LetterID, lastID(in.Alerts)); err != nil {
				return fmt.Errorf("digest of %s: %w", day, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE alert_warnings SET digest_key = ? WHERE digest_key IS NULL`, in.Key); err != nil {
				return fmt.Errorf("digest of %s: %w", day, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO alert_digests (day, letter_id, alerts, overdue, created_at) VALUES (?, ?, ?, ?, ?)`,
			day, letter, len(in.Alerts), res.Overdue, ts(s.core.Now())); err != nil {
			return fmt.Errorf("digest of %s: %w", day, err)
		}
		done = true
		return s.core.AppendEvent(ctx, tx, "alert.digest", store.Subject{}, map[string]any{
			"day": day, "key": in.Key, "letter_id": res.LetterID, "alerts": len(in.Alerts), "warnings": len(in.Warnings), "overdue": res.Overdue,
			"sent": res.LetterID != 0,
		})
	})
	return done, err
}

func lastID(as []Alert) int64 {
	if len(as) == 0 {
		return 0
	}
	return as[len(as)-1].ID
}
