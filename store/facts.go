package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/ref"
)

// What a person records about a request that arrives by no mail foidesk
// reads (an answer to a clarification request, a fees notice, a payment,
// an extension, a withdrawal) is an event, and the lifecycle reads it back
// from the log like any other fact. Undoing one is another event, so the
// log keeps both.

// Events that carry a fact a person recorded.
const (
	evClarified  = "request.clarification_answered"
	evFact       = "request.fact_recorded"
	evFactUndone = "request.fact_undone"
)

// clarifiedEvent is the detail of a request.clarification_answered event.
type clarifiedEvent struct {
	At     string `json:"at"` // RFC 3339, UTC
	Answer int64  `json:"answers_message"`
	By     string `json:"recorded_by"`
}

// factEvent is the detail of a request.fact_recorded event.
type factEvent struct {
	Fact  string `json:"fact"`
	At    string `json:"at"`              // RFC 3339, UTC
	Until string `json:"until,omitempty"` // extended: YYYY-MM-DD
	By    string `json:"recorded_by"`
	Note  string `json:"note,omitempty"`
}

// undoneEvent is the detail of a request.fact_undone event.
type undoneEvent struct {
	Event int64  `json:"event"` // the request.fact_recorded or clarification_answered event undone
	Kind  string `json:"kind"`
	By    string `json:"recorded_by"`
}

// recordedFacts reads what a person recorded about a request (clarification
// answers, fees, extensions, withdrawal), leaving out what was undone.
func recordedFacts(ctx context.Context, q Querier, f *lifecycle.Facts, requestID int64) error {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, coalesce(message_id, 0), detail FROM events
		WHERE request_id = ? AND kind IN (?, ?, ?) ORDER BY id`, requestID, evClarified, evFact, evFactUndone)
	if err != nil {
		return fmt.Errorf("facts of request %s: %w", f.Ref, err)
	}
	defer rows.Close()
	type rec struct {
		answer *lifecycle.Answer
		fact   *lifecycle.Recorded
	}
	var recs []rec
	byEvent := map[int64]int{}
	for rows.Next() {
		var id, msg int64
		var kind, detail string
		if err := rows.Scan(&id, &kind, &msg, &detail); err != nil {
			return err
		}
		bad := func(err error) error { return fmt.Errorf("request %s: event %d (%s): %w", f.Ref, id, kind, err) }
		switch kind {
		case evClarified:
			var d clarifiedEvent
			if err := json.Unmarshal([]byte(detail), &d); err != nil {
				return bad(err)
			}
			at, err := time.Parse(time.RFC3339Nano, d.At)
			if err != nil {
				return bad(err)
			}
			byEvent[id] = len(recs)
			recs = append(recs, rec{answer: &lifecycle.Answer{Message: msg, At: at}})
		case evFact:
			var d factEvent
			if err := json.Unmarshal([]byte(detail), &d); err != nil {
				return bad(err)
			}
			r := lifecycle.Recorded{Event: id, Fact: d.Fact}
			if r.At, err = time.Parse(time.RFC3339Nano, d.At); err != nil {
				return bad(err)
			}
			if d.Until != "" {
				if r.Until, err = deadline.ParseDate(d.Until); err != nil {
					return bad(err)
				}
			}
			byEvent[id] = len(recs)
			recs = append(recs, rec{fact: &r})
		case evFactUndone:
			var d undoneEvent
			if err := json.Unmarshal([]byte(detail), &d); err != nil {
				return bad(err)
			}
			if i, ok := byEvent[d.Event]; ok {
				recs[i] = rec{}
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	latest := map[int64]int{} // clarification message → index in f.Answers
	for _, r := range recs {
		switch {
		case r.answer != nil:
			// A later answer to the same clarification corrects the date.
			if i, seen := latest[r.answer.Message]; seen {
				f.Answers[i] = *r.answer
				continue
			}
			latest[r.answer.Message] = len(f.Answers)
			f.Answers = append(f.Answers, *r.answer)
		case r.fact != nil:
			f.Recorded = append(f.Recorded, *r.fact)
		}
	}
	return nil
}

// requestByToken reads the row of the request with this reference.
func (s *Store) requestByToken(ctx context.Context, q Querier, token string) (requestRow, error) {
	id, err := s.requestID(ctx, q, token)
	if err != nil {
		return requestRow{}, err
	}
	return readRequestRow(ctx, q, id)
}

func (s *Store) requestID(ctx context.Context, q Querier, token string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM requests WHERE ref = ?`, ref.Normalize(token)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("request %s: %w", token, ErrNotFound)
	}
	return id, err
}

