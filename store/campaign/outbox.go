package campaign

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"foidesk/lifecycle"
	"foidesk/store"
)

// The outbox is the requests table seen by a dispatcher. Every send is two
// transactions around the SMTP conversation: a claim (queued/retry →
// sending, stamped with the dispatcher's id) and a record of the outcome.
// Because BEGIN takes the write lock, two dispatchers cannot claim one row,
// and because the claim commits before SMTP is spoken, a crash mid-send
// leaves a `sending` row that recovery turns into `unknown` instead of
// sending it again.

// ClaimOptions says what a dispatcher may claim.
type ClaimOptions struct {
	Owner      string    // the dispatcher's id, recorded on the row
	Now        time.Time // rows whose next attempt is later are not ready
	CampaignID int64     // 0: any queued campaign
	// Skip, when set, passes over a ready row (a domain still inside its
	// per-domain interval, say); the next eligible row is claimed instead.
	Skip func(toEmail string) bool
	// DailyCap, when positive, refuses the claim once that many messages
	// were accepted or attempted in the 24 hours before Now.
	DailyCap int
}

// Outgoing is a claimed request: what the dispatcher needs to send it.
type Outgoing struct {
	ID          int64
	CampaignID  int64
	AuthorityID int64
	Ref         string
	Regime      string
	ToEmail     string
	MessageID   string
	Attempts    int // including this one
	Raw         []byte
	ClaimedAt   time.Time
}

// subject is what the outbox's events about g are about: the request
// alone. Its authority is the request's (Events finds them in the
// authority's history through the request), and leaving authority_id empty
// keeps these rows out of events_authority, a partial index (WHERE
// authority_id IS NOT NULL), so the dispatcher's commits no longer write its
// pages.
func (g *Outgoing) subject() store.Subject { return store.Subject{Request: g.ID} }

// DailyCapError says the daily cap is reached and when the oldest counted
// message leaves the 24-hour window.
type DailyCapError struct {
	Cap   int
	Until time.Time
}

func (e *DailyCapError) Error() string {
	return fmt.Sprintf("daily cap of %d messages reached; next send possible at %s", e.Cap, e.Until.Format(time.RFC3339))
}

// claimScan is how many ready rows one claim looks at when some are skipped.
const claimScan = 64

// Outbox is a dispatcher's handle on the outbox: one database connection
// of its own, with every statement it runs per message (transaction control
// and the event insert included) prepared once on it, since parsing SQL
// would otherwise cost more than running it. Not for concurrent use; Close
// it when done.
//
// The outbox also moves WAL checkpoints off the sending path. A checkpoint
// copies the WAL into the database file and fsyncs both, even with
// synchronous = NORMAL; left to SQLite's automatic checkpoint it runs inside
// whichever commit crosses the threshold, so every ~120th message would wait
// for two fsyncs. Instead the outbox's connection checkpoints automatically
// only as a backstop (outboxAutoCheckpoint pages), and every
// checkpointEvery commits it asks a goroutine to run a passive checkpoint on
// another connection, which never blocks the writer. Commits are as durable
// as before: a checkpoint changes where committed pages live, not whether
// they are committed.
type Outbox struct {
	s       *Store
	conn    *sql.Conn
	stmts   map[string]*sql.Stmt
	commits int
	events  []any         // the current transaction's event rows, eventCols values each
	ckpt    chan struct{} // a checkpoint is wanted; nil before start
	ckptEnd chan struct{} // closed when the checkpointer has stopped
}

const (
	// checkpointEvery is how many outbox commits (of about eight pages
	// each) go by between background checkpoints: about SQLite's default
	// threshold of 1000 pages.
	checkpointEvery = 100
	// outboxAutoCheckpoint is the outbox connection's own threshold, in
	// pages: reached only if the background checkpoints cannot keep up.
	outboxAutoCheckpoint = 8000
	// defaultAutoCheckpoint is SQLite's, restored before the connection
	// goes back to the pool.
	defaultAutoCheckpoint = 1000
)

