package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
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
}

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

// Claim marks the next ready request `sending` for o.Owner and returns it;
// nil when nothing is ready now (see OutboxPending for when something will be).
func (s *Store) Claim(ctx context.Context, o ClaimOptions) (*Outgoing, error) {
	if o.Owner == "" {
		return nil, errors.New("claim: owner is required")
	}
	var out *Outgoing
	err := s.tx(ctx, func(tx *sqlTx) error {
		if o.DailyCap > 0 {
			if err := checkDailyCap(ctx, tx, o.DailyCap, o.Now); err != nil {
				return err
			}
		}
		q := `SELECT r.id, r.to_email FROM requests r JOIN campaigns c ON c.id = r.campaign_id
			WHERE c.state = 'queued' AND r.outbox_state IN ('queued', 'retry')
			AND (r.next_attempt_at IS NULL OR r.next_attempt_at <= ?)`
		args := []any{ts(o.Now)}
		if o.CampaignID != 0 {
			q += ` AND r.campaign_id = ?`
			args = append(args, o.CampaignID)
		}
		q += fmt.Sprintf(` ORDER BY r.id LIMIT %d`, claimScan)
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("claim: %w", err)
		}
		var id int64
		for rows.Next() {
			var rid int64
			var to string
			if err := rows.Scan(&rid, &to); err != nil {
				rows.Close()
				return err
			}
			if o.Skip == nil || !o.Skip(to) {
				id = rid
				break
			}
		}
		rows.Close()
		if id == 0 {
			return nil
		}
		now := ts(o.Now)
		if _, err := tx.ExecContext(ctx, `UPDATE requests SET outbox_state = 'sending', claimed_by = ?, claimed_at = ?,
			attempts = attempts + 1, updated_at = ? WHERE id = ?`, o.Owner, now, now, id); err != nil {
			return fmt.Errorf("claim: %w", err)
		}
		g := &Outgoing{}
		if err := tx.QueryRowContext(ctx, `SELECT id, campaign_id, authority_id, ref, regime, to_email, message_id, attempts, raw_message
			FROM requests WHERE id = ?`, id).Scan(&g.ID, &g.CampaignID, &g.AuthorityID, &g.Ref, &g.Regime, &g.ToEmail, &g.MessageID, &g.Attempts, &g.Raw); err != nil {
			return fmt.Errorf("claim: %w", err)
		}
		if len(g.Raw) == 0 {
			return fmt.Errorf("request %s has no rendered message; queue its campaign again", g.Ref)
		}
		out = g
		return s.appendEvent(ctx, tx, "request.sending", Subject{Authority: g.AuthorityID, Request: g.ID},
			map[string]any{"attempt": g.Attempts, "dispatcher": o.Owner})
	})
	return out, err
}

func checkDailyCap(ctx context.Context, tx *sqlTx, dailyCap int, now time.Time) error {
	since := ts(now.Add(-24 * time.Hour))
	// Accepted messages, and those whose fate is unknown (they may have been
	// accepted), count against the provider's quota.
	rows, err := tx.QueryContext(ctx, `SELECT t FROM (
			SELECT sent_at AS t FROM requests WHERE sent_at >= ?
			UNION ALL
			SELECT claimed_at AS t FROM requests WHERE outbox_state IN ('sending', 'unknown') AND claimed_at >= ?
		) ORDER BY t`, since, since)
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

// Pending summarises the outbox for a dispatcher deciding whether to wait.
type Pending struct {
	Ready   int       // claimable now
	Waiting int       // in retry, not yet due
	Sending int       // claimed by some dispatcher
	NextAt  time.Time // earliest next attempt among Waiting
}

// OutboxPending reports work left in queued campaigns (campaignID 0: all).
func (s *Store) OutboxPending(ctx context.Context, campaignID int64, now time.Time) (Pending, error) {
	var p Pending
	q := `SELECT
		coalesce(sum(r.outbox_state IN ('queued', 'retry') AND (r.next_attempt_at IS NULL OR r.next_attempt_at <= ?)), 0),
		coalesce(sum(r.outbox_state = 'retry' AND r.next_attempt_at > ?), 0),
		coalesce(sum(r.outbox_state = 'sending'), 0),
		min(CASE WHEN r.outbox_state = 'retry' AND r.next_attempt_at > ? THEN r.next_attempt_at END)
		FROM requests r JOIN campaigns c ON c.id = r.campaign_id WHERE c.state = 'queued'`
	n := ts(now)
	args := []any{n, n, n}
	if campaignID != 0 {
		q += ` AND r.campaign_id = ?`
		args = append(args, campaignID)
	}
	var next sql.NullString
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&p.Ready, &p.Waiting, &p.Sending, &next); err != nil {
		return p, fmt.Errorf("outbox pending: %w", err)
	}
	p.NextAt = parseTS(next)
	return p, nil
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
	DueDate    string    // YYYY-MM-DD from the deadline engine
	Reply      SMTPReply
}