// Clarified is what RecordClarificationAnswer did.
type Clarified struct {
	Ref     string
	Answers int64 // the clarification request's message id
	Event   int64 // the event that recorded the answer
	Clock   lifecycle.Clock
}

// RecordClarificationAnswer records, on a person's word, that the authority
// received the requester's answer to its clarification request at `at`,
// and restarts the request's clock from that date. It answers the latest
// clarification request a person confirmed; recording another answer to
// the same one corrects the date. An answer the clock cannot use (dated
// before the clarification request, or none is waiting) is refused and
// nothing is written.
func (s *Store) RecordClarificationAnswer(ctx context.Context, token string, at time.Time) (Clarified, error) {
	out := Clarified{Ref: ref.Normalize(token)}
	if at.After(s.now()) {
		return out, fmt.Errorf("the answer cannot have reached the authority at %s, which is in the future", at.UTC().Format(time.RFC3339))
	}
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		r, err := s.requestByToken(ctx, tx, token)
		if err != nil {
			return err
		}
		id := r.ID
		err = tx.QueryRowContext(ctx, `SELECT id FROM messages WHERE request_id = ? AND kind = ? AND kind_by = 'person' ORDER BY id DESC LIMIT 1`,
			id, lifecycle.KindClarification).Scan(&out.Answers)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("request %s has no clarification request a person has confirmed; confirm the authority's message first with 'foidesk messages classify ID --kind %s'", out.Ref, lifecycle.KindClarification)
		}
		if err != nil {
			return err
		}
		if out.Event, err = s.AppendEventID(ctx, tx, evClarified, Subject{Authority: r.Authority, Request: id, Message: out.Answers}, clarifiedEvent{
			At: at.UTC().Format(time.RFC3339Nano), Answer: out.Answers, By: "person",
		}); err != nil {
			return err
		}
		c, err := s.DeriveClock(ctx, tx, id, "clarification answered", out.Answers)
		if err != nil {
			return err
		}
		out.Clock = c.Clock
		if !c.Derived {
			return fmt.Errorf("request %s has no statutory clock yet (its sending is %s): an answer to a clarification cannot restart it", out.Ref, r.Outbox)
		}
		if c.Status == StatusAwaitingClarification || c.Due == "" {
			why := ""
			if len(c.Ignored) > 0 {
				why = ": " + strings.Join(lifecycle.IgnoredText(c.Ignored), "; ")
			}
			return fmt.Errorf("request %s: an answer on %s does not restart the clock: the request would still be %s%s", out.Ref, at.UTC().Format(time.RFC3339), lifecycle.Describe(c.Status), why)
		}
		return nil
	})
	return out, err
}

// Fact is something a person records about a request that arrives by no
// mail foidesk reads.
type Fact struct {
	Fact  string        // lifecycle.FactFeesNotice, FactFeePaid, FactExtended, FactWithdrawn
	At    time.Time     // when it happened (the notice's date, the payment's receipt, …)
	Until deadline.Date // FactExtended: the date the authority extended to, if it named one
	Note  string
	By    string // who says so: "person" when empty
}

// FactRecorded is what RecordFact or UndoFact did.
type FactRecorded struct {
	Ref   string
	Event int64 // the event that recorded (or undid) the fact
	Clock lifecycle.Clock
}

// RecordFact records a fact about a sent request on a person's word and
// derives its clock in the same transaction. A fact the clock cannot use (a
// fee paid with no notice, an extension under FOISA) is refused, and
// nothing is written.
func (s *Store) RecordFact(ctx context.Context, token string, f Fact) (FactRecorded, error) {
	out := FactRecorded{Ref: ref.Normalize(token)}
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		id, err := s.requestID(ctx, tx, token)
		if err != nil {
			return err
		}
		out, err = s.RecordFactTx(ctx, tx, id, f)
		return err
	})
	return out, err
}