var outboxSQL = map[string]string{
	"begin":    `BEGIN IMMEDIATE`,
	"commit":   `COMMIT`,
	"rollback": `ROLLBACK`,
	// The same row AppendEvent writes (events.go); TestOutboxEventsMatchAppendEvent
	// keeps the two in step.
	"event": `INSERT INTO events (at, kind, authority_id, request_id, message_id, detail) VALUES (?, ?, ?, ?, ?, ?)`,
	// A transaction's two events (an outcome and the next claim) in one
	// statement.
	"event2": `INSERT INTO events (at, kind, authority_id, request_id, message_id, detail) VALUES (?, ?, ?, ?, ?, ?), (?, ?, ?, ?, ?, ?)`,
	// The whole claim in one statement when nothing is skipped: the first
	// due retry, else the first queued row.
	"claim-next": `UPDATE requests SET outbox_state = 'sending', claimed_by = ?3, claimed_at = ?1, attempts = attempts + 1, updated_at = ?1
		WHERE id = coalesce(
			(SELECT r.id FROM requests r JOIN campaigns c ON c.id = r.campaign_id
				WHERE r.outbox_state = 'retry' AND r.next_attempt_at <= ?1 AND c.state = 'queued' AND (?2 = 0 OR r.campaign_id = ?2)
				ORDER BY r.next_attempt_at LIMIT 1),
			(SELECT r.id FROM requests r JOIN campaigns c ON c.id = r.campaign_id
				WHERE r.outbox_state = 'queued' AND c.state = 'queued' AND (?2 = 0 OR r.campaign_id = ?2) LIMIT 1))
		RETURNING id, campaign_id, authority_id, ref, regime, to_email, message_id, attempts,
			(SELECT raw FROM request_messages WHERE request_id = requests.id)`,
	// Due retries first, oldest due first; then queued rows in the order
	// they were created. Both walk the (outbox_state, next_attempt_at)
	// index, so a claim costs the same for the 1st request and the 400th.
	"ready-retry": `SELECT r.id, r.to_email FROM requests r JOIN campaigns c ON c.id = r.campaign_id
		WHERE r.outbox_state = 'retry' AND r.next_attempt_at <= ?1 AND c.state = 'queued' AND (?2 = 0 OR r.campaign_id = ?2)
		ORDER BY r.next_attempt_at LIMIT ?3`,
	"ready-queued": `SELECT r.id, r.to_email FROM requests r JOIN campaigns c ON c.id = r.campaign_id
		WHERE r.outbox_state = 'queued' AND c.state = 'queued' AND (?2 = 0 OR r.campaign_id = ?2)
		LIMIT ?3`,
	"claim": `UPDATE requests SET outbox_state = 'sending', claimed_by = ?, claimed_at = ?, attempts = attempts + 1, updated_at = ?
		WHERE id = ? AND outbox_state IN ('queued', 'retry')
		RETURNING id, campaign_id, authority_id, ref, regime, to_email, message_id, attempts,
			(SELECT raw FROM request_messages WHERE request_id = requests.id)`,
	// Whether anything but the delivery is known of a request being sent
	// (mail matched to it while its sending was unknown, facts a person
	// recorded): almost never, and then its clock is derived from the
	// delivery alone without reading them.
	"has-facts": `SELECT EXISTS (SELECT 1 FROM messages WHERE request_id = ?1)
		OR EXISTS (SELECT 1 FROM events WHERE request_id = ?1 AND kind IN ('request.clarification_answered', 'request.fact_recorded'))`,
	// The status, due date and reason are the lifecycle's, derived from the
	// delivery and any facts already known (lifecycle.go).
	"sent": `UPDATE requests SET outbox_state = 'sent', sent_at = ?, status = ?, due_date = ?, replied_on = ?, status_reason = ?,
		smtp_code = ?, smtp_enhanced = ?, smtp_text = ?, next_attempt_at = NULL, claimed_by = NULL, updated_at = ?
		WHERE id = ? AND outbox_state = 'sending' AND claimed_by = ?`,
	"retry": `UPDATE requests SET outbox_state = 'retry', next_attempt_at = ?,
		smtp_code = ?, smtp_enhanced = ?, smtp_text = ?, claimed_by = NULL, updated_at = ?
		WHERE id = ? AND outbox_state = 'sending' AND claimed_by = ?`,
	"failed": `UPDATE requests SET outbox_state = 'failed', next_attempt_at = NULL,
		smtp_code = ?, smtp_enhanced = ?, smtp_text = ?, claimed_by = NULL, updated_at = ?
		WHERE id = ? AND outbox_state = 'sending' AND claimed_by = ?`,
	"unknown": `UPDATE requests SET outbox_state = 'unknown', smtp_text = ?, claimed_by = NULL, updated_at = ?
		WHERE id = ? AND outbox_state = 'sending' AND claimed_by = ?`,
	// A released row that had earlier attempts goes back to retry, due now.
	"release": `UPDATE requests SET attempts = attempts - 1,
		outbox_state = CASE WHEN attempts - 1 > 0 THEN 'retry' ELSE 'queued' END,
		next_attempt_at = CASE WHEN attempts - 1 > 0 THEN coalesce(next_attempt_at, ?) END,
		claimed_by = NULL, updated_at = ?
		WHERE id = ? AND outbox_state = 'sending' AND claimed_by = ?`,
}