// MarkSent records that the server accepted the message, with the due date,
// and writes the request.delivered event the statutory clock starts from.
func (s *Store) MarkSent(ctx context.Context, g *Outgoing, owner string, d Delivery) error {
	return s.settle(ctx, g, owner, func(tx *sqlTx, now string) error {
		if _, err := tx.ExecContext(ctx, `UPDATE requests SET outbox_state = 'sent', status = 'delivered', sent_at = ?, due_date = ?,
			smtp_code = ?, smtp_enhanced = ?, smtp_text = ?, next_attempt_at = NULL, updated_at = ? WHERE id = ?`,
			ts(d.AcceptedAt), nullStr(d.DueDate), nullCode(d.Reply.Code), nullStr(d.Reply.Enhanced), nullStr(d.Reply.Text), now, g.ID); err != nil {
			return err
		}
		if err := s.appendEvent(ctx, tx, "request.delivered", Subject{Authority: g.AuthorityID, Request: g.ID}, map[string]any{
			"at": d.AcceptedAt.UTC().Format(time.RFC3339Nano), "due": d.DueDate, "regime": g.Regime,
			"message_id": g.MessageID, "attempt": g.Attempts, "smtp": d.Reply.Text,
		}); err != nil {
			return err
		}
		return markCampaignDoneIfSettled(ctx, s, tx, g.CampaignID, now)
	})
}

// MarkRetry records a temporary failure (a 4xx reply, or a network error
// before the message data was sent). The row is retried at next, unless
// this was attempt maxAttempts: then it fails for good.
func (s *Store) MarkRetry(ctx context.Context, g *Outgoing, owner string, next time.Time, reply SMTPReply, maxAttempts int) (failed bool, err error) {
	err = s.settle(ctx, g, owner, func(tx *sqlTx, now string) error {
		if maxAttempts > 0 && g.Attempts >= maxAttempts {
			failed = true
			return s.fail(ctx, tx, g, now, reply, fmt.Sprintf("gave up after %d attempts", g.Attempts))
		}
		if _, err := tx.ExecContext(ctx, `UPDATE requests SET outbox_state = 'retry', next_attempt_at = ?,
			smtp_code = ?, smtp_enhanced = ?, smtp_text = ?, updated_at = ? WHERE id = ?`,
			ts(next), nullCode(reply.Code), nullStr(reply.Enhanced), nullStr(reply.Text), now, g.ID); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, "request.retry", Subject{Authority: g.AuthorityID, Request: g.ID}, map[string]any{
			"attempt": g.Attempts, "next_attempt_at": next.UTC().Format(time.RFC3339), "code": reply.Code, "enhanced": reply.Enhanced, "text": reply.Text,
		})
	})
	return failed, err
}

// MarkFailed records a permanent failure (a 5xx reply). It is never retried
// automatically; a person may resend it with 'requests resolve --resend'.
func (s *Store) MarkFailed(ctx context.Context, g *Outgoing, owner string, reply SMTPReply) error {
	return s.settle(ctx, g, owner, func(tx *sqlTx, now string) error {
		return s.fail(ctx, tx, g, now, reply, "rejected by the server")
	})
}

