package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// StatusClarification: the authority asked what the request meant and a
// person confirmed it; the clock is stopped until the requester answers
// (foidesk requests clarified).
const StatusClarification = "clarification-requested"

// clockStatuses are the statuses a request's clock owns. A request in any
// other status (an outcome a reviewer recorded, say) is left alone.
var clockStatuses = []string{StatusPending, StatusNotDelivered, StatusClarification, StatusReplied}

// ClarificationAnswer is the requester's answer to a clarification request,
// recorded as a request.clarification_answered event.
type ClarificationAnswer struct {
	Message int64     // the clarification request it answers
	At      time.Time // when the authority received the answer
}

// ClockFacts is everything a request's statutory clock rests on, as the
// database holds it now.
type ClockFacts struct {
	RequestID int64
	Ref       string
	Regime    string    // foia, eir, foisa, eisr
	SentAt    time.Time // when the authority's server accepted the request
	Replies   []ReplyFact
	// Answers holds, per clarification request, the latest answer recorded
	// for it: recording another corrects the date.
	Answers []ClarificationAnswer
}

// RequestClock is a request's clock as a ClockRule derives it.
type RequestClock struct {
	Status string // one of pending, not-delivered, clarification-requested, replied
	Due    string // YYYY-MM-DD; "" when no due date applies
	// Ignored says, one sentence each, which facts the clock could not use
	// and why (a bounce after the authority acknowledged the request).
	Ignored []string
	Detail  any // what the clock rests on, for the event; JSON-encoded
}

// ClockRule derives a request's status and due date from its facts. The
// store cannot know the statutory calendars, so it declares this and calls
// it inside every transaction that changes a fact, and the caller supplies
// one built on the deadline engine (ingest.Clocks). It must be pure and safe
// for concurrent use.
type ClockRule interface {
	RequestClock(f ClockFacts) (RequestClock, error)
}

// ErrNoClockRule: the store was opened without Options.Clock, so it cannot
// derive clocks.
var ErrNoClockRule = errors.New("the store was opened without a clock rule")

type rowsQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// replyFacts lists the facts of every message matched to a request.
func replyFacts(ctx context.Context, q rowsQueryer, requestID int64) ([]ReplyFact, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, kind_by, coalesce(bounce_status, ''), received_at, coalesce(sent_date, '')
		FROM messages WHERE request_id = ? ORDER BY id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("replies of request %d: %w", requestID, err)
	}
	defer rows.Close()
	var out []ReplyFact
	for rows.Next() {
		var f ReplyFact
		var by, bounce, received, sent string
		if err := rows.Scan(&f.MessageID, &f.Kind, &by, &bounce, &received, &sent); err != nil {
			return nil, err
		}
		f.Confirmed = by == "person"
		f.Permanent = f.Kind == KindBounce && (bounce == "" || strings.HasPrefix(bounce, "5"))
		f.ReceivedAt, _ = time.Parse(time.RFC3339Nano, received)
		if sent != "" {
			f.SentDate, _ = time.Parse(time.RFC3339, sent)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// clarifiedEvent is the detail of a request.clarification_answered event.
type clarifiedEvent struct {
	At     string `json:"at"` // RFC 3339, UTC
	Answer int64  `json:"answers_message"`
	By     string `json:"recorded_by"`
}

// clockFactsLocked reads a request's facts. ok is false when the request
// has no clock to derive: not sent yet, or in a status the clock does not
// own.
func (s *Store) clockFactsLocked(ctx context.Context, tx *sql.Tx, id int64) (f ClockFacts, status, due string, authority int64, ok bool, err error) {
	var outbox string
	var sent, dueN sql.NullString
	err = tx.QueryRowContext(ctx, `SELECT ref, regime, outbox_state, sent_at, status, due_date, authority_id FROM requests WHERE id = ?`, id).
		Scan(&f.Ref, &f.Regime, &outbox, &sent, &status, &dueN, &authority)
	if errors.Is(err, sql.ErrNoRows) {
		return f, "", "", 0, false, fmt.Errorf("request %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return f, "", "", 0, false, err
	}
	f.RequestID, due = id, dueN.String
	owned := false
	for _, st := range clockStatuses {
		owned = owned || st == status
	}
	if outbox != OutboxSent || !sent.Valid || !owned {
		return f, status, due, authority, false, nil
	}
	if f.SentAt, err = time.Parse(time.RFC3339Nano, sent.String); err != nil {
		return f, status, due, authority, false, fmt.Errorf("request %s: bad sent_at %q: %w", f.Ref, sent.String, err)
	}
	if f.Replies, err = replyFacts(ctx, tx, id); err != nil {
		return f, status, due, authority, false, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT message_id, detail FROM events WHERE request_id = ? AND kind = 'request.clarification_answered' ORDER BY id`, id)
	if err != nil {
		return f, status, due, authority, false, err
	}
	defer rows.Close()
	latest := map[int64]int{}
	for rows.Next() {
		var msg sql.NullInt64
		var detail string
		if err := rows.Scan(&msg, &detail); err != nil {
			return f, status, due, authority, false, err
		}
		var d clarifiedEvent
		if err := json.Unmarshal([]byte(detail), &d); err != nil {
			return f, status, due, authority, false, fmt.Errorf("request %s: bad clarification_answered event: %w", f.Ref, err)
		}
		at, err := time.Parse(time.RFC3339Nano, d.At)
		if err != nil {
			return f, status, due, authority, false, fmt.Errorf("request %s: bad clarification_answered time %q: %w", f.Ref, d.At, err)
		}
		a := ClarificationAnswer{Message: msg.Int64, At: at}
		if i, seen := latest[a.Message]; seen {
			f.Answers[i] = a
			continue
		}
		latest[a.Message] = len(f.Answers)
		f.Answers = append(f.Answers, a)
	}
	return f, status, due, authority, true, rows.Err()
}

// clockEvent is the detail of a request.clock_changed event.
type clockEvent struct {
	From    string   `json:"from"`
	To      string   `json:"to"`
	DueFrom *string  `json:"due_from"`
	Due     *string  `json:"due"`
	Because string   `json:"because"`
	Message int64    `json:"message,omitempty"`
	Ignored []string `json:"ignored,omitempty"`
	Clock   any      `json:"clock,omitempty"`
}

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// derivedClock is what deriveClockLocked found.
type derivedClock struct {
	RequestClock
	Derived bool   // the request has a clock: sent, in a status the clock owns
	Changed bool   // its status or due date changed
	Prior   string // the status before
}

// deriveClockLocked recomputes a request's clock from its facts with the
// store's ClockRule and, when its status or due date differ from what is
// stored, writes them and a request.clock_changed event. It does nothing
// without a rule, for a request not yet sent, or for one whose status the
// clock does not own. message names the message whose decision prompted
// it, if any.
func (s *Store) deriveClockLocked(ctx context.Context, tx *sql.Tx, id int64, because string, message int64) (derivedClock, error) {
	if s.clock == nil || id == 0 {
		return derivedClock{}, nil
	}
	f, status, due, authority, ok, err := s.clockFactsLocked(ctx, tx, id)
	out := derivedClock{RequestClock: RequestClock{Status: status, Due: due}, Prior: status}
	if err != nil || !ok {
		return out, err
	}
	c, err := s.clock.RequestClock(f)
	if err != nil {
		return out, fmt.Errorf("request %s: clock: %w", f.Ref, err)
	}
	out.RequestClock, out.Derived = c, true
	if c.Status == status && c.Due == due {
		return out, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE requests SET status = ?, due_date = ?, updated_at = ? WHERE id = ?`,
		c.Status, nullStr(c.Due), s.msgStamp(), id); err != nil {
		return out, fmt.Errorf("request %s: %w", f.Ref, err)
	}
	out.Changed = true
	return out, s.appendEvent(ctx, tx, "request.clock_changed", Subject{Authority: authority, Request: id, Message: message}, clockEvent{
		From: status, To: c.Status, DueFrom: optStr(due), Due: optStr(c.Due), Because: because, Message: message,
		Ignored: c.Ignored, Clock: c.Detail,
	})
}

// RequestClockFacts returns what a request's clock rests on, for display.
// ok is false when the request has no clock (not sent, or closed).
func (s *Store) RequestClockFacts(ctx context.Context, ref string) (f ClockFacts, ok bool, err error) {
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM requests WHERE ref = ?`, NormalizeRef(ref)).Scan(&id); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("request %s: %w", ref, ErrNotFound)
			}
			return err
		}
		f, _, _, _, ok, err = s.clockFactsLocked(ctx, tx, id)
		return err
	})
	return f, ok, err
}

// Clarified is what RecordClarificationAnswer did.
type Clarified struct {
	Ref     string
	Answers int64 // the clarification request's message id
	Clock   RequestClock
}

// RecordClarificationAnswer records, on a person's word, that the authority
// received the requester's answer to its clarification request at `at`,
// and restarts the request's clock from that date. It answers the latest
// clarification request a person confirmed; recording another answer to
// the same one corrects the date. An answer the clock cannot use (dated
// before the clarification request, or none is waiting) is refused and
// nothing is written.
func (s *Store) RecordClarificationAnswer(ctx context.Context, ref string, at time.Time) (Clarified, error) {
	out := Clarified{Ref: NormalizeRef(ref)}
	if s.clock == nil {
		return out, ErrNoClockRule
	}
	if at.After(s.now()) {
		return out, fmt.Errorf("the answer cannot have reached the authority at %s, which is in the future", at.UTC().Format(time.RFC3339))
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var id, authority int64
		var status string
		err := tx.QueryRowContext(ctx, `SELECT id, authority_id, status FROM requests WHERE ref = ?`, out.Ref).Scan(&id, &authority, &status)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("request %s: %w", ref, ErrNotFound)
		}
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT id FROM messages WHERE request_id = ? AND kind = ? AND kind_by = 'person' ORDER BY id DESC LIMIT 1`,
			id, KindClarification).Scan(&out.Answers)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("request %s has no clarification request a person has confirmed; confirm the authority's message first with 'foidesk messages classify ID --kind %s'", out.Ref, KindClarification)
		}
		if err != nil {
			return err
		}
		if err := s.appendEvent(ctx, tx, "request.clarification_answered", Subject{Authority: authority, Request: id, Message: out.Answers}, clarifiedEvent{
			At: at.UTC().Format(time.RFC3339Nano), Answer: out.Answers, By: "person",
		}); err != nil {
			return err
		}
		c, err := s.deriveClockLocked(ctx, tx, id, "clarification answered", out.Answers)
		if err != nil {
			return err
		}
		out.Clock = c.RequestClock
		if !c.Derived {
			return fmt.Errorf("request %s has no statutory clock (it is %s): an answer to a clarification cannot restart it", out.Ref, status)
		}
		if c.Status == StatusClarification || c.Due == "" {
			why := ""
			if len(c.Ignored) > 0 {
				why = ": " + strings.Join(c.Ignored, "; ")
			}
			return fmt.Errorf("request %s: an answer on %s does not restart the clock (it is %s)%s", out.Ref, at.UTC().Format(time.RFC3339), c.Status, why)
		}
		return nil
	})
	return out, err
}

