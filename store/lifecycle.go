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

// replyColumns are the columns of messages scanReply reads.
const replyColumns = `id, kind, kind_by, coalesce(bounce_status, ''), received_at, coalesce(sent_date, '')`

// replyFacts lists the facts of every message matched to a request.
func replyFacts(ctx context.Context, q Querier, requestID int64) ([]lifecycle.Reply, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+replyColumns+` FROM messages WHERE request_id = ? ORDER BY id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("replies of request %d: %w", requestID, err)
	}
	defer rows.Close()
	var out []lifecycle.Reply
	for rows.Next() {
		f, err := scanReply(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// scanReply reads a message's facts from replyColumns, after any
// columns of the caller's given in lead.
func scanReply(rows *sql.Rows, lead ...any) (lifecycle.Reply, error) {
	var f lifecycle.Reply
	var by, received, sent string
	if err := rows.Scan(append(lead, &f.MessageID, &f.Kind, &by, &f.BounceStatus, &received, &sent)...); err != nil {
		return f, err
	}
	f.Confirmed = by == "person"
	f.ReceivedAt, _ = time.Parse(time.RFC3339Nano, received)
	if sent != "" {
		f.SentDate, _ = time.Parse(time.RFC3339, sent)
	}
	return f, nil
}

// requestRow is what the lifecycle reads of a request's own row.
type requestRow struct {
	ID, Authority          int64
	Ref, Regime, Outbox    string
	SentAt                 time.Time
	Status, Due, RepliedOn string
	Reason                 string
}

// requestColumns are the columns of requests scanRequestRow reads.
const requestColumns = `id, ref, regime, outbox_state, sent_at, status, due_date, replied_on, status_reason, authority_id`

type scanner interface{ Scan(...any) error }

func scanRequestRow(sc scanner) (requestRow, error) {
	var r requestRow
	var sent, due, replied, reason sql.NullString
	if err := sc.Scan(&r.ID, &r.Ref, &r.Regime, &r.Outbox, &sent, &r.Status, &due, &replied, &reason, &r.Authority); err != nil {
		return r, err
	}
	r.Due, r.RepliedOn, r.Reason = due.String, replied.String, reason.String
	if sent.Valid {
		var err error
		if r.SentAt, err = time.Parse(time.RFC3339Nano, sent.String); err != nil {
			return r, fmt.Errorf("request %s: bad sent_at %q: %w", r.Ref, sent.String, err)
		}
	}
	return r, nil
}

func readRequestRow(ctx context.Context, q Querier, id int64) (requestRow, error) {
	r, err := scanRequestRow(q.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM requests WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return requestRow{ID: id}, fmt.Errorf("request %d: %w", id, ErrNotFound)
	}
	return r, err
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
	out.Changed, err = s.writeClock(ctx, q, nil, r, c, because, message)
	return out, err
}

// writeClock stores clock c of request r when it differs from what is
// stored, with a request.clock_changed event when the status or due date
// moved (changed). upd, when not nil, is clockUpdate prepared on q.
func (s *Store) writeClock(ctx context.Context, q Querier, upd *sql.Stmt, r requestRow, c lifecycle.Clock, because string, message int64) (changed bool, err error) {
	if c.Status == r.Status && c.Due == r.Due && c.RepliedOn == r.RepliedOn && c.Reason == r.Reason {
		return false, nil
	}
	args := []any{c.Status, nullStr(c.Due), nullStr(c.RepliedOn), c.Reason, s.now().UTC().Format(time.RFC3339Nano), r.ID}
	if upd != nil {
		_, err = upd.ExecContext(ctx, args...)
	} else {
		_, err = q.ExecContext(ctx, clockUpdate, args...)
	}
	if err != nil {
		return false, fmt.Errorf("request %s: %w", r.Ref, err)
	}
	if c.Status == r.Status && c.Due == r.Due {
		return false, nil
	}
	detail := c.Detail
	return true, s.AppendEvent(ctx, q, evClockChange, Subject{Authority: r.Authority, Request: r.ID, Message: message}, ClockChange{
		From: r.Status, To: c.Status, DueFrom: optStr(r.Due), Due: optStr(c.Due), RepliedOn: c.RepliedOn,
		Because: because, Reason: c.Reason, Message: message, Ignored: lifecycle.IgnoredText(c.Ignored), Clock: &detail,
	})
}

const clockUpdate = `UPDATE requests SET status = ?, due_date = ?, replied_on = ?, status_reason = ?, updated_at = ? WHERE id = ?`

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

// recomputeBatch is how many requests (by primary key, sent or not) one
// recompute transaction covers; tests make it small to cross batches.
var recomputeBatch = 2000

// The queries of one recompute batch: the batch's requests along the
// primary key, then its messages by messages' request_id index and its
// recorded-fact events by events_request_facts, which holds only facts
// (both indexes' entries end in the rowid, so the order needs no sort).
const (
	recomputeRequests = `SELECT ` + requestColumns + ` FROM requests WHERE id > ? ORDER BY id LIMIT ?`
	recomputeReplies  = `SELECT request_id, ` + replyColumns + ` FROM messages
		WHERE request_id BETWEEN ? AND ? ORDER BY request_id, id`
	recomputeFacts = `SELECT request_id, id, kind, coalesce(message_id, 0), detail FROM ` + factEvents + `
		WHERE request_id BETWEEN ? AND ? AND ` + factKindsSQL + ` ORDER BY request_id, id`
)

// RecomputeClocks derives the clock of every sent request from its facts,
// as after a change to the holidays file. It writes an event only for a
// request whose status or due date changes, so a second run writes nothing.
func (s *Store) RecomputeClocks(ctx context.Context) (RecomputeStats, error) {
	return s.RecomputeClocksProgress(ctx, nil)
}

// RecomputeClocksProgress is RecomputeClocks calling progress, when not
// nil, after each batch with what is done so far and the number of sent
// requests there were at the start (a request sent meanwhile may make the
// count pass it).
//
// It walks the requests in batches along the primary key, each in one
// transaction that reads the batch's rows, then every message and every
// recorded-fact event of the batch in one query each (both in index
// order, so nothing is sorted), derives each sent request's clock as
// DeriveClock does and writes only those that differ.
func (s *Store) RecomputeClocksProgress(ctx context.Context, progress func(done RecomputeStats, total int)) (RecomputeStats, error) {
	var st RecomputeStats
	total := 0
	if progress != nil {
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM requests WHERE outbox_state = ?`, outboxSent).Scan(&total); err != nil {
			return st, fmt.Errorf("recompute clocks: %w", err)
		}
	}
	var after int64
	for {
		var n, changed int
		var last int64
		err := s.Tx(ctx, func(tx *sql.Tx) error {
			var err error
			n, changed, last, err = s.recomputeBatch(ctx, tx, after)
			return err
		})
		if err != nil {
			return st, fmt.Errorf("recompute clocks: %w", err)
		}
		if last == 0 {
			return st, nil
		}
		st.Requests += n
		st.Changed += changed
		after = last
		if progress != nil {
			progress(st, total)
		}
	}
}

