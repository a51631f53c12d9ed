package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// applied is the state change a message made, kept so that a correction can
// undo exactly that change and nothing a person did since.
type applied struct {
	RequestID    int64   `json:"request_id,omitempty"`
	PriorStatus  string  `json:"prior_status,omitempty"`
	Status       string  `json:"status,omitempty"`
	PriorDue     *string `json:"prior_due_date,omitempty"`
	ClearedDue   bool    `json:"cleared_due_date,omitempty"`
	AuthorityID  int64   `json:"authority_id,omitempty"`
	FlaggedEmail bool    `json:"flagged_email,omitempty"`
	CaseRef      string  `json:"case_ref,omitempty"`
}

type msgState struct {
	requestID   int64
	kind        string
	kindBy      string
	bounce      string
	bounceRcpt  string
	caseRef     string
	applied     applied
	fromAddr    string
	authorityID int64
	reqStatus   string
	reqDue      sql.NullString
	// clocked: the request was delivered, so with a ClockRule its status
	// and due date are derived rather than set here.
	clocked bool
}

func (s *Store) loadStateLocked(ctx context.Context, tx *sql.Tx, id int64) (msgState, error) {
	var st msgState
	var req sql.NullInt64
	var bounce, rcpt, caseRef, app sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT request_id, kind, kind_by, bounce_status, bounce_recipient, case_ref, applied, from_addr FROM messages WHERE id = ?`, id).
		Scan(&req, &st.kind, &st.kindBy, &bounce, &rcpt, &caseRef, &app, &st.fromAddr)
	if errors.Is(err, sql.ErrNoRows) {
		return st, fmt.Errorf("message %d: %w", id, ErrNotFound)
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
		var outbox string
		var sent sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT authority_id, status, due_date, outbox_state, sent_at FROM requests WHERE id = ?`, st.requestID).
			Scan(&st.authorityID, &st.reqStatus, &st.reqDue, &outbox, &sent); err != nil {
			return st, fmt.Errorf("message %d: request %d: %w", id, st.requestID, err)
		}
		st.clocked = s.clock != nil && outbox == OutboxSent && sent.Valid
	}
	return st, nil
}

