package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/ref"
)

// What a person records about a request that arrives by no mail foidesk
// reads (a clarification request or its answer, a fees notice, a payment,
// an extension, a response by post, a request for internal review, a
// withdrawal) is a request.fact_recorded event, and the lifecycle reads it
// back from the log like any other fact. Undoing one is another event, so
// the log keeps both; a fact recorded with the wrong date is corrected by
// undoing it and recording it again.

// Events that carry a fact a person recorded.
const (
	// evClarified is how answers to clarification requests were recorded
	// before they were facts like any other: the log keeps them, so they
	// are still read (as clarification-answered facts) and can be undone,
	// but nothing writes them now.
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

// factRow is one event recordedFacts reads: a fact recorded, an old
// clarification answer, or an undo.
type factRow struct {
	id, msg      int64
	kind, detail string
}

// factKindsSQL names the events that carry or undo a recorded fact, as
// SQL: literally, because SQLite may use the partial index
// events_request_facts (migration 0200) only for a query whose WHERE names
// the index's own terms, which a bound parameter does not.
const factKindsSQL = `kind IN ('` + evClarified + `', '` + evFact + `', '` + evFactUndone + `')`

// factEvents is where the queries that read recorded facts read them
// from: the facts' own index, named because on a database without
// statistics the planner sees no difference between it and
// events_request, and that one reads every event of the request.
const factEvents = `events INDEXED BY events_request_facts`

// recordedFacts reads what a person recorded about a request, leaving out
// what was undone.
func recordedFacts(ctx context.Context, q Querier, f *lifecycle.Facts, requestID int64) error {
	rows, err := q.QueryContext(ctx, `SELECT id, kind, coalesce(message_id, 0), detail FROM `+factEvents+`
		WHERE request_id = ? AND `+factKindsSQL+` ORDER BY id`, requestID)
	if err != nil {
		return fmt.Errorf("facts of request %s: %w", f.Ref, err)
	}
	defer rows.Close()
	var evs []factRow
	for rows.Next() {
		var r factRow
		if err := rows.Scan(&r.id, &r.kind, &r.msg, &r.detail); err != nil {
			return err
		}
		evs = append(evs, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return foldRecorded(f, evs)
}

// foldRecorded adds to f the facts a request's events (in the order they
// were written) leave recorded: those not undone, and of old answers to
// the same clarification request only the latest.
func foldRecorded(f *lifecycle.Facts, evs []factRow) error {
	type rec struct {
		fact    *lifecycle.Recorded
		answers int64 // an old clarification answer: the message it answered
	}
	var recs []rec
	byEvent := map[int64]int{}
	for _, ev := range evs {
		id, msg, kind, detail := ev.id, ev.msg, ev.kind, ev.detail
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
			recs = append(recs, rec{fact: &lifecycle.Recorded{Event: id, Fact: lifecycle.FactClarificationAnswered, At: at}, answers: msg})
		case evFact:
			var d factEvent
			if err := json.Unmarshal([]byte(detail), &d); err != nil {
				return bad(err)
			}
			if err := lifecycle.ValidFact(d.Fact); err != nil {
				return bad(err)
			}
			r := lifecycle.Recorded{Event: id, Fact: d.Fact, By: d.By}
			var err error
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
	// An old answer recorded again for the same clarification request
	// corrected the first one's date: only the latest counts.
	latest := map[int64]int{}
	for i, r := range recs {
		if r.fact != nil && r.answers != 0 {
			latest[r.answers] = i
		}
	}
	for i, r := range recs {
		if r.fact == nil || (r.answers != 0 && latest[r.answers] != i) {
			continue
		}
		f.Recorded = append(f.Recorded, *r.fact)
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

// Fact is something a person records about a request that arrives by no
// mail foidesk reads.
type Fact struct {
	Fact  string        // one of lifecycle.RecordedFacts
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
// fee paid with no notice, an extension under FOISA, an answer to no
// clarification request) is refused, and nothing is written.
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
	if f.At.After(s.campaign()) {
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
	if day, sent := deadline.ReceiptDate(f.At), deadline.ReceiptDate(r.SentAt); day < sent {
		return out, fmt.Errorf("request %s: %s on %s is before the request reached the authority on %s; nothing was recorded", out.Ref, f.Fact, day, sent)
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
			return out, fmt.Errorf("request %s: %s on %s cannot be recorded: %s%s; nothing was recorded",
				out.Ref, f.Fact, deadline.ReceiptDate(f.At), ig.Why, s.refusalHint(ctx, tx, r, f, c.Status))
		}
	}
	if f.Fact == lifecycle.FactResponseReceived && r.Status == StatusReplied && c.Status == StatusReplied && c.RepliedOn == r.RepliedOn {
		return out, fmt.Errorf("request %s was already answered on %s: a later letter does not move the clock (to ask for an internal review, record %s); nothing was recorded",
			out.Ref, r.RepliedOn, lifecycle.FactReviewRequested)
	}
	return out, nil
}

// refusalHint says what a refused fact lacks (an extension's date) or how
// to record what must come before it (the clarification request an answer
// answers, the notice a payment pays), given the status the request keeps
// without it.
func (s *Store) refusalHint(ctx context.Context, q Querier, r requestRow, f Fact, status string) string {
	fact, id := f.Fact, r.ID
	switch {
	case fact == lifecycle.FactExtended && f.Until.IsZero() && r.Regime == "foia" && lifecycle.Awaiting(status):
		return ": record it with --until DATE, the date the authority's letter names"
	case fact == lifecycle.FactClarificationAnswered && status == StatusAwaitingClarification:
		return " (the clarification request still waiting is dated later: an answer cannot come before the question)"
	case fact == lifecycle.FactClarificationAnswered:
		var msg int64
		err := q.QueryRowContext(ctx, `SELECT id FROM messages WHERE request_id = ? AND kind = ? AND kind_by <> 'person' ORDER BY id DESC LIMIT 1`,
			id, lifecycle.KindClarification).Scan(&msg)
		if err == nil {
			return fmt.Sprintf(" (message %d looks like a clarification request nobody has confirmed: confirm it first with 'foidesk messages classify %d --kind %s')",
				msg, msg, lifecycle.KindClarification)
		}
		return fmt.Sprintf(" (if the authority asked by email, confirm its message with 'foidesk messages classify ID --kind %s'; if by post or phone, record %s first)",
			lifecycle.KindClarification, lifecycle.FactClarificationRequested)
	case fact == lifecycle.FactFeePaid:
		return fmt.Sprintf(" (record the authority's %s first)", lifecycle.FactFeesNotice)
	}
	return ""
}

// UndoFact withdraws a fact a person recorded (a request.fact_recorded or
// request.clarification_answered event of this request), as if it had
// never been recorded, and derives the clock again. The event stays in
// the log; a request.fact_undone event says it no longer counts.
func (s *Store) UndoFact(ctx context.Context, token string, event int64) (FactRecorded, error) {
	return s.UndoFactBy(ctx, token, event, "")
}

// UndoFactBy is UndoFact on the word of by (a signed-in user's name;
// "person" when empty), recorded in the request.fact_undone event.
func (s *Store) UndoFactBy(ctx context.Context, token string, event int64, by string) (FactRecorded, error) {
	if by == "" {
		by = "person"
	}
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
		stood, err := s.usedFacts(ctx, tx, r)
		if err != nil {
			return err
		}
		if out.Event, err = s.AppendEventID(ctx, tx, evFactUndone, Subject{Authority: r.Authority, Request: id}, undoneEvent{Event: event, Kind: kind, By: by}); err != nil {
			return err
		}
		c, err := s.DeriveClock(ctx, tx, id, fmt.Sprintf("event %d undone by a person", event), 0)
		if err != nil {
			return err
		}
		out.Clock = c.Clock
		// A fact that stood on the one undone (an answer on its
		// clarification request, a payment on its notice) would silently
		// stop counting, and count again if the first were recorded anew:
		// the later one is undone first, so the log reads as what happened.
		for _, ig := range c.Ignored {
			if ig.Event != 0 && stood[ig.Event] {
				return fmt.Errorf("request %s: undoing event %d would leave event %d without what it stands on (%s); undo event %d first, then event %d",
					out.Ref, event, ig.Event, ig.Text, ig.Event, event)
			}
		}
		return nil
	})
	return out, err
}

// usedFacts lists the recorded facts (by event) the request's clock uses
// now, before a change.
func (s *Store) usedFacts(ctx context.Context, q Querier, r requestRow) (map[int64]bool, error) {
	used := map[int64]bool{}
	if r.Outbox != outboxSent || r.SentAt.IsZero() {
		return used, nil
	}
	f, err := readFacts(ctx, q, r)
	if err != nil {
		return nil, err
	}
	c, err := s.rule.Derive(f)
	if err != nil {
		return nil, err
	}
	for _, x := range f.Recorded {
		used[x.Event] = true
	}
	for _, ig := range c.Ignored {
		delete(used, ig.Event)
	}
	return used, nil
}
