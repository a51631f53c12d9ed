package document

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"foidesk/store"
)

// ReviewItem is one review queue entry with what a reviewer needs to pick
// it up.
type ReviewItem struct {
	ID         int64   `json:"id"`
	DocumentID int64   `json:"document_id"`
	MessageID  int64   `json:"message_id"`
	RequestRef string  `json:"request_ref,omitempty"`
	Authority  string  `json:"authority,omitempty"`
	Filename   string  `json:"filename"`
	Status     string  `json:"status"` // the document's extraction status
	SimilarTo  int64   `json:"similar_to,omitempty"`
	Similarity float64 `json:"similarity,omitempty"`
	State      string  `json:"state"`
	Outcome    string  `json:"outcome,omitempty"`
	Note       string  `json:"note,omitempty"` // e.g. that the message has more documents than were queued (CapNote)
}

// ReviewQueue lists review entries, oldest first; pendingOnly leaves out
// decided ones.
func (s *Store) ReviewQueue(ctx context.Context, pendingOnly bool) ([]ReviewItem, error) {
	q := `SELECT rq.id, rq.document_id, rq.message_id, coalesce(r.ref, ''), coalesce(a.name, ''),
		coalesce((SELECT ds.filename FROM document_sources ds WHERE ds.document_id = rq.document_id AND ds.message_id = rq.message_id ORDER BY ds.id LIMIT 1), ''),
		d.status, coalesce(d.similar_to, 0), coalesce(d.similarity, 0), rq.state, coalesce(rq.outcome, ''), rq.note
		FROM review_queue rq JOIN documents d ON d.id = rq.document_id JOIN messages m ON m.id = rq.message_id
		LEFT JOIN requests r ON r.id = m.request_id LEFT JOIN authorities a ON a.id = r.authority_id`
	if pendingOnly {
		q += ` WHERE rq.state = 'pending'`
	}
	q += ` ORDER BY rq.id`
	rows, err := s.core.DB().QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list review queue: %w", err)
	}
	defer rows.Close()
	var out []ReviewItem
	for rows.Next() {
		var r ReviewItem
		if err := rows.Scan(&r.ID, &r.DocumentID, &r.MessageID, &r.RequestRef, &r.Authority, &r.Filename, &r.Status, &r.SimilarTo, &r.Similarity, &r.State, &r.Outcome, &r.Note); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DecideReview records a reviewer's outcome for one queue entry. Deciding
// again replaces the outcome; both decisions stay in the event log.
func (s *Store) DecideReview(ctx context.Context, id int64, outcome string) error {
	if strings.TrimSpace(outcome) == "" {
		return errors.New("review outcome must not be empty")
	}
	return s.core.Tx(ctx, func(tx *sql.Tx) error {
		var docID, msgID int64
		var old sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT document_id, message_id, outcome FROM review_queue WHERE id = ?`, id).Scan(&docID, &msgID, &old)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("review entry %d: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE review_queue SET state = 'done', outcome = ?, decided_at = ? WHERE id = ?`,
			outcome, s.core.Now().UTC().Format(time.RFC3339Nano), id); err != nil {
			return fmt.Errorf("decide review %d: %w", id, err)
		}
		subj, err := messageSubject(ctx, tx, msgID)
		if err != nil {
			return err
		}
		return s.core.AppendEvent(ctx, tx, "review.decided", subj, map[string]any{
			"review_id": id, "document_id": docID, "outcome": outcome, "previous_outcome": old.String})
	})
}