func (s *Store) fail(ctx context.Context, tx *sqlTx, g *Outgoing, now string, reply SMTPReply, why string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE requests SET outbox_state = 'failed', next_attempt_at = NULL,
		smtp_code = ?, smtp_enhanced = ?, smtp_text = ?, updated_at = ? WHERE id = ?`,
		nullCode(reply.Code), nullStr(reply.Enhanced), nullStr(reply.Text), now, g.ID); err != nil {
		return err
	}
	if err := s.appendEvent(ctx, tx, "request.failed", Subject{Authority: g.AuthorityID, Request: g.ID}, map[string]any{
		"attempt": g.Attempts, "why": why, "code": reply.Code, "enhanced": reply.Enhanced, "text": reply.Text,
	}); err != nil {
		return err
	}
	return markCampaignDoneIfSettled(ctx, s, tx, g.CampaignID, now)
}

// MarkUnknown records that the message may or may not have been accepted
// (the connection was lost after its data was sent). It is never re-sent
// automatically.
func (s *Store) MarkUnknown(ctx context.Context, g *Outgoing, owner, why string) error {
	return s.settle(ctx, g, owner, func(tx *sqlTx, now string) error {
		if _, err := tx.ExecContext(ctx, `UPDATE requests SET outbox_state = 'unknown', smtp_text = ?, updated_at = ? WHERE id = ?`,
			why, now, g.ID); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, "request.unknown", Subject{Authority: g.AuthorityID, Request: g.ID},
			map[string]any{"attempt": g.Attempts, "why": why})
	})
}

// Release hands a claimed row back untouched, its attempt not counted:
// for when nothing was sent because of a problem on our side (no
// connection could be made, the TLS or login setup is wrong).
func (s *Store) Release(ctx context.Context, g *Outgoing, owner, why string) error {
	return s.settle(ctx, g, owner, func(tx *sqlTx, now string) error {
		if _, err := tx.ExecContext(ctx, `UPDATE requests SET attempts = attempts - 1,
			outbox_state = CASE WHEN attempts - 1 > 0 THEN 'retry' ELSE 'queued' END, updated_at = ? WHERE id = ?`, now, g.ID); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, "request.released", Subject{Authority: g.AuthorityID, Request: g.ID}, map[string]any{"why": why})
	})
}

// settle runs fn only if the row is still `sending` under owner's claim,
// then clears the claim.
func (s *Store) settle(ctx context.Context, g *Outgoing, owner string, fn func(tx *sqlTx, now string) error) error {
	return s.tx(ctx, func(tx *sqlTx) error {
		var state string
		var by sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT outbox_state, claimed_by FROM requests WHERE id = ?`, g.ID).Scan(&state, &by)
		if err != nil {
			return fmt.Errorf("request %s: %w", g.Ref, err)
		}
		if state != OutboxSending || by.String != owner {
			return fmt.Errorf("request %s is %s: %w", g.Ref, state, ErrLostClaim)
		}
		now := ts(s.now())
		if err := fn(tx, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE requests SET claimed_by = NULL WHERE id = ?`, g.ID)
		return err
	})
}

func markCampaignDoneIfSettled(ctx context.Context, s *Store, tx *sqlTx, campaignID int64, now string) error {
	var open int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM requests WHERE campaign_id = ?
		AND outbox_state IN ('draft', 'queued', 'sending', 'retry', 'unknown')`, campaignID).Scan(&open); err != nil {
		return err
	}
	if open > 0 {
		return nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE campaigns SET state = 'done', updated_at = ? WHERE id = ? AND state = 'queued'`, now, campaignID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		return s.appendEvent(ctx, tx, "campaign.done", Subject{}, map[string]any{"campaign_id": campaignID})
	}
	return nil
}

func nullCode(c int) any {
	if c == 0 {
		return nil
	}
	return c
}

// SendingOwners lists the dispatchers holding `sending` rows.
func (s *Store) SendingOwners(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT coalesce(claimed_by, '') FROM requests WHERE outbox_state = 'sending'`)
	if err != nil {
		return nil, fmt.Errorf("list dispatchers: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// MarkOrphansUnknown turns every `sending` row claimed by owner (a
// dispatcher known to be dead) into `unknown`: the process died mid-send,
// so whether the server accepted the message cannot be known. It returns
// the references affected.
func (s *Store) MarkOrphansUnknown(ctx context.Context, owner string) ([]string, error) {
	var refs []string
	err := s.tx(ctx, func(tx *sqlTx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, authority_id, ref, attempts FROM requests
			WHERE outbox_state = 'sending' AND coalesce(claimed_by, '') = ?`, owner)
		if err != nil {
			return err
		}
		type orphan struct {
			id, auth int64
			ref      string
			attempts int
		}
		var orphans []orphan
		for rows.Next() {
			var o orphan
			if err := rows.Scan(&o.id, &o.auth, &o.ref, &o.attempts); err != nil {
				rows.Close()
				return err
			}
			orphans = append(orphans, o)
		}
		rows.Close()
		now := ts(s.now())
		for _, o := range orphans {
			why := "the dispatcher stopped while sending (found at startup); the server may or may not have accepted it"
			if _, err := tx.ExecContext(ctx, `UPDATE requests SET outbox_state = 'unknown', smtp_text = ?, claimed_by = NULL, updated_at = ?
				WHERE id = ? AND outbox_state = 'sending'`, why, now, o.id); err != nil {
				return err
			}
			if err := s.appendEvent(ctx, tx, "request.unknown", Subject{Authority: o.auth, Request: o.id},
				map[string]any{"attempt": o.attempts, "why": why, "dispatcher": owner}); err != nil {
				return err
			}
			refs = append(refs, o.ref)
		}
		return nil
	})
	return refs, err
}

// ResolveSent records a person's finding that an `unknown` request did
// reach the authority (it is in the sent mailbox, or the authority
// acknowledged it). The delivery time is the time of the attempt, the best
// evidence there is; due is the deadline computed from it.
func (s *Store) ResolveSent(ctx context.Context, ref string, due func(regime string, at time.Time) (string, error)) (Request, error) {
	r, err := s.RequestByRef(ctx, ref)
	if err != nil {
		return r, err
	}
	if r.OutboxState != OutboxUnknown {
		return r, fmt.Errorf("request %s is %s, not unknown: only an unknown request can be resolved as sent", r.Ref, r.OutboxState)
	}
	at := r.ClaimedAt
	if at.IsZero() {
		at = r.UpdatedAt
	}
	dueDate, err := due(r.Regime, at)
	if err != nil {
		return r, fmt.Errorf("due date for %s: %w", r.Ref, err)
	}
	err = s.tx(ctx, func(tx *sqlTx) error {
		now := ts(s.now())
		res, err := tx.ExecContext(ctx, `UPDATE requests SET outbox_state = 'sent', status = 'delivered', sent_at = ?, due_date = ?, updated_at = ?
			WHERE id = ? AND outbox_state = 'unknown'`, ts(at), dueDate, now, r.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("request %s changed meanwhile; look again", r.Ref)
		}
		if err := s.appendEvent(ctx, tx, "request.delivered", Subject{Authority: r.AuthorityID, Request: r.ID}, map[string]any{
			"at": at.UTC().Format(time.RFC3339Nano), "due": dueDate, "regime": r.Regime, "message_id": r.MessageID,
			"resolved_by": "person", "note": "delivery time is the time of the attempt",
		}); err != nil {
			return err
		}
		return markCampaignDoneIfSettled(ctx, s, tx, r.CampaignID, now)
	})
	if err != nil {
		return r, err
	}
	return s.RequestByRef(ctx, ref)
}

// ResolveResend puts an `unknown` or `failed` request back in the queue on a
// person's word (it never arrived, or the address was fixed at the server's
// end). The same message, with the same Message-ID, is sent again.
func (s *Store) ResolveResend(ctx context.Context, ref string) (Request, error) {
	r, err := s.RequestByRef(ctx, ref)
	if err != nil {
		return r, err
	}
	if r.OutboxState != OutboxUnknown && r.OutboxState != OutboxFailed {
		return r, fmt.Errorf("request %s is %s: only an unknown or failed request can be resent", r.Ref, r.OutboxState)
	}
	err = s.tx(ctx, func(tx *sqlTx) error {
		now := ts(s.now())
		res, err := tx.ExecContext(ctx, `UPDATE requests SET outbox_state = 'queued', attempts = 0, next_attempt_at = NULL, updated_at = ?
			WHERE id = ? AND outbox_state = ?`, now, r.ID, r.OutboxState)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("request %s changed meanwhile; look again", r.Ref)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET state = 'queued', updated_at = ? WHERE id = ? AND state = 'done'`, now, r.CampaignID); err != nil {
			return err
		}
		return s.appendEvent(ctx, tx, "request.resend", Subject{Authority: r.AuthorityID, Request: r.ID},
			map[string]any{"from": r.OutboxState, "resolved_by": "person"})
	})
	if err != nil {
		return r, err
	}
	return s.RequestByRef(ctx, ref)
}

// RecentSends lists, per recipient domain, the latest acceptance since t,
// so a restarted dispatcher keeps honouring the per-domain interval.
func (s *Store) RecentSends(ctx context.Context, since time.Time) (map[string]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT to_email, sent_at FROM requests WHERE sent_at >= ?`, ts(since))
	if err != nil {
		return nil, fmt.Errorf("recent sends: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var to string
		var at sql.NullString
		if err := rows.Scan(&to, &at); err != nil {
			return nil, err
		}
		d := EmailDomain(to)
		if t := parseTS(at); t.After(out[d]) {
			out[d] = t
		}
	}
	return out, rows.Err()
}

// EmailDomain is the lower-cased domain of an address.
func EmailDomain(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return strings.ToLower(strings.TrimSpace(d))
}
