package mail

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"foidesk/store"
)

// ErrDismissed: the message was dismissed by a person as belonging to no
// request; it is not matched until it is undismissed.
var ErrDismissed = errors.New("dismissed as belonging to no request (undismiss it first)")

// ErrMatched: the message is matched to a request, so dismissing it would
// also take it from the request.
var ErrMatched = errors.New("matched to a request")

// Dismissal reports what Dismiss did.
type Dismissal struct {
	// Unmatched is the reference of the request the message was taken from
	// (force), "" when it was unmatched already.
	Unmatched string
}

// Dismiss records a person's word that a message belongs to no request: a
// stranger's mail, spam. It leaves the unmatched queue, is never matched
// (reparse keeps it unmatched, assign refuses it) nor extracted into the
// review queue, and its raw file is kept. by and reason are recorded in
// the message.dismissed event. A message matched to a request is refused
// (ErrMatched) unless force: then its decision is undone through the same
// path as a correction, it is unmatched, and the request's clock is derived
// again without it.
func (s *Store) Dismiss(ctx context.Context, id int64, reason, by string, force bool) (Dismissal, error) {
	var out Dismissal
	err := s.core.Tx(ctx, func(tx *sql.Tx) error {
		var from string
		var req sql.NullInt64
		var matchedBy, dismissed, ref sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT m.from_addr, m.request_id, m.matched_by, m.dismissed_at, r.ref FROM messages m
			LEFT JOIN requests r ON r.id = m.request_id WHERE m.id = ?`, id).Scan(&from, &req, &matchedBy, &dismissed, &ref)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("message %d: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if dismissed.Valid {
			return fmt.Errorf("message %d was already dismissed on %s", id, dismissed.String)
		}
		subj := store.Subject{Message: id}
		if req.Valid {
			if !force {
				return fmt.Errorf("message %d is %w %s", id, ErrMatched, ref.String)
			}
			out.Unmatched = ref.String
			subj.Request = req.Int64
			if err := s.forgetAssignedSenderLocked(ctx, tx, id, from, req.Int64, matchedBy.String, 0, "dismissed"); err != nil {
				return err
			}
			if err := s.undoLocked(ctx, tx, id); err != nil {
				return err
			}
		}
		now := s.stamp()
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET request_id = NULL, matched_by = NULL, match_detail = '',
			dismissed_at = ?, dismissed_reason = ?, updated_at = ? WHERE id = ?`, now, reason, now, id); err != nil {
			return err
		}
		detail := map[string]any{"by": by, "reason": reason}
		if out.Unmatched != "" {
			detail["unmatched_from"] = out.Unmatched
			detail["matched_by"] = matchedBy.String
		}
		if err := s.core.AppendEvent(ctx, tx, "message.dismissed", subj, detail); err != nil {
			return err
		}
		if req.Valid {
			_, err := s.core.DeriveClock(ctx, tx, req.Int64, "message dismissed", id)
			return err
		}
		return nil
	})
	return out, err
}

// Undismiss takes a dismissal back: the message returns to the unmatched
// queue, to be assigned by a person or matched by a reparse.
func (s *Store) Undismiss(ctx context.Context, id int64, by string) error {
	return s.core.Tx(ctx, func(tx *sql.Tx) error {
		var dismissed sql.NullString
		var reason string
		err := tx.QueryRowContext(ctx, `SELECT dismissed_at, dismissed_reason FROM messages WHERE id = ?`, id).Scan(&dismissed, &reason)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("message %d: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if !dismissed.Valid {
			return fmt.Errorf("message %d is not dismissed", id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET dismissed_at = NULL, dismissed_reason = '', updated_at = ? WHERE id = ?`, s.stamp(), id); err != nil {
			return err
		}
		return s.core.AppendEvent(ctx, tx, "message.undismissed", store.Subject{Message: id}, map[string]any{
			"by": by, "dismissed_at": dismissed.String, "dismissed_reason": reason})
	})
}

// forgetAssignedSenderLocked forgets the sender address a person's
// assignment of message id to request req taught, when the message leaves
// that request for another authority's (newAuthority) or for none (0): what
// the assignment taught about the sender was wrong too.
func (s *Store) forgetAssignedSenderLocked(ctx context.Context, tx *sql.Tx, id int64, from string, req int64, matchedBy string, newAuthority int64, because string) error {
	if matchedBy != "person" || req == 0 || from == "" {
		return nil
	}
	var oldAuth int64
	if err := tx.QueryRowContext(ctx, `SELECT authority_id FROM requests WHERE id = ?`, req).Scan(&oldAuth); err != nil {
		return err
	}
	if oldAuth == newAuthority {
		return nil
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM authority_senders WHERE authority_id = ? AND address = ? AND source = 'assigned'`, oldAuth, strings.ToLower(from))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return s.core.AppendEvent(ctx, tx, "authority.sender_forgotten", store.Subject{Authority: oldAuth, Message: id}, map[string]any{"address": strings.ToLower(from), "because": because})
	}
	return nil
}
