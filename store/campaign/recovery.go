package campaign

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"foidesk/store"
)

// Settling requests outside a dispatcher's connection: a dead dispatcher's
// claims become unknown (whether the server took the message cannot be
// known, so it is never sent again by itself); an unknown request is
// resolved as sent on a person's word or because the sent mailbox holds
// it, or queued again; and a campaign with nothing left open is done.

// FinishSettled marks done every queued campaign none of whose
// requests is still open (draft, queued, sending, retry or unknown).
func (s *Store) FinishSettled(ctx context.Context) error {
	return s.core.Tx(ctx, func(tx *sql.Tx) error {
		return finishSettled(ctx, s, tx, 0, ts(s.core.Now()))
	})
}

func finishSettled(ctx context.Context, s *Store, tx *sql.Tx, campaignID int64, now string) error {
	rows, err := tx.QueryContext(ctx, `UPDATE campaigns SET state = 'done', updated_at = ?1
		WHERE state = 'queued' AND (?2 = 0 OR id = ?2) AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.campaign_id = campaigns.id
			AND r.outbox_state IN ('draft', 'queued', 'sending', 'retry', 'unknown'))
		RETURNING id, name`, now, campaignID)
	if err != nil {
		return fmt.Errorf("finish campaigns: %w", err)
	}
	type done struct {
		id   int64
		name string
	}
	var ds []done
	for rows.Next() {
		var d done
		if err := rows.Scan(&d.id, &d.name); err != nil {
			rows.Close()
			return err
		}
		ds = append(ds, d)
	}
	rows.Close()
	for _, d := range ds {
		if err := s.core.AppendEvent(ctx, tx, "campaign.done", store.Subject{}, map[string]any{"campaign": d.name, "campaign_id": d.id}); err != nil {
			return err
		}
	}
	return nil
}