// applyLocked makes the state change a message's kind implies for its
// request, remembers it in messages.applied, and writes the events:
// a permanent bounce makes the request not delivered (clearing its due date:
// no clock ever ran) and flags the authority's address; a response marks the
// request replied, awaiting review; an acknowledgement teaches foidesk the
// authority's case reference; a clarification request waits for a person,
// and once a person confirms it the clock stops. Auto-replies and temporary
// bounces change nothing.
//
// With a ClockRule (Options.Clock) a delivered request's status and due
// date are not set here but derived from all its facts (deriveClockLocked),
// so that a correction or a later fact can never leave them disagreeing
// with its mail. Without one, or for a request with no delivery time yet
// (its sending is unknown), the status is moved directly and undone on
// correction.
func (s *Store) applyLocked(ctx context.Context, tx *sql.Tx, id int64) error {
	st, err := s.loadStateLocked(ctx, tx, id)
	if err != nil {
		return err
	}
	var a applied
	subj := Subject{Message: id, Request: st.requestID, Authority: st.authorityID}
	now := s.msgStamp()
	setStatus := func(to string, clearDue bool) error {
		if st.clocked {
			return nil // derived below, from all the request's facts
		}
		a.RequestID, a.PriorStatus, a.Status = st.requestID, st.reqStatus, to
		q := `UPDATE requests SET status = ?, updated_at = ? WHERE id = ?`
		if clearDue {
			if st.reqDue.Valid {
				d := st.reqDue.String
				a.PriorDue = &d
			}
			a.ClearedDue = true
			q = `UPDATE requests SET status = ?, updated_at = ?, due_date = NULL WHERE id = ?`
		}
		if _, err := tx.ExecContext(ctx, q, to, now, st.requestID); err != nil {
			return fmt.Errorf("update request %d: %w", st.requestID, err)
		}
		return s.appendEvent(ctx, tx, "request.status_changed", subj, map[string]any{
			"from": st.reqStatus, "to": to, "because": st.kind, "message": id})
	}
	switch st.kind {
	case KindBounce:
		permanent := st.bounce == "" || strings.HasPrefix(st.bounce, "5")
		if !permanent {
			if err := s.appendEvent(ctx, tx, "message.bounce_temporary", subj, map[string]any{"status": st.bounce, "recipient": st.bounceRcpt}); err != nil {
				return err
			}
			break
		}
		if st.requestID == 0 {
			break
		}
		if st.reqStatus == StatusPending || st.reqStatus == "" {
			if err := setStatus(StatusNotDelivered, true); err != nil {
				return err
			}
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
			if err := s.appendEvent(ctx, tx, "authority.email_bounced", subj, map[string]any{"status": st.bounce, "recipient": st.bounceRcpt}); err != nil {
				return err
			}
		}
	case KindResponse:
		if st.requestID != 0 && (st.reqStatus == StatusPending || st.reqStatus == StatusNotDelivered || st.reqStatus == "") {
			if err := setStatus(StatusReplied, false); err != nil {
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
				if err := s.appendEvent(ctx, tx, "request.case_ref_learned", subj, map[string]any{"case_ref": st.caseRef}); err != nil {
					return err
				}
			}
		}
	case KindClarification:
		if st.kindBy != "person" {
			if err := s.appendEvent(ctx, tx, "message.needs_person", subj, map[string]any{"why": "the authority asks for clarification; a person must confirm before the clock stops"}); err != nil {
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
	_, err = s.deriveClockLocked(ctx, tx, st.requestID, st.kind+", by "+by, id)
	return err
}

// undoLocked reverses the change a message made, where nothing else has
// changed the same thing since.
func (s *Store) undoLocked(ctx context.Context, tx *sql.Tx, id int64) error {
	st, err := s.loadStateLocked(ctx, tx, id)
	if err != nil {
		return err
	}
	a := st.applied
	if a == (applied{}) {
		return nil
	}
	now := s.msgStamp()
	if a.Status != "" && a.RequestID != 0 {
		var cur string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM requests WHERE id = ?`, a.RequestID).Scan(&cur); err != nil {
			return err
		}
		if cur == a.Status {
			q := `UPDATE requests SET status = ?, updated_at = ? WHERE id = ?`
			args := []any{a.PriorStatus, now, a.RequestID}
			if a.ClearedDue {
				q = `UPDATE requests SET status = ?, updated_at = ?, due_date = ? WHERE id = ?`
				var due any
				if a.PriorDue != nil {
					due = *a.PriorDue
				}
				args = []any{a.PriorStatus, now, due, a.RequestID}
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
			if err := s.appendEvent(ctx, tx, "request.status_changed", Subject{Message: id, Request: a.RequestID}, map[string]any{
				"from": cur, "to": a.PriorStatus, "because": "correction", "message": id}); err != nil {
				return err
			}
		}
	}
	if a.FlaggedEmail && a.AuthorityID != 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE authorities SET email_bounced_at = NULL, email_bounce_reason = NULL WHERE id = ?`, a.AuthorityID); err != nil {
			return err
		}
		if err := s.appendEvent(ctx, tx, "authority.email_bounce_cleared", Subject{Message: id, Authority: a.AuthorityID}, map[string]any{"because": "correction"}); err != nil {
			return err
		}
	}
	if a.CaseRef != "" && a.RequestID != 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM case_refs WHERE norm = ? AND request_id = ? AND message_id = ?`, a.CaseRef, a.RequestID, id); err != nil {
			return err
		}
		if err := s.appendEvent(ctx, tx, "request.case_ref_forgotten", Subject{Message: id, Request: a.RequestID}, map[string]any{"case_ref": a.CaseRef, "because": "correction"}); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE messages SET applied = NULL WHERE id = ?`, id)
	return err
}

// Classify records a person's correction of a message's kind and re-applies
// the state change: the old kind's change is undone, the new one's made.
func (s *Store) Classify(ctx context.Context, id int64, kind, reason string) error {
	if !validMsgKind(kind) {
		return fmt.Errorf("unknown kind %q (one of %s)", kind, strings.Join(Kinds, ", "))
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		var old string
		if err := tx.QueryRowContext(ctx, `SELECT kind FROM messages WHERE id = ?`, id).Scan(&old); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("message %d: %w", id, ErrNotFound)
			}
			return err
		}
		if err := s.undoLocked(ctx, tx, id); err != nil {
			return err
		}
		if reason == "" {
			reason = "set by a person"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET kind = ?, kind_reason = ?, kind_by = 'person', needs_person = 0, updated_at = ? WHERE id = ?`,
			kind, reason, s.msgStamp(), id); err != nil {
			return err
		}
		if err := s.appendEvent(ctx, tx, "message.classified", Subject{Message: id}, map[string]any{"from": old, "to": kind, "reason": reason}); err != nil {
			return err
		}
		return s.applyLocked(ctx, tx, id)
	})
}

// Assign ties a message to the request with this reference, on a person's
// word. The previous request's state change is undone and the new one's
// made, and the sender's address is learned for the request's authority so
// the next message from it matches by itself.
func (s *Store) Assign(ctx context.Context, id int64, ref string) (RequestRef, error) {
	var out RequestRef
	err := s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id, ref, authority_id FROM requests WHERE ref = ?`, NormalizeRef(ref)).Scan(&out.ID, &out.Ref, &out.AuthorityID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("request %q: %w", ref, ErrNotFound)
		}
		if err != nil {
			return err
		}
		var from string
		var oldReq sql.NullInt64
		var oldBy sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT from_addr, request_id, matched_by FROM messages WHERE id = ?`, id).Scan(&from, &oldReq, &oldBy); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("message %d: %w", id, ErrNotFound)
			}
			return err
		}
		if oldBy.String == "person" && oldReq.Valid && from != "" {
			// The person corrects their own assignment: what it taught about
			// the sender was wrong too.
			var oldAuth int64
			if err := tx.QueryRowContext(ctx, `SELECT authority_id FROM requests WHERE id = ?`, oldReq.Int64).Scan(&oldAuth); err != nil {
				return err
			}
			if oldAuth != out.AuthorityID {
				res, err := tx.ExecContext(ctx, `DELETE FROM authority_senders WHERE authority_id = ? AND address = ? AND source = 'assigned'`, oldAuth, strings.ToLower(from))
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n > 0 {
					if err := s.appendEvent(ctx, tx, "authority.sender_forgotten", Subject{Authority: oldAuth, Message: id}, map[string]any{"address": strings.ToLower(from), "because": "reassigned"}); err != nil {
						return err
					}
				}
			}
		}
		if err := s.undoLocked(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET request_id = ?, matched_by = 'person', match_detail = '', updated_at = ? WHERE id = ?`, out.ID, s.msgStamp(), id); err != nil {
			return err
		}
		if err := s.appendEvent(ctx, tx, "message.assigned", Subject{Message: id, Request: out.ID, Authority: out.AuthorityID}, map[string]any{
			"ref": out.Ref, "previous_request": oldReq.Int64}); err != nil {
			return err
		}
		if from != "" {
			res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO authority_senders (authority_id, address, source, created_at) VALUES (?, ?, 'assigned', ?)`,
				out.AuthorityID, strings.ToLower(from), s.msgStamp())
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				if err := s.appendEvent(ctx, tx, "authority.sender_learned", Subject{Authority: out.AuthorityID, Message: id}, map[string]any{"address": strings.ToLower(from)}); err != nil {
					return err
				}
			}
		}
		if err := s.applyLocked(ctx, tx, id); err != nil {
			return err
		}
		if oldReq.Int64 != out.ID {
			_, err := s.deriveClockLocked(ctx, tx, oldReq.Int64, "message reassigned", id)
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
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var kindBy, kind string
		var matchedBy sql.NullString
		var req sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT kind_by, kind, matched_by, request_id FROM messages WHERE id = ?`, id).Scan(&kindBy, &kind, &matchedBy, &req); err != nil {
			return err
		}
		keepMatch, keepKind := matchedBy.String == "person", kindBy == "person"
		changed = (!keepKind && kind != d.Kind) || (!keepMatch && req.Int64 != d.RequestID)
		if changed {
			if err := s.undoLocked(ctx, tx, id); err != nil {
				return err
			}
		}
		if err := s.writeDerivedLocked(ctx, tx, id, d, keepMatch, keepKind); err != nil {
			return err
		}
		if err := s.appendEvent(ctx, tx, "message.reparsed", Subject{Message: id}, map[string]any{
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
			_, err := s.deriveClockLocked(ctx, tx, req.Int64, "message matched elsewhere on reparse", id)
			return err
		}
		return nil
	})
	return changed, err
}