// RecomputeStats counts what RecomputeClocks did.
type RecomputeStats struct {
	Requests int // sent requests whose clock was derived
	Changed  int // of those, whose status or due date changed
}

// recomputeBatch is how many requests one recompute transaction covers.
const recomputeBatch = 500

// RecomputeClocks derives the clock of every sent request whose status the
// clock owns (pending, not-delivered, clarification-requested, replied)
// from its facts, as after a change to the holidays file. It writes an
// event only for a request whose status or due date changes, so a second
// run writes nothing.
func (s *Store) RecomputeClocks(ctx context.Context) (RecomputeStats, error) {
	var st RecomputeStats
	if s.clock == nil {
		return st, ErrNoClockRule
	}
	var after int64
	for {
		rows, err := s.db.QueryContext(ctx, `SELECT id FROM requests WHERE id > ? AND outbox_state = 'sent' AND status IN (?, ?, ?, ?) ORDER BY id LIMIT ?`,
			after, clockStatuses[0], clockStatuses[1], clockStatuses[2], clockStatuses[3], recomputeBatch)
		if err != nil {
			return st, fmt.Errorf("recompute clocks: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return st, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return st, err
		}
		if len(ids) == 0 {
			return st, nil
		}
		var n, changed int
		err = s.tx(ctx, func(tx *sql.Tx) error {
			n, changed = 0, 0
			for _, id := range ids {
				c, err := s.deriveClockLocked(ctx, tx, id, "recompute", 0)
				if err != nil {
					return err
				}
				if c.Derived {
					n++
				}
				if c.Changed {
					changed++
				}
			}
			return nil
		})
		if err != nil {
			return st, err
		}
		st.Requests += n
		st.Changed += changed
		after = ids[len(ids)-1]
	}
}
