package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"foidesk/lifecycle"
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
	StatusExtended              = lifecycle.Extended
	StatusAwaitingReview        = lifecycle.AwaitingReview
)

// outboxSent is the outbox state (store/campaign) of a request the server
// accepted: only such a request has a clock.
const outboxSent = "sent"

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

// EventClockChanged records every change of a request's status or due
// date; its detail is a ClockChange.
const EventClockChanged = "request.clock_changed"

const evClockChange = EventClockChanged

// ClockChange is the detail of a request.clock_changed event: a change of
// a request's status or due date, with its reason.
type ClockChange struct {
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

// Summary is the change in a line: the status and due date before and
// after, the fact that made it, and any fact the clock had to ignore.
func (c ClockChange) Summary() string {
	date := func(s *string) string {
		if s == nil {
			return "none"
		}
		return *s
	}
	out := fmt.Sprintf("%s → %s, due %s → %s: %s", c.From, c.To, date(c.DueFrom), date(c.Due), c.Reason)
	if c.Because != "" {
		out += " (" + c.Because + ")"
	}
	for _, ig := range c.Ignored {
		out += "; ignored: " + ig
	}
	return out
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
	return out, s.AppendEvent(ctx, q, evClockChange, Subject{Authority: r.Authority, Request: id, Message: message}, ClockChange{
		From: r.Status, To: c.Status, DueFrom: optStr(r.Due), Due: optStr(c.Due), RepliedOn: c.RepliedOn,
		Because: because, Reason: c.Reason, Message: message, Ignored: lifecycle.IgnoredText(c.Ignored), Clock: &detail,
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
