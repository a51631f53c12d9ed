package mail

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"foidesk/lifecycle"
	"foidesk/ref"
	"foidesk/store"
)

// applied is what a message's decision changed besides its request's
// clock (which is always derived afresh), kept so that a correction can undo
// exactly that change and nothing a person did since.
type applied struct {
	RequestID    int64  `json:"request_id,omitempty"`
	AuthorityID  int64  `json:"authority_id,omitempty"`
	FlaggedEmail bool   `json:"flagged_email,omitempty"`
	CaseRef      string `json:"case_ref,omitempty"`
}

type msgState struct {
	requestID   int64
	kind        string
	kindBy      string
	bounce      string
	bounceRcpt  string
	caseRef     string
	applied     applied
	authorityID int64
}

func (s *Store) loadStateLocked(ctx context.Context, tx *sql.Tx, id int64) (msgState, error) {
	var st msgState
	var req sql.NullInt64
	var bounce, rcpt, caseRef, app sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT request_id, kind, kind_by, bounce_status, bounce_recipient, case_ref, applied FROM messages WHERE id = ?`, id).
		Scan(&req, &st.kind, &st.kindBy, &bounce, &rcpt, &caseRef, &app)
	if errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("message %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return st, err
	}
	st.requestID, st.bounce, st.bounceRcpt, st.caseRef = req.Int64, bounce.String, rcpt.String, caseRef.String
	if app.Valid && app.String != "" {
		if err := json.Unmarshal([]byte(app.String), &st.applied); err != nil {
			return st, fmt.Errorf("message %d: bad applied record: %w", id, err)
		}
	}
	if st.requestID != 0 {
		if err := tx.QueryRowContext(ctx, `SELECT authority_id FROM requests WHERE id = ?`, st.requestID).Scan(&st.authorityID); err != nil {
			return st, fmt.Errorf("message %d: request %d: %w", id, st.requestID, err)
		}
	}
	return st, nil
}

// applyLocked makes the changes a message's kind implies beyond its
// request's clock, remembers them in messages.applied, writes their events,
// and then derives the request's clock from all its facts
// (DeriveClock), so that a correction or a later fact can never leave
// the status and due date disagreeing with the mail. A permanent bounce
// flags the authority's address (the clock makes the request not
// delivered); an acknowledgement teaches foidesk the authority's case
// reference; a clarification request waits for a person, and once a person
// confirms it the clock stops; a response stops the clock. Auto-replies and
// temporary bounces change nothing. A request whose sending is unknown has
// no clock yet: its messages count from the moment it is resolved as sent.
func (s *Store) applyLocked(ctx context.Context, tx *sql.Tx, id int64) error {
	st, err := s.loadStateLocked(ctx, tx, id)
	if err != nil {
		return err
	}
	var a applied
	subj := store.Subject{Message: id, Request: st.requestID, Authority: st.authorityID}
	now := s.stamp()
	switch st.kind {
	case KindBounce:
		if !lifecycle.PermanentBounce(st.bounce) {
			if err := s.core.AppendEvent(ctx, tx, "message.bounce_temporary", subj, map[string]any{"status": st.bounce, "recipient": st.bounceRcpt}); err != nil {
				return err
			}
			break
		}
		if st.requestID == 0 {
			break
		}
		a.AuthorityID = st.authorityID
		var flagged sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT email_bounced_at FROM authorities WHERE id = ?`, st.authorityID).Scan(&flagged); err != nil {
			return err
		}
		if !flagged.Valid {
			reason := fmt.Sprintf("permanent bounce %s for %s (message %d)", st.bounce, st.bounceRcpt, id)
			if _, err := tx.ExecContext(ctx, `UPDATE authorities SET email_bounced_at = ?, email_bounce_reason = ? WHERE id = ?`, now, reason, st.authorityID); err != nil {
				return err
			}
			a.FlaggedEmail = true
			if err := s.core.AppendEvent(ctx, tx, "authority.email_bounced", subj, map[string]any{"status": st.bounce, "recipient": st.bounceRcpt}); err != nil {
				return err
			}
		}
	case KindAck:
		if st.requestID != 0 && st.caseRef != "" {
			norm := NormalizeCaseRef(st.caseRef)
			res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO case_refs (norm, request_id, raw, message_id, created_at) VALUES (?, ?, ?, ?, ?)`,
				norm, st.requestID, st.caseRef, id, now)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				a.RequestID, a.CaseRef = st.requestID, norm
				if err := s.core.AppendEvent(ctx, tx, "request.case_ref_learned", subj, map[string]any{"case_ref": st.caseRef}); err != nil {
					return err
				}
			}
		}
	case KindClarification:
		if st.kindBy != "person" {
			if err := s.core.AppendEvent(ctx, tx, "message.needs_person", subj, map[string]any{"why": "the authority asks for clarification; a person must confirm before the clock stops"}); err != nil {
				return err
			}
		}
	}
	var raw any
	if a != (applied{}) {
		b, _ := json.Marshal(a)
		raw = string(b)
	}
	if _, err = tx.ExecContext(ctx, `UPDATE messages SET applied = ? WHERE id = ?`, raw, id); err != nil {
		return err
	}
	by := "triage"
	if st.kindBy == "person" {
		by = "a person"
	}
	_, err = s.core.DeriveClock(ctx, tx, st.requestID, st.kind+", by "+by, id)
	return err
}

// undoLocked reverses what a message's decision changed besides the clock
// (the caller derives the clock again), where nothing else has changed the
// same thing since.
func (s *Store) undoLocked(ctx context.Context, tx *sql.Tx, id int64) error {
	st, err := s.loadStateLocked(ctx, tx, id)
	if err != nil {
		return err
	}
	a := st.applied
	if a == (applied{}) {
		return nil
	}
	if a.FlaggedEmail && a.AuthorityID != 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE authorities SET email_bounced_at = NULL, email_bounce_reason = NULL WHERE id = ?`, a.AuthorityID); err != nil {
			return err
		}
		if err := s.core.AppendEvent(ctx, tx, "authority.email_bounce_cleared", store.Subject{Message: id, Authority: a.AuthorityID}, map[string]any{"because": "correction"}); err != nil {
			return err
		}
	}
	if a.CaseRef != "" && a.RequestID != 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM case_refs WHERE norm = ? AND request_id = ? AND message_id = ?`, a.CaseRef, a.RequestID, id); err != nil {
			return err
		}
		if err := s.core.AppendEvent(ctx, tx, "request.case_ref_forgotten", store.Subject{Message: id, Request: a.RequestID}, map[string]any{"case_ref": a.CaseRef, "because": "correction"}); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE messages SET applied = NULL WHERE id = ?`, id)
	return err
}

