package campaign

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"foidesk/store"
)

// Letters after the first: chasers, internal-review letters and alert
// digests. Each is a row of its own outbox (letter_outbox.go), rendered
// once when it is queued and sent byte for byte, and each has a once-only
// key, so that however often a loop decides a letter is due, it is queued
// once.

// Kinds of letter.
const (
	LetterChaser = "chaser"
	LetterReview = "internal-review"
	LetterDigest = "digest"
)

// NewLetter is a rendered letter to queue.
type NewLetter struct {
	Kind      string // LetterChaser, LetterReview, LetterDigest
	RequestID int64  // 0: none (a digest)
	Key       string // once-only: a second QueueLetterTx with the same Key queues nothing
	To        string
	MessageID string // without angle brackets
	Subject   string
	Raw       []byte
	By        string // who asked for it (a person's name); "": foidesk itself
}

// Letter is a queued letter as a listing shows it.
type Letter struct {
	ID           int64
	Kind         string
	RequestID    int64 // 0 for a digest
	Key          string
	To           string
	MessageID    string
	Subject      string
	State        string // one of the outbox states (OutboxQueued …), never draft
	Attempts     int
	SMTPText     string
	SentAt       time.Time
	CancelReason string // why a cancelled letter was not sent
	CreatedAt    time.Time
}

// ChaserKey is the once-only key of request requestID's n-th chaser (from 1).
func ChaserKey(requestID int64, n int) string {
	return "chaser:" + strconv.FormatInt(requestID, 10) + ":" + strconv.Itoa(n)
}

// ReviewKey is the once-only key of a request's internal-review letter:
// one review is asked for per request.
func ReviewKey(requestID int64) string { return "review:" + strconv.FormatInt(requestID, 10) }

// DigestKey is the once-only key of the alert digest of a day (YYYY-MM-DD).
func DigestKey(day string) string { return "digest:" + day }

func (l NewLetter) check() error {
	switch l.Kind {
	case LetterChaser, LetterReview:
		if l.RequestID == 0 {
			return fmt.Errorf("a %s letter follows up a request; none given", l.Kind)
		}
	case LetterDigest:
		if l.RequestID != 0 {
			return errors.New("a digest follows up no single request")
		}
	default:
		return fmt.Errorf("unknown kind of letter %q", l.Kind)
	}
	switch {
	case l.Key == "":
		return fmt.Errorf("%s letter: the once-only key is empty", l.Kind)
	case l.To == "":
		return fmt.Errorf("%s letter %s: no recipient", l.Kind, l.Key)
	case l.MessageID == "":
		return fmt.Errorf("%s letter %s: no Message-ID", l.Kind, l.Key)
	case len(l.Raw) == 0:
		return fmt.Errorf("%s letter %s: no message", l.Kind, l.Key)
	}
	return nil
}

// letterSubject is what a letter's events are about: its request, or
// nothing (a digest; the letter id is in the detail).
func letterSubject(requestID int64) store.Subject { return store.Subject{Request: requestID} }

// QueueLetterTx queues l inside tx (the caller's transaction); queued is
// false when a letter with l.Key exists already, and id is then that
// letter's.
func (s *Store) QueueLetterTx(ctx context.Context, tx *sql.Tx, l NewLetter) (id int64, queued bool, err error) {
	if err := l.check(); err != nil {
		return 0, false, err
	}
	now := ts(s.core.Now())
	err = tx.QueryRowContext(ctx, `INSERT INTO letters (kind, request_id, once_key, to_email, message_id, subject, raw, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (once_key) DO NOTHING RETURNING id`,
		l.Kind, nullID(l.RequestID), l.Key, l.To, l.MessageID, l.Subject, l.Raw, now, now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		if err := tx.QueryRowContext(ctx, `SELECT id FROM letters WHERE once_key = ?`, l.Key).Scan(&id); err != nil {
			return 0, false, fmt.Errorf("letter %s: %w", l.Key, err)
		}
		return id, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("queue %s letter %s: %w", l.Kind, l.Key, err)
	}
	detail := map[string]any{
		"letter": id, "kind": l.Kind, "key": l.Key, "to": l.To, "message_id": l.MessageID, "subject": l.Subject,
	}
	if l.By != "" {
		detail["by"] = l.By
	}
	err = s.core.AppendEvent(ctx, tx, "letter.queued", letterSubject(l.RequestID), detail)
	return id, true, err
}

