package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"foidesk/lifecycle"
)

// RecordedFact is one fact a person recorded about a request, as the
// event log holds it: what a request's timeline shows, with the event
// number that undoes it.
type RecordedFact struct {
	Event    int64     `json:"event"` // the event that recorded it: what --undo takes
	Fact     string    `json:"fact"`  // one of lifecycle.RecordedFacts
	At       time.Time `json:"at"`
	Until    string    `json:"until,omitempty"` // extended: YYYY-MM-DD
	Note     string    `json:"note,omitempty"`
	By       string    `json:"recorded_by"`
	UndoneBy int64     `json:"undone_by,omitempty"` // the request.fact_undone event, if it was undone
}

// RecordedFacts lists the facts a person recorded about request id, in
// the order they were recorded, those undone included (with the event that
// undid them).
func (s *Store) RecordedFacts(ctx context.Context, id int64) ([]RecordedFact, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, detail FROM `+factEvents+`
		WHERE request_id = ? AND `+factKindsSQL+` ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("facts of request %d: %w", id, err)
	}
	defer rows.Close()
	var out []RecordedFact
	index := map[int64]int{}
	for rows.Next() {
		var ev int64
		var kind, detail string
		if err := rows.Scan(&ev, &kind, &detail); err != nil {
			return nil, err
		}
		bad := func(err error) error { return fmt.Errorf("request %d: event %d (%s): %w", id, ev, kind, err) }
		var f RecordedFact
		var at string
		switch kind {
		case evFact:
			var d factEvent
			if err := json.Unmarshal([]byte(detail), &d); err != nil {
				return nil, bad(err)
			}
			f = RecordedFact{Event: ev, Fact: d.Fact, Until: d.Until, Note: d.Note, By: d.By}
			at = d.At
		case evClarified:
			var d clarifiedEvent
			if err := json.Unmarshal([]byte(detail), &d); err != nil {
				return nil, bad(err)
			}
			f = RecordedFact{Event: ev, Fact: lifecycle.FactClarificationAnswered, By: d.By}
			at = d.At
		case evFactUndone:
			var d undoneEvent
			if err := json.Unmarshal([]byte(detail), &d); err != nil {
				return nil, bad(err)
			}
			if i, ok := index[d.Event]; ok {
				out[i].UndoneBy = ev
			}
			continue
		}
		if f.At, err = time.Parse(time.RFC3339Nano, at); err != nil {
			return nil, bad(err)
		}
		index[ev] = len(out)
		out = append(out, f)
	}
	return out, rows.Err()
}

// RequestClock derives request id's clock from its facts without writing
// anything: what a report shows beyond the stored status and due date (the
// stage, the last day to ask for a review). Derived is false for a request
// not yet sent.
func (s *Store) RequestClock(ctx context.Context, id int64) (DerivedClock, error) {
	r, err := readRequestRow(ctx, s.db, id)
	out := DerivedClock{Clock: lifecycle.Clock{Status: r.Status, Due: r.Due, RepliedOn: r.RepliedOn, Reason: r.Reason}, Prior: r.Status}
	if err != nil || r.Outbox != outboxSent || r.SentAt.IsZero() {
		return out, err
	}
	f, err := readFacts(ctx, s.db, r)
	if err != nil {
		return out, err
	}
	c, err := s.rule.Derive(f)
	if err != nil {
		return out, err
	}
	out.Clock, out.Derived = c, true
	out.Changed = c.Status != r.Status || c.Due != r.Due
	return out, nil
}