// Classify records a person's correction of a message's kind and re-applies
// the state change: the old kind's change is undone, the new one's made.
// The kind's detail (what a refusal cites, where a published reply points)
// is kept, so that correcting a refusal to a response and back loses
// nothing; ClassifyDetail sets it.
func (s *Store) Classify(ctx context.Context, id int64, kind, reason string) error {
	return s.ClassifyDetail(ctx, id, kind, reason, "")
}

// ClassifyDetail is Classify that also sets the kind's detail, when detail
// is not "".
func (s *Store) ClassifyDetail(ctx context.Context, id int64, kind, reason, detail string) error {
	return s.ClassifyBy(ctx, id, kind, reason, detail, "")
}

// ClassifyBy is ClassifyDetail on the word of by (a signed-in user's
// name), recorded in the message.classified event; "" records no name.
func (s *Store) ClassifyBy(ctx context.Context, id int64, kind, reason, detail, by string) error {
	if !validKind(kind) {
		return fmt.Errorf("unknown kind %q (one of %s)", kind, strings.Join(Kinds, ", "))
	}
	return s.core.Tx(ctx, func(tx *sql.Tx) error {
		var old string
		if err := tx.QueryRowContext(ctx, `SELECT kind FROM messages WHERE id = ?`, id).Scan(&old); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("message %d: %w", id, store.ErrNotFound)
			}
			return err
		}
		if err := s.undoLocked(ctx, tx, id); err != nil {
			return err
		}
		if reason == "" {
			reason = "set by a person"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET kind = ?1, kind_reason = ?2, kind_detail = CASE WHEN ?3 = '' THEN kind_detail ELSE ?3 END,
			kind_by = 'person', needs_person = 0, updated_at = ?4 WHERE id = ?5`,
			kind, reason, detail, s.stamp(), id); err != nil {
			return err
		}
		ev := map[string]any{"from": old, "to": kind, "reason": reason}
		if detail != "" {
			ev["detail"] = detail
		}
		if by != "" {
			ev["by"] = by
		}
		if err := s.core.AppendEvent(ctx, tx, "message.classified", store.Subject{Message: id}, ev); err != nil {
			return err
		}
		return s.applyLocked(ctx, tx, id)
	})
}

// Assign ties a message to the request with this reference, on a person's
// word. The previous request's state change is undone and the new one's
// made, and the sender's address is learned for the request's authority so
// the next message from it matches by itself.
func (s *Store) Assign(ctx context.Context, id int64, token string) (RequestRef, error) {
	var out RequestRef
	err := s.core.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id, ref, authority_id FROM requests WHERE ref = ?`, ref.Normalize(token)).Scan(&out.ID, &out.Ref, &out.AuthorityID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("request %q: %w", token, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		var from string
		var oldReq sql.NullInt64
		var oldBy, dismissed sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT from_addr, request_id, matched_by, dismissed_at FROM messages WHERE id = ?`, id).Scan(&from, &oldReq, &oldBy, &dismissed); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("message %d: %w", id, store.ErrNotFound)
			}
			return err
		}
		if dismissed.Valid {
			return fmt.Errorf("message %d: %w", id, ErrDismissed)
		}
		if err := s.forgetAssignedSenderLocked(ctx, tx, id, from, oldReq.Int64, oldBy.String, out.AuthorityID, "reassigned"); err != nil {
			return err
		}
		if err := s.undoLocked(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET request_id = ?, matched_by = 'person', match_detail = '', updated_at = ? WHERE id = ?`, out.ID, s.stamp(), id); err != nil {
			return err
		}
		if err := s.core.AppendEvent(ctx, tx, "message.assigned", store.Subject{Message: id, Request: out.ID, Authority: out.AuthorityID}, map[string]any{
			"ref": out.Ref, "previous_request": oldReq.Int64}); err != nil {
			return err
		}
		if from != "" {
			res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO authority_senders (authority_id, address, source, created_at) VALUES (?, ?, 'assigned', ?)`,
				out.AuthorityID, strings.ToLower(from), s.stamp())
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				if err := s.core.AppendEvent(ctx, tx, "authority.sender_learned", store.Subject{Authority: out.AuthorityID, Message: id}, map[string]any{"address": strings.ToLower(from)}); err != nil {
					return err
				}
			}
		}
		if err := s.applyLocked(ctx, tx, id); err != nil {
			return err
		}
		if oldReq.Int64 != out.ID {
			_, err := s.core.DeriveClock(ctx, tx, oldReq.Int64, "message reassigned", id)
			return err
		}
		return nil
	})
	return out, err
}

// Rederive replaces what was derived from a message's raw bytes with a fresh
// parse (foidesk messages reparse). A person's assignment and classification
// are kept; otherwise the new match and kind replace the old and the state
// change is re-applied.
func (s *Store) Rederive(ctx context.Context, id int64, d Derived) (changed bool, err error) {
	err = s.core.Tx(ctx, func(tx *sql.Tx) error {
		var kindBy, kind string
		var matchedBy, dismissed sql.NullString
		var req sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT kind_by, kind, matched_by, request_id, dismissed_at FROM messages WHERE id = ?`, id).Scan(&kindBy, &kind, &matchedBy, &req, &dismissed); err != nil {
			return err
		}
		// A dismissed message stays unmatched: a person said it belongs to
		// no request.
		keepMatch, keepKind := matchedBy.String == "person" || dismissed.Valid, kindBy == "person"
		changed = (!keepKind && kind != d.Kind) || (!keepMatch && req.Int64 != d.RequestID)
		if changed {
			if err := s.undoLocked(ctx, tx, id); err != nil {
				return err
			}
		}
		if err := s.writeDerivedLocked(ctx, tx, id, d, keepMatch, keepKind); err != nil {
			return err
		}
		if err := s.core.AppendEvent(ctx, tx, "message.reparsed", store.Subject{Message: id}, map[string]any{
			"kind": d.Kind, "matched_by": d.MatchedBy, "attachments": len(d.Attachments), "changed": changed}); err != nil {
			return err
		}
		if !changed {
			return nil
		}
		if err := s.applyLocked(ctx, tx, id); err != nil {
			return err
		}
		if !keepMatch && req.Int64 != d.RequestID {
			_, err := s.core.DeriveClock(ctx, tx, req.Int64, "message matched elsewhere on reparse", id)
			return err
		}
		return nil
	})
	return changed, err
}

// AuthorityEmailBounced reports whether an authority's address is flagged
// by a permanent bounce, and why.
func (s *Store) AuthorityEmailBounced(ctx context.Context, id int64) (bool, string, error) {
	var at, reason sql.NullString
	err := s.core.DB().QueryRowContext(ctx, `SELECT email_bounced_at, email_bounce_reason FROM authorities WHERE id = ?`, id).Scan(&at, &reason)
	return at.Valid, reason.String, err
}
