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

// A request's lifecycle: its facts (delivery, the mail matched to it, what a
// person recorded) are stored; its status, due date, replied_on and
// status_reason are derived from them by the lifecycle rule the store was
// opened with, inside every transaction that records a fact. Nothing else
// writes those columns, so no path can leave them disagreeing with the facts.

// Request statuses, as stored once a request is sent (lifecycle.Stored).
const (
	StatusAwaitingResponse      = lifecycle.AwaitingResponse
	StatusNotDelivered          = lifecycle.NotDelivered
	StatusAwaitingClarification = lifecycle.AwaitingClarification
	StatusFeePending            = lifecycle.FeePending
	StatusReplied               = lifecycle.Replied
	StatusWithdrawn             = lifecycle.Withdrawn
)

// outboxSent is the outbox state (store/campaign) of a request the server
// accepted: only such a request has a clock.
const outboxSent = "sent"

// Events that carry a fact a person recorded.
const (
	evClarified   = "request.clarification_answered"
	evFact        = "request.fact_recorded"
	evFactUndone  = "request.fact_undone"
	evClockChange = "request.clock_changed"
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

// replyFacts lists the facts of every message matched to a request.
func replyFacts(ctx context.Context, q Querier, requestID int64) ([]lifecycle.Reply, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, kind_by, coalesce(bounce_status, ''), received_at, coalesce(sent_date, '')
		FROM messages WHERE request_id = ? ORDER BY id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("replies of request %d: %w", requestID, err)
	}
	defer rows.Close()
	var out []lifecycle.Reply
	for rows.Next() {
		var f lifecycle.Reply
		var by, received, sent string
		if err := rows.Scan(&f.MessageID, &f.Kind, &by, &f.BounceStatus, &received, &sent); err != nil {
			return nil, err
		}
		f.Confirmed = by == "person"
		f.ReceivedAt, _ = time.Parse(time.RFC3339Nano, received)
		if sent != "" {
			f.SentDate, _ = time.Parse(time.RFC3339, sent)
		}
		out = append(out, f)
	}
	return out, rows.Err()
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

// requestRow is what the lifecycle reads of a request's own row.
type requestRow struct {
	ID, Authority          int64
	Ref, Regime, Outbox    string
	SentAt                 time.Time
	Status, Due, RepliedOn string
	Reason                 string
}

func readRequestRow(ctx context.Context, q Querier, id int64) (requestRow, error) {
	r := requestRow{ID: id}
	var sent, due, replied, reason sql.NullString
	err := q.QueryRowContext(ctx, `SELECT ref, regime, outbox_state, sent_at, status, due_date, replied_on, status_reason, authority_id FROM requests WHERE id = ?`, id).
		Scan(&r.Ref, &r.Regime, &r.Outbox, &sent, &r.Status, &due, &replied, &reason, &r.Authority)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("request %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return r, err
	}
	r.Due, r.RepliedOn, r.Reason = due.String, replied.String, reason.String
	if sent.Valid {
		if r.SentAt, err = time.Parse(time.RFC3339Nano, sent.String); err != nil {
			return r, fmt.Errorf("request %s: bad sent_at %q: %w", r.Ref, sent.String, err)
		}
	}
	return r, nil
}

// readFacts gathers a sent request's facts.
func readFacts(ctx context.Context, q Querier, r requestRow) (lifecycle.Facts, error) {
	f := lifecycle.Facts{Ref: r.Ref, Regime: r.Regime, SentAt: r.SentAt}
	var err error
	if f.Replies, err = replyFacts(ctx, q, r.ID); err != nil {
		return f, err
	}
	return f, recordedFacts(ctx, q, &f, r.ID)
}

// clockEvent is the detail of a request.clock_changed event: every change
// of a request's status or due date, with its reason.
type clockEvent struct {
	From      string            `json:"from"`
	To        string            `json:"to"`
	DueFrom   *string           `json:"due_from"`
	Due       *string           `json:"due"`
	RepliedOn string            `json:"replied_on,omitempty"`
	Because   string            `json:"because"`
	Reason    string            `json:"reason"`
	Message   int64             `json:"message,omitempty"`
	Ignored   []string          `json:"ignored,omitempty"`
	Clock     *lifecycle.Detail `json:"clock,omitempty"`
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// DerivedClock is what DeriveClock found.
type DerivedClock struct {
	lifecycle.Clock
	Derived bool   // the request is sent, so it has a clock
	Changed bool   // its status or due date changed
	Prior   string // the status before
}

// DeriveClock recomputes a request's clock from its facts and, when
// what is stored differs, writes it and (when the status or due date
// moved) a request.clock_changed event. A request not yet sent has no
// clock: its outbox state is its status. because says what prompted the
// derivation; message names the message whose decision did, if any.
//
// Whatever records a fact about a request (a message decided or
// corrected in store/mail, a delivery resolved in store/campaign, a fact
// a person recorded here) calls it in the transaction q that records the
// fact, so the stored status and due date never disagree with the facts.
func (s *Store) DeriveClock(ctx context.Context, q Querier, id int64, because string, message int64) (DerivedClock, error) {
	if id == 0 {
		return DerivedClock{}, nil
	}
	r, err := readRequestRow(ctx, q, id)
	out := DerivedClock{Clock: lifecycle.Clock{Status: r.Status, Due: r.Due, RepliedOn: r.RepliedOn, Reason: r.Reason}, Prior: r.Status}
	if err != nil || r.Outbox != outboxSent || r.SentAt.IsZero() {
		return out, err
	}
	f, err := readFacts(ctx, q, r)
	if err != nil {
		return out, err
	}
	c, err := s.rule.Derive(f)
	if err != nil {
		return out, err
	}
	out.Clock, out.Derived = c, true
	if c.Status == r.Status && c.Due == r.Due && c.RepliedOn == r.RepliedOn && c.Reason == r.Reason {
		return out, nil
	}
	if _, err := q.ExecContext(ctx, `UPDATE requests SET status = ?, due_date = ?, replied_on = ?, status_reason = ?, updated_at = ? WHERE id = ?`,
		c.Status, nullStr(c.Due), nullStr(c.RepliedOn), c.Reason, s.now().UTC().Format(time.RFC3339Nano), id); err != nil {
		return out, fmt.Errorf("request %s: %w", r.Ref, err)
	}
	if c.Status == r.Status && c.Due == r.Due {
		return out, nil
	}
	out.Changed = true
	detail := c.Detail
	return out, s.AppendEvent(ctx, q, evClockChange, Subject{Authority: r.Authority, Request: id, Message: message}, clockEvent{
		From: r.Status, To: c.Status, DueFrom: optStr(r.Due), Due: optStr(c.Due), RepliedOn: c.RepliedOn,
		Because: because, Reason: c.Reason, Message: message, Ignored: c.Ignored, Clock: &detail,
	})
}

// DeliveredClock derives the clock of a request the server has just
// accepted at sentAt, from that delivery and whatever else is known of it
// (a resent request may have mail), for the outbox to write in the same
// statement that records the delivery.
func (s *Store) DeliveredClock(ctx context.Context, q Querier, requestID int64, ref, regime string, sentAt time.Time) (lifecycle.Clock, error) {
	f, err := readFacts(ctx, q, requestRow{ID: requestID, Ref: ref, Regime: regime, SentAt: sentAt})
	if err != nil {
		return lifecycle.Clock{}, err
	}
	return s.rule.Derive(f)
}

// RequestFacts returns what a request's clock rests on, for display. ok is
// false when the request has no clock (not sent).
func (s *Store) RequestFacts(ctx context.Context, token string) (f lifecycle.Facts, ok bool, err error) {
	id, err := s.requestID(ctx, s.db, token)
	if err != nil {
		return f, false, err
	}
	r, err := readRequestRow(ctx, s.db, id)
	if err != nil || r.Outbox != outboxSent || r.SentAt.IsZero() {
		return f, false, err
	}
	f, err = readFacts(ctx, s.db, r)
	return f, err == nil, err
}

func (s *Store) requestID(ctx context.Context, q Querier, token string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM requests WHERE ref = ?`, ref.Normalize(token)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("request %s: %w", token, ErrNotFound)
	}
	return id, err
}

// RequestStatus reports a request's lifecycle status and due date.
func (s *Store) RequestStatus(ctx context.Context, id int64) (status string, due string, err error) {
	var d sql.NullString
	err = s.db.QueryRowContext(ctx, `SELECT status, due_date FROM requests WHERE id = ?`, id).Scan(&status, &d)
	return status, d.String, err
}

// RequestReplies lists the facts of every message matched to a request, in
// the order they were stored, as the lifecycle reads them.
func (s *Store) RequestReplies(ctx context.Context, requestID int64) ([]lifecycle.Reply, error) {
	return replyFacts(ctx, s.db, requestID)
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
		id, err := s.requestID(ctx, tx, token)
		if err != nil {
			return err
		}
		r, err := readRequestRow(ctx, tx, id)
		if err != nil {
			return err
		}
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
			return fmt.Errorf("request %s has no statutory clock (it is %s): an answer to a clarification cannot restart it", out.Ref, r.Outbox)
		}
		if c.Status == StatusAwaitingClarification || c.Due == "" {
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

// Fact is something a person records about a request that arrives by no
// mail foidesk reads.
type Fact struct {
	Fact  string        // lifecycle.FactFeesNotice, FactFeePaid, FactExtended, FactWithdrawn
	At    time.Time     // when it happened (the notice's date, the payment's receipt, …)
	Until deadline.Date // FactExtended: the date the authority extended to, if it named one
	Note  string
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
	if err := lifecycle.ValidFact(f.Fact); err != nil {
		return out, err
	}
	if f.At.After(s.now()) {
		return out, fmt.Errorf("%s at %s is in the future", f.Fact, f.At.UTC().Format(time.RFC3339))
	}
	if f.Fact != lifecycle.FactExtended && !f.Until.IsZero() {
		return out, fmt.Errorf("only an extension has a date it runs until")
	}
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		id, err := s.requestID(ctx, tx, token)
		if err != nil {
			return err
		}
		r, err := readRequestRow(ctx, tx, id)
		if err != nil {
			return err
		}
		if r.Outbox != outboxSent {
			return fmt.Errorf("request %s is %s, not sent: nothing can have happened to it at the authority", out.Ref, r.Outbox)
		}
		d := factEvent{Fact: f.Fact, At: f.At.UTC().Format(time.RFC3339Nano), By: "person", Note: f.Note}
		if !f.Until.IsZero() {
			d.Until = f.Until.String()
		}
		if out.Event, err = s.AppendEventID(ctx, tx, evFact, Subject{Authority: r.Authority, Request: id}, d); err != nil {
			return err
		}
		c, err := s.DeriveClock(ctx, tx, id, f.Fact+", recorded by a person", 0)
		if err != nil {
			return err
		}
		out.Clock = c.Clock
		for _, ig := range c.Ignored {
			if strings.Contains(ig, fmt.Sprintf("(event %d)", out.Event)) {
				return fmt.Errorf("request %s: the clock cannot use this: %s", out.Ref, ig)
			}
		}
		return nil
	})
	return out, err
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

// RecomputeStats counts what RecomputeClocks did.
type RecomputeStats struct {
	Requests int // sent requests whose clock was derived
	Changed  int // of those, whose status or due date changed
}

// recomputeBatch is how many requests one recompute transaction covers.
const recomputeBatch = 500

// RecomputeClocks derives the clock of every sent request from its facts,
// as after a change to the holidays file. It writes an event only for a
// request whose status or due date changes, so a second run writes nothing.
func (s *Store) RecomputeClocks(ctx context.Context) (RecomputeStats, error) {
	var st RecomputeStats
	var after int64
	for {
		rows, err := s.db.QueryContext(ctx, `SELECT id FROM requests WHERE id > ? AND outbox_state = 'sent' ORDER BY id LIMIT ?`,
			after, recomputeBatch)
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
		err = s.Tx(ctx, func(tx *sql.Tx) error {
			n, changed = 0, 0
			for _, id := range ids {
				c, err := s.DeriveClock(ctx, tx, id, "recompute", 0)
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