// Outbox takes a connection and prepares the dispatcher's statements on it.
func (s *Store) Outbox(ctx context.Context) (*Outbox, error) {
	conn, err := s.core.DB().Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("outbox connection: %w", err)
	}
	o := &Outbox{s: s, conn: conn, stmts: map[string]*sql.Stmt{}}
	for name, q := range outboxSQL {
		st, err := conn.PrepareContext(ctx, q)
		if err != nil {
			o.Close()
			return nil, fmt.Errorf("prepare outbox statement %s: %w", name, err)
		}
		o.stmts[name] = st
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", outboxAutoCheckpoint)); err != nil {
		o.Close()
		return nil, fmt.Errorf("outbox connection: %w", err)
	}
	o.ckpt, o.ckptEnd = make(chan struct{}, 1), make(chan struct{})
	go o.checkpointer()
	return o, nil
}

// checkpointer runs a passive checkpoint whenever one is asked for. A
// passive checkpoint copies what it can without waiting for any lock; what
// it cannot copy now, the next one will.
func (o *Outbox) checkpointer() {
	defer close(o.ckptEnd)
	for range o.ckpt {
		_, _ = o.s.core.DB().ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
	}
}

// Close releases the statements and the connection.
func (o *Outbox) Close() error {
	if o.ckpt != nil {
		close(o.ckpt)
		<-o.ckptEnd
		o.ckpt = nil
	}
	for _, st := range o.stmts {
		st.Close()
	}
	_, _ = o.conn.ExecContext(context.Background(), fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", defaultAutoCheckpoint))
	return o.conn.Close()
}

func (o *Outbox) stmt(name string) *sql.Stmt { return o.stmts[name] }

// tx runs fn in one write transaction on the outbox's connection: BEGIN
// IMMEDIATE takes the write lock at once (waiting out the busy timeout),
// as every transaction in the store does, and any error rolls back.
func (o *Outbox) tx(ctx context.Context, fn func() error) error {
	if _, err := o.stmt("begin").ExecContext(ctx); err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	err := fn()
	if err == nil {
		err = o.flushEvents(ctx)
	}
	o.events = o.events[:0]
	if err != nil {
		_, _ = o.stmt("rollback").ExecContext(context.WithoutCancel(ctx))
		return err
	}
	if _, err := o.stmt("commit").ExecContext(ctx); err != nil {
		_, _ = o.stmt("rollback").ExecContext(context.WithoutCancel(ctx))
		return fmt.Errorf("commit: %w", err)
	}
	if o.commits++; o.commits%checkpointEvery == 0 && o.ckpt != nil {
		select {
		case o.ckpt <- struct{}{}:
		default: // one is already running or asked for
		}
	}
	return nil
}

// event appends to the audit log inside the current transaction, as
// AppendEvent does. The row is written when the transaction's work is done,
// just before COMMIT, together with any other event of the transaction:
// one INSERT for an outcome and the next claim.
func (o *Outbox) event(ctx context.Context, kind string, subj store.Subject, detail any) error {
	raw := []byte("{}")
	if detail != nil {
		var err error
		if raw, err = json.Marshal(detail); err != nil {
			return fmt.Errorf("event %s: encode detail: %w", kind, err)
		}
	}
	o.events = append(o.events, o.s.core.Now().UTC().Format(time.RFC3339Nano), kind,
		nullID(subj.Authority), nullID(subj.Request), nullID(subj.Message), string(raw))
	return nil
}

// eventCols is the number of values of one event row.
const eventCols = 6

// flushEvents inserts the transaction's events, in the order they were made.
func (o *Outbox) flushEvents(ctx context.Context) error {
	ev := o.events
	for len(ev) > 0 {
		name, n := "event", eventCols
		if len(ev) >= 2*eventCols {
			name, n = "event2", 2*eventCols
		}
		if _, err := o.stmt(name).ExecContext(ctx, ev[:n]...); err != nil {
			return fmt.Errorf("record event %s: %w", ev[1], err)
		}
		ev = ev[n:]
	}
	return nil
}

// Claim marks the next ready request `sending` for opt.Owner and returns it;
// nil when nothing is ready now (see OutboxPending for when something will be).
func (o *Outbox) Claim(ctx context.Context, opt ClaimOptions) (*Outgoing, error) {
	if opt.Owner == "" {
		return nil, errors.New("claim: owner is required")
	}
	var out *Outgoing
	err := o.tx(ctx, func() error {
		var err error
		out, err = o.claim(ctx, opt)
		return err
	})
	return out, err
}

func (o *Outbox) claim(ctx context.Context, opt ClaimOptions) (*Outgoing, error) {
	if opt.DailyCap > 0 {
		if err := checkDailyCap(ctx, o.conn, opt.DailyCap, opt.Now); err != nil {
			return nil, err
		}
	}
	now := ts(opt.Now)
	g := &Outgoing{}
	var row *sql.Row
	if opt.Skip == nil {
		row = o.stmt("claim-next").QueryRowContext(ctx, now, opt.CampaignID, opt.Owner)
	} else {
		// Some rows may be passed over: look at a few, claim the first
		// that is not.
		id, _, err := o.ready(ctx, opt, claimScan)
		if err != nil || id == 0 {
			return nil, err
		}
		row = o.stmt("claim").QueryRowContext(ctx, opt.Owner, now, now, id)
	}
	err := row.Scan(&g.ID, &g.CampaignID, &g.AuthorityID, &g.Ref, &g.Regime, &g.ToEmail, &g.MessageID, &g.Attempts, &g.Raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	if len(g.Raw) == 0 {
		return nil, fmt.Errorf("request %s has no rendered message; queue its campaign again", g.Ref)
	}
	g.ClaimedAt = opt.Now
	// Every state change is an event, the claim included: the audit log
	// shows which dispatcher started which attempt, and every attempt then
	// ends in exactly one more event (delivered, retry, failed, unknown or
	// released; unknown also when the process died holding it).
	if err := o.event(ctx, "request.claimed", g.subject(),
		claimedEvent{Attempt: g.Attempts, Dispatcher: opt.Owner}); err != nil {
		return nil, err
	}
	return g, nil
}

// claimedEvent is the detail of request.claimed: queued or retry → sending.
// (A struct, not a map: it is written once per message.)
type claimedEvent struct {
	Attempt    int    `json:"attempt"`
	Dispatcher string `json:"dispatcher"`
}

// ready finds the first ready row: due retries first, then queued ones.
func (o *Outbox) ready(ctx context.Context, opt ClaimOptions, limit int) (int64, string, error) {
	for _, q := range []string{"ready-retry", "ready-queued"} {
		rows, err := o.stmt(q).QueryContext(ctx, ts(opt.Now), opt.CampaignID, limit)
		if err != nil {
			return 0, "", fmt.Errorf("claim: %w", err)
		}
		for rows.Next() {
			var rid int64
			var to string
			if err := rows.Scan(&rid, &to); err != nil {
				rows.Close()
				return 0, "", err
			}
			if opt.Skip == nil || !opt.Skip(to) {
				rows.Close()
				return rid, to, nil
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, "", err
		}
	}
	return 0, "", nil
}

// rowsQuerier is a connection or a transaction.
type rowsQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func checkDailyCap(ctx context.Context, conn rowsQuerier, dailyCap int, now time.Time) error {
	since := ts(now.Add(-24 * time.Hour))
	// Accepted messages, and those whose fate is unknown (they may have been
	// accepted), count against the provider's quota: requests and follow-up
	// letters alike.
	rows, err := conn.QueryContext(ctx, `SELECT t FROM (
			SELECT sent_at AS t FROM requests WHERE sent_at >= ?1
			UNION ALL
			SELECT claimed_at AS t FROM requests WHERE outbox_state IN ('sending', 'unknown') AND claimed_at >= ?1
			UNION ALL
			SELECT sent_at AS t FROM letters WHERE sent_at >= ?1
			UNION ALL
			SELECT claimed_at AS t FROM letters WHERE outbox_state IN ('sending', 'unknown') AND claimed_at >= ?1
		) ORDER BY t`, since)
	if err != nil {
		return fmt.Errorf("daily cap: %w", err)
	}
	defer rows.Close()
	var times []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return err
		}
		times = append(times, t)
	}
	if len(times) < dailyCap {
		return rows.Err()
	}
	oldest := parseTS(sql.NullString{String: times[len(times)-dailyCap], Valid: true})
	return &DailyCapError{Cap: dailyCap, Until: oldest.Add(24 * time.Hour)}
}

// ErrLostClaim is returned when recording an outcome for a row that is no
// longer `sending` under this dispatcher's claim.
var ErrLostClaim = errors.New("the request is no longer claimed by this dispatcher")

// SMTPReply is the server's answer, kept with the request.
type SMTPReply struct {
	Code     int
	Enhanced string
	Text     string
}

// Delivery is what is recorded when the server accepted a message.
type Delivery struct {
	AcceptedAt time.Time // the date of receipt: the statutory clock starts here
	Reply      SMTPReply
}

// deliveredEvent is the detail of request.delivered, the event a request's
// statutory clock starts from. (A struct, not a map: it is written once per
// message sent.)
type deliveredEvent struct {
	At             string `json:"at"`
	Due            string `json:"due"`
	Status         string `json:"status"`
	Regime         string `json:"regime"`
	MessageID      string `json:"message_id"`
	Attempt        int    `json:"attempt"`
	AttemptStarted string `json:"attempt_started"`
	SMTP           string `json:"smtp"`
}

// MarkSent records that the server accepted the message, derives the
// request's status and due date from that delivery (and anything already
// known about the request: a resent request may have mail), and writes the
// request.delivered event the statutory clock starts from.
// When next is not nil, the next request is claimed in the same
// transaction: one commit per message instead of two, and still every claim
// is committed before its SMTP transaction starts.
func (o *Outbox) MarkSent(ctx context.Context, g *Outgoing, owner string, d Delivery, next *ClaimOptions) (*Outgoing, error) {
	return o.settle(ctx, g, owner, next, func(now string) error {
		var more bool
		err := o.stmt("has-facts").QueryRowContext(ctx, g.ID).Scan(&more)
		var c lifecycle.Clock
		switch {
		case err != nil:
		case more:
			c, err = o.s.core.DeliveredClock(ctx, o.conn, g.ID, g.Ref, g.Regime, d.AcceptedAt)
		default:
			c, err = o.s.core.Lifecycle().Derive(lifecycle.Facts{Ref: g.Ref, Regime: g.Regime, SentAt: d.AcceptedAt})
		}
		if err != nil {
			// The server accepted it: that is recorded whatever else
			// fails. Never invent a deadline; say why there is none.
			c = lifecycle.Clock{Status: store.StatusAwaitingResponse, Reason: "delivered, but no due date could be derived: " + err.Error()}
		}
		if err := o.exec(ctx, g, "sent", ts(d.AcceptedAt), c.Status, nullStr(c.Due), nullStr(c.RepliedOn), c.Reason,
			nullCode(d.Reply.Code), nullStr(d.Reply.Enhanced), nullStr(d.Reply.Text), now, g.ID, owner); err != nil {
			return err
		}
		return o.event(ctx, "request.delivered", g.subject(), deliveredEvent{
			At: d.AcceptedAt.UTC().Format(time.RFC3339Nano), Due: c.Due, Status: c.Status, Regime: g.Regime,
			MessageID: g.MessageID, Attempt: g.Attempts, AttemptStarted: ts(g.ClaimedAt), SMTP: d.Reply.Text,
		})
	})
}

// MarkRetry records a temporary failure (a 4xx reply, or a network error
// before the message data was sent). The row is retried at retryAt, unless
// this was attempt maxAttempts: then it fails for good.
func (o *Outbox) MarkRetry(ctx context.Context, g *Outgoing, owner string, retryAt time.Time, reply SMTPReply, maxAttempts int, next *ClaimOptions) (failed bool, _ *Outgoing, _ error) {
	n, err := o.settle(ctx, g, owner, next, func(now string) error {
		if maxAttempts > 0 && g.Attempts >= maxAttempts {
			failed = true
			return o.fail(ctx, g, owner, now, reply, fmt.Sprintf("gave up after %d attempts", g.Attempts))
		}
		if err := o.exec(ctx, g, "retry", ts(retryAt), nullCode(reply.Code), nullStr(reply.Enhanced), nullStr(reply.Text), now, g.ID, owner); err != nil {
			return err
		}
		return o.event(ctx, "request.retry", g.subject(), map[string]any{
			"attempt": g.Attempts, "attempt_started": ts(g.ClaimedAt), "next_attempt_at": retryAt.UTC().Format(time.RFC3339), "code": reply.Code, "enhanced": reply.Enhanced, "text": reply.Text,
		})
	})
	return failed, n, err
}

// MarkFailed records a permanent failure (a 5xx reply). It is never retried
// automatically; a person may resend it with 'requests resolve --resend'.
func (o *Outbox) MarkFailed(ctx context.Context, g *Outgoing, owner string, reply SMTPReply, next *ClaimOptions) (*Outgoing, error) {
	return o.settle(ctx, g, owner, next, func(now string) error {
		return o.fail(ctx, g, owner, now, reply, "rejected by the server")
	})
}

func (o *Outbox) fail(ctx context.Context, g *Outgoing, owner, now string, reply SMTPReply, why string) error {
	if err := o.exec(ctx, g, "failed", nullCode(reply.Code), nullStr(reply.Enhanced), nullStr(reply.Text), now, g.ID, owner); err != nil {
		return err
	}
	return o.event(ctx, "request.failed", g.subject(), map[string]any{
		"attempt": g.Attempts, "attempt_started": ts(g.ClaimedAt), "why": why, "code": reply.Code, "enhanced": reply.Enhanced, "text": reply.Text,
	})
}

// MarkUnknown records that the message may or may not have been accepted
// (the connection was lost after its data was sent). It is never re-sent
// automatically.
func (o *Outbox) MarkUnknown(ctx context.Context, g *Outgoing, owner, why string, next *ClaimOptions) (*Outgoing, error) {
	return o.settle(ctx, g, owner, next, func(now string) error {
		if err := o.exec(ctx, g, "unknown", why, now, g.ID, owner); err != nil {
			return err
		}
		return o.event(ctx, "request.unknown", g.subject(),
			map[string]any{"attempt": g.Attempts, "attempt_started": ts(g.ClaimedAt), "why": why})
	})
}

// Release hands a claimed row back untouched, its attempt not counted:
// for when nothing was sent because of a problem on our side (no
// connection could be made, the TLS or login setup is wrong).
func (o *Outbox) Release(ctx context.Context, g *Outgoing, owner, why string) error {
	_, err := o.settle(ctx, g, owner, nil, func(now string) error {
		if err := o.exec(ctx, g, "release", now, now, g.ID, owner); err != nil {
			return err
		}
		return o.event(ctx, "request.released", g.subject(), map[string]any{"why": why})
	})
	return err
}

// exec runs one of the settle updates; no row changed means the claim was
// lost (the row was recovered as unknown, or resolved, meanwhile).
func (o *Outbox) exec(ctx context.Context, g *Outgoing, name string, args ...any) error {
	res, err := o.stmt(name).ExecContext(ctx, args...)
	if err != nil {
		return fmt.Errorf("record %s for %s: %w", name, g.Ref, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var state string
		_ = o.conn.QueryRowContext(ctx, `SELECT outbox_state FROM requests WHERE id = ?`, g.ID).Scan(&state)
		return fmt.Errorf("request %s is %s: %w", g.Ref, state, ErrLostClaim)
	}
	return nil
}

// settle records an outcome with fn and, when next is set, claims the next
// request, in one transaction.
func (o *Outbox) settle(ctx context.Context, g *Outgoing, owner string, next *ClaimOptions, fn func(now string) error) (*Outgoing, error) {
	var claimed *Outgoing
	err := o.tx(ctx, func() error {
		if err := fn(ts(o.s.core.Now())); err != nil {
			return err
		}
		if next == nil {
			return nil
		}
		var err error
		claimed, err = o.claim(ctx, *next)
		var capErr *DailyCapError
		if errors.As(err, &capErr) {
			claimed, err = nil, nil // the next plain Claim reports it
		}
		return err
	})
	return claimed, err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullCode(c int) any {
	if c == 0 {
		return nil
	}
	return c
}