// RecordFactTx records a fact about sent request id inside tx, on the word
// of f.By ("person" when empty), and derives its clock there: for a
// concern whose own change is the fact (an internal-review letter when it
// is sent). It returns an error, for the caller to roll back, when the
// clock cannot use the fact.
func (s *Store) RecordFactTx(ctx context.Context, tx *sql.Tx, id int64, f Fact) (FactRecorded, error) {
	if err := lifecycle.ValidFact(f.Fact); err != nil {
		return FactRecorded{}, err
	}
	if f.At.After(s.now()) {
		return FactRecorded{}, fmt.Errorf("%s at %s is in the future", f.Fact, f.At.UTC().Format(time.RFC3339))
	}
	if f.Fact != lifecycle.FactExtended && !f.Until.IsZero() {
		return FactRecorded{}, fmt.Errorf("only an extension has a date it runs until")
	}
	r, err := readRequestRow(ctx, tx, id)
	if err != nil {
		return FactRecorded{}, err
	}
	out := FactRecorded{Ref: r.Ref}
	if r.Outbox != outboxSent {
		return out, fmt.Errorf("request %s is %s, not sent: nothing can have happened to it at the authority", out.Ref, r.Outbox)
	}
	by := f.By
	if by == "" {
		by = "person"
	}
	d := factEvent{Fact: f.Fact, At: f.At.UTC().Format(time.RFC3339Nano), By: by, Note: f.Note}
	if !f.Until.IsZero() {
		d.Until = f.Until.String()
	}
	if out.Event, err = s.AppendEventID(ctx, tx, evFact, Subject{Authority: r.Authority, Request: id}, d); err != nil {
		return out, err
	}
	c, err := s.DeriveClock(ctx, tx, id, f.Fact+", recorded by "+by, 0)
	if err != nil {
		return out, err
	}
	out.Clock = c.Clock
	for _, ig := range c.Ignored {
		if ig.Event == out.Event {
			return out, fmt.Errorf("request %s: the clock cannot use this: %s", out.Ref, ig.Text)
		}
	}
	return out, nil
}

// UndoFact withdraws a fact a person recorded (a request.fact_recorded or
// request.clarification_answered event of this request), as if it had
// never been recorded, and derives the clock again. The event stays in
// the log; a request.fact_undone event says it no longer counts.
func (s *Store) UndoFact(ctx context.Context, token string, event int64) (FactRecorded, error) {
	out := FactRecorded{Ref: ref.Normalize(token)}
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		id, err := s.requestID(ctx, tx, token)
		if err != nil {
			return err
		}
		var kind string
		var req sql.NullInt64
		err = tx.QueryRowContext(ctx, `SELECT kind, request_id FROM events WHERE id = ?`, event).Scan(&kind, &req)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && req.Int64 != id) {
			return fmt.Errorf("request %s has no event %d", out.Ref, event)
		}
		if err != nil {
			return err
		}
		if kind != evFact && kind != evClarified {
			return fmt.Errorf("event %d is %s: only a fact a person recorded (%s, %s) can be undone this way", event, kind, evFact, evClarified)
		}
		var undone int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE request_id = ? AND kind = ? AND json_extract(detail, '$.event') = ?`,
			id, evFactUndone, event).Scan(&undone); err != nil {
			return err
		}
		if undone > 0 {
			return fmt.Errorf("event %d of request %s is already undone", event, out.Ref)
		}
		r, err := readRequestRow(ctx, tx, id)
		if err != nil {
			return err
		}
		if out.Event, err = s.AppendEventID(ctx, tx, evFactUndone, Subject{Authority: r.Authority, Request: id}, undoneEvent{Event: event, Kind: kind, By: "person"}); err != nil {
			return err
		}
		c, err := s.DeriveClock(ctx, tx, id, fmt.Sprintf("event %d undone by a person", event), 0)
		out.Clock = c.Clock
		return err
	})
	return out, err
}