// SendingOwners lists the dispatchers holding `sending` rows, requests or
// letters.
func (s *Store) SendingOwners(ctx context.Context) ([]string, error) {
	rows, err := s.core.DB().QueryContext(ctx, `SELECT coalesce(claimed_by, '') FROM requests WHERE outbox_state = 'sending'
		UNION SELECT coalesce(claimed_by, '') FROM letters WHERE outbox_state = 'sending'`)
	if err != nil {
		return nil, fmt.Errorf("list dispatchers: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// MarkOrphansUnknown turns every `sending` row claimed by owner (a
// dispatcher known to be dead) into `unknown`: the process died mid-send,
// so whether the server accepted the message cannot be known. It returns
// the references affected.
func (s *Store) MarkOrphansUnknown(ctx context.Context, owner string) ([]string, error) {
	var refs []string
	err := s.core.Tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, authority_id, ref, attempts, coalesce(claimed_at, '') FROM requests
			WHERE outbox_state = 'sending' AND coalesce(claimed_by, '') = ?`, owner)
		if err != nil {
			return err
		}
		type orphan struct {
			id, auth int64
			ref      string
			attempts int
			started  string
		}
		var orphans []orphan
		for rows.Next() {
			var o orphan
			if err := rows.Scan(&o.id, &o.auth, &o.ref, &o.attempts, &o.started); err != nil {
				rows.Close()
				return err
			}
			orphans = append(orphans, o)
		}
		rows.Close()
		now := ts(s.core.Now())
		for _, o := range orphans {
			why := "the dispatcher stopped while sending (found at startup); the server may or may not have accepted it"
			if _, err := tx.ExecContext(ctx, `UPDATE requests SET outbox_state = 'unknown', smtp_text = ?, claimed_by = NULL, updated_at = ?
				WHERE id = ? AND outbox_state = 'sending'`, why, now, o.id); err != nil {
				return err
			}
			if err := s.core.AppendEvent(ctx, tx, "request.unknown", store.Subject{Authority: o.auth, Request: o.id},
				map[string]any{"attempt": o.attempts, "attempt_started": o.started, "why": why, "dispatcher": owner}); err != nil {
				return err
			}
			refs = append(refs, o.ref)
		}
		return nil
	})
	return refs, err
}

// ResolveSent records a person's finding that an `unknown` request did
// reach the authority (it is in the sent mailbox, or the authority
// acknowledged it). The delivery time is the time of the attempt, the best
// evidence there is; the clock is derived from it and every fact known.
func (s *Store) ResolveSent(ctx context.Context, ref string) (Request, error) {
	return s.ResolveSentBy(ctx, ref, "person")
}

// ResolveSentBy is ResolveSent on the word of by (a signed-in user's
// name), recorded as the delivery's resolved_by.
func (s *Store) ResolveSentBy(ctx context.Context, ref, by string) (Request, error) {
	return s.resolveSent(ctx, ref, time.Time{}, by, "delivery time is the time of the attempt")
}

// FoundInSentMailbox records that an `unknown` request's message was found
// in the requester's sent mailbox, filed there by the provider at filedAt:
// a provider files only what it accepted, so the request was delivered, and
// filedAt is the best evidence of when.
func (s *Store) FoundInSentMailbox(ctx context.Context, ref string, filedAt time.Time) (Request, error) {
	return s.resolveSent(ctx, ref, filedAt, "sent mailbox", "delivery time is when the provider filed it in the sent mailbox")
}

func (s *Store) resolveSent(ctx context.Context, ref string, at time.Time, by, note string) (Request, error) {
	r, err := s.RequestByRef(ctx, ref)
	if err != nil {
		return r, err
	}
	if r.OutboxState != OutboxUnknown {
		return r, fmt.Errorf("request %s is %s, not unknown: only an unknown request can be resolved as sent", r.Ref, r.OutboxState)
	}
	if at.IsZero() {
		at = r.ClaimedAt
	}
	if at.IsZero() {
		at = r.UpdatedAt
	}
	err = s.core.Tx(ctx, func(tx *sql.Tx) error {
		now := ts(s.core.Now())
		res, err := tx.ExecContext(ctx, `UPDATE requests SET outbox_state = 'sent', sent_at = ?, updated_at = ?
			WHERE id = ? AND outbox_state = 'unknown'`, ts(at), now, r.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("request %s changed meanwhile; look again", r.Ref)
		}
		c, err := s.core.DeriveClock(ctx, tx, r.ID, "delivered, resolved by "+by, 0)
		if err != nil {
			return err
		}
		if err := s.core.AppendEvent(ctx, tx, "request.delivered", store.Subject{Authority: r.AuthorityID, Request: r.ID}, map[string]any{
			"at": at.UTC().Format(time.RFC3339Nano), "due": c.Due, "status": c.Status, "regime": r.Regime, "message_id": r.MessageID,
			"resolved_by": by, "note": note,
		}); err != nil {
			return err
		}
		return finishSettled(ctx, s, tx, r.CampaignID, now)
	})
	if err != nil {
		return r, err
	}
	return s.RequestByRef(ctx, ref)
}

// ResolveResend puts an `unknown` or `failed` request back in the queue on a
// person's word (it never arrived, or the address was fixed at the server's
// end). The same message, with the same Message-ID, is sent again, to
// the authority's address in the register now: when a re-import corrected
// it, the request and its stored message's To header take the new one
// (request.readdressed).
func (s *Store) ResolveResend(ctx context.Context, ref string) (Request, error) {
	return s.ResolveResendBy(ctx, ref, "person")
}

// ResolveResendBy is ResolveResend on the word of by (a signed-in user's
// name), recorded as the request.resend event's resolved_by.
func (s *Store) ResolveResendBy(ctx context.Context, ref, by string) (Request, error) {
	r, err := s.RequestByRef(ctx, ref)
	if err != nil {
		return r, err
	}
	if r.OutboxState != OutboxUnknown && r.OutboxState != OutboxFailed {
		return r, fmt.Errorf("request %s is %s: only an unknown or failed request can be resent", r.Ref, r.OutboxState)
	}
	err = s.core.Tx(ctx, func(tx *sql.Tx) error {
		now := ts(s.core.Now())
		res, err := tx.ExecContext(ctx, `UPDATE requests SET outbox_state = 'queued', attempts = 0, next_attempt_at = NULL, updated_at = ?
			WHERE id = ? AND outbox_state = ?`, now, r.ID, r.OutboxState)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("request %s changed meanwhile; look again", r.Ref)
		}
		to, changed, err := s.readdress(ctx, tx, r, "resend", now)
		if err != nil {
			return err
		}
		if changed {
			raw, err := store.RewriteTo(r.RawMessage, to)
			if err != nil {
				return fmt.Errorf("re-address request %s: %w", r.Ref, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE request_messages SET raw = ? WHERE request_id = ?`, raw, r.ID); err != nil {
				return fmt.Errorf("re-address request %s: %w", r.Ref, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET state = 'queued', updated_at = ? WHERE id = ? AND state = 'done'`, now, r.CampaignID); err != nil {
			return err
		}
		return s.core.AppendEvent(ctx, tx, "request.resend", store.Subject{Authority: r.AuthorityID, Request: r.ID},
			map[string]any{"from": r.OutboxState, "resolved_by": by})
	})
	if err != nil {
		return r, err
	}
	return s.RequestByRef(ctx, ref)
}
