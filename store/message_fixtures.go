package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// SentRequestFixture describes a request as it stands after the mailer has
// sent it. It exists for tests of reply ingestion in other packages, which
// need requests to match replies against without running a campaign; the
// product never calls it.
type SentRequestFixture struct {
	Campaign       string // created if absent
	AuthorityName  string // created if no authority has this name
	AuthorityEmail string
	Ref            string // a valid token; NewRef() when empty
	MessageID      string // our Message-ID without brackets; <Ref>.fixture@foidesk.test when empty
	SentAt         string // RFC 3339; default 2026-11-02T10:00:00Z
	DueDate        string // YYYY-MM-DD; default 2026-11-30
	Regime         string // foia (default), eir, foisa or eisr; a new authority under foisa or eisr is Scottish
}

// AddSentRequestFixture inserts a sent request (and its campaign and
// authority when missing) for tests. See SentRequestFixture.
func (s *Store) AddSentRequestFixture(ctx context.Context, f SentRequestFixture) (RequestRef, error) {
	if f.Campaign == "" {
		f.Campaign = "fixture"
	}
	if f.Ref == "" {
		f.Ref = NewRef()
	}
	if f.MessageID == "" {
		f.MessageID = f.Ref + ".fixture@foidesk.test"
	}
	if f.SentAt == "" {
		f.SentAt = "2026-11-02T10:00:00Z"
	}
	if f.DueDate == "" {
		f.DueDate = "2026-11-30"
	}
	if f.Regime == "" {
		f.Regime = "foia"
	}
	nation := "England"
	if f.Regime == "foisa" || f.Regime == "eisr" {
		nation = "Scotland"
	}
	var out RequestRef
	err := s.tx(ctx, func(tx *sql.Tx) error {
		now := s.msgStamp()
		var campaignID int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM campaigns WHERE name = ?`, f.Campaign).Scan(&campaignID)
		if errors.Is(err, sql.ErrNoRows) {
			res, err := tx.ExecContext(ctx, `INSERT INTO campaigns (name, template, state, created_at, updated_at) VALUES (?, 'recording-policy', 'done', ?, ?)`, f.Campaign, now, now)
			if err != nil {
				return err
			}
			campaignID, _ = res.LastInsertId()
		} else if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT id FROM authorities WHERE name = ?`, f.AuthorityName).Scan(&out.AuthorityID)
		if errors.Is(err, sql.ErrNoRows) {
			res, err := tx.ExecContext(ctx, `INSERT INTO authorities (name, email, nation, regime, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
				f.AuthorityName, f.AuthorityEmail, nation, f.Regime, now, now)
			if err != nil {
				return err
			}
			out.AuthorityID, _ = res.LastInsertId()
		} else if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO requests (campaign_id, authority_id, ref, regime, to_email, message_id, outbox_state, sent_at, due_date, status, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 'sent', ?, ?, 'pending', ?, ?)`,
			campaignID, out.AuthorityID, strings.ToUpper(f.Ref), f.Regime, strings.ToLower(f.AuthorityEmail), f.MessageID, f.SentAt, f.DueDate, now, now)
		if err != nil {
			return fmt.Errorf("insert fixture request: %w", err)
		}
		out.ID, _ = res.LastInsertId()
		out.Ref = strings.ToUpper(f.Ref)
		return nil
	})
	return out, err
}