// recomputeBatch derives the clocks of the sent requests among the
// recomputeBatch requests after id after, in tx. last is the id of the
// batch's last request, 0 when there were none.
func (s *Store) recomputeBatch(ctx context.Context, tx *sql.Tx, after int64) (n, changed int, last int64, err error) {
	rows, err := tx.QueryContext(ctx, recomputeRequests, after, recomputeBatch)
	if err != nil {
		return 0, 0, 0, err
	}
	var reqs []requestRow
	for rows.Next() {
		r, err := scanRequestRow(rows)
		if err != nil {
			rows.Close()
			return 0, 0, 0, err
		}
		last = r.ID
		if r.Outbox == outboxSent && !r.SentAt.IsZero() {
			reqs = append(reqs, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(reqs) == 0 {
		return 0, 0, last, err
	}
	lo, hi := reqs[0].ID, reqs[len(reqs)-1].ID
	facts := make(map[int64]*lifecycle.Facts, len(reqs))
	for _, r := range reqs {
		facts[r.ID] = &lifecycle.Facts{Ref: r.Ref, Regime: r.Regime, SentAt: r.SentAt}
	}

	rows, err = tx.QueryContext(ctx, recomputeReplies, lo, hi)
	if err != nil {
		return 0, 0, 0, err
	}
	for rows.Next() {
		var req int64
		f, err := scanReply(rows, &req)
		if err != nil {
			rows.Close()
			return 0, 0, 0, err
		}
		if fs := facts[req]; fs != nil {
			fs.Replies = append(fs.Replies, f)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, 0, err
	}

	rows, err = tx.QueryContext(ctx, recomputeFacts, lo, hi)
	if err != nil {
		return 0, 0, 0, err
	}
	evs := map[int64][]factRow{}
	for rows.Next() {
		var req int64
		var r factRow
		if err := rows.Scan(&req, &r.id, &r.kind, &r.msg, &r.detail); err != nil {
			rows.Close()
			return 0, 0, 0, err
		}
		if facts[req] != nil {
			evs[req] = append(evs[req], r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, 0, err
	}

	upd, err := tx.PrepareContext(ctx, clockUpdate)
	if err != nil {
		return 0, 0, 0, err
	}
	defer upd.Close()
	ins, err := tx.PrepareContext(ctx, eventInsert)
	if err != nil {
		return 0, 0, 0, err
	}
	defer ins.Close()
	q := preparedEvents{Tx: tx, events: ins}
	for _, r := range reqs {
		f := facts[r.ID]
		if err := foldRecorded(f, evs[r.ID]); err != nil {
			return 0, 0, 0, err
		}
		c, err := s.rule.Derive(*f)
		if err != nil {
			return 0, 0, 0, err
		}
		n++
		moved, err := s.writeClock(ctx, q, upd, r, c, "recompute", 0)
		if err != nil {
			return 0, 0, 0, err
		}
		if moved {
			changed++
		}
	}
	return n, changed, last, nil
}