// QueueLetter is QueueLetterTx in a transaction of its own.
func (s *Store) QueueLetter(ctx context.Context, l NewLetter) (id int64, queued bool, err error) {
	err = s.core.Tx(ctx, func(tx *sql.Tx) error {
		id, queued, err = s.QueueLetterTx(ctx, tx, l)
		return err
	})
	return id, queued, err
}

// letterCols are a Letter's columns, of letters as l.
const letterCols = `l.id, l.kind, coalesce(l.request_id, 0), l.once_key, l.to_email, l.message_id, l.subject, l.outbox_state, l.attempts,
	coalesce(l.smtp_text, ''), l.sent_at, coalesce(l.cancel_reason, ''), l.created_at`

func scanLetter(row scanner) (Letter, error) {
	var l Letter
	var sent, created sql.NullString
	if err := row.Scan(&l.ID, &l.Kind, &l.RequestID, &l.Key, &l.To, &l.MessageID, &l.Subject, &l.State, &l.Attempts,
		&l.SMTPText, &sent, &l.CancelReason, &created); err != nil {
		return l, err
	}
	l.SentAt, l.CreatedAt = parseTS(sent), parseTS(created)
	return l, nil
}

// LetterByKey finds a letter by its once-only key; store.ErrNotFound when
// there is none.
func (s *Store) LetterByKey(ctx context.Context, key string) (Letter, error) {
	l, err := scanLetter(s.core.DB().QueryRowContext(ctx, `SELECT `+letterCols+` FROM letters l WHERE l.once_key = ?`, key))
	if errors.Is(err, sql.ErrNoRows) {
		return l, fmt.Errorf("letter %s: %w", key, store.ErrNotFound)
	}
	return l, err
}

// RequestLetters lists the letters that followed up a request, oldest first.
func (s *Store) RequestLetters(ctx context.Context, requestID int64) ([]Letter, error) {
	rows, err := s.core.DB().QueryContext(ctx, `SELECT `+letterCols+` FROM letters l WHERE l.request_id = ? ORDER BY l.id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("letters of request %d: %w", requestID, err)
	}
	defer rows.Close()
	var out []Letter
	for rows.Next() {
		l, err := scanLetter(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// LatestReplyID is the Message-ID header of the newest message matched to
// a request, "" when none: a follow-up names it in In-Reply-To, so that it
// sits in the authority's thread.
func (s *Store) LatestReplyID(ctx context.Context, requestID int64) (string, error) {
	var id sql.NullString
	err := s.core.DB().QueryRowContext(ctx, `SELECT header_message_id FROM messages
		WHERE request_id = ? AND header_message_id IS NOT NULL AND header_message_id <> '' ORDER BY id DESC LIMIT 1`, requestID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("latest reply of request %d: %w", requestID, err)
	}
	return id.String, nil
}

// LetterCounts counts a campaign's follow-up letters by kind and state.
func (s *Store) LetterCounts(ctx context.Context, campaignID int64) (map[string]map[string]int, error) {
	rows, err := s.core.DB().QueryContext(ctx, `SELECT l.kind, l.outbox_state, count(*) FROM letters l JOIN requests r ON r.id = l.request_id
		WHERE r.campaign_id = ? GROUP BY l.kind, l.outbox_state`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("count letters: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]int{}
	for rows.Next() {
		var kind, state string
		var n int
		if err := rows.Scan(&kind, &state, &n); err != nil {
			return nil, err
		}
		if out[kind] == nil {
			out[kind] = map[string]int{}
		}
		out[kind][state] = n
	}
	return out, rows.Err()
}
