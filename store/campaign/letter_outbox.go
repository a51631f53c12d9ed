package campaign

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"foidesk/lifecycle"
	"foidesk/store"
)

// The letters' outbox works as the requests' does (outbox.go): a claim
// (queued/retry → sending, stamped with the dispatcher's id) commits
// before SMTP is spoken and the outcome is recorded in a second
// transaction, so a letter is sent once and only once, and one a dead
// dispatcher left `sending` becomes `unknown`, never re-sent on a guess.
// Letters are few (a chaser per overdue request every few weeks), so they
// use the shared connections rather than prepared statements of their own.
//
// A letter is not tied to its campaign's queued state: chasers and reviews
// follow requests long after the campaign is done. Those of a paused
// campaign wait for it to be resumed; a chaser of a cancelled campaign is
// cancelled when it would be claimed (a review, asked for by name, is
// still sent), and so is one of a campaign whose chasers were turned off.
// A chaser is also cancelled at claim time, with the reason in its event,
// when the request no longer awaits a response (replied, not delivered,
// withdrawn, waiting for a clarification or a fee) or a reply stopping
// chasers is matched to it (stopsChasers).

// stopsChasers finds a message matched to request r (in a query that
// names requests r) that
// stops its chasers: any reply but an auto-reply, a temporary (4.x.x)
// bounce, which moves nothing, or an acknowledgement that arrived by the
// due date (nearly every council acknowledges on the first day; a chaser
// is for when nothing followed). A permanent bounce stops them through the
// request's status (not-delivered). It yields "id kind", or NULL.
const stopsChasers = `(SELECT m.id || ' ' || m.kind FROM messages m WHERE m.request_id = r.id
	AND m.kind <> 'auto-reply'
	AND NOT (m.kind = 'bounce' AND coalesce(m.bounce_status, '') LIKE '4%')
	AND NOT (m.kind = 'acknowledgement' AND substr(coalesce(m.sent_date, m.received_at), 1, 10) <= coalesce(r.due_date, ''))
	ORDER BY m.id LIMIT 1)`

// chaseable lists the stored statuses in which a request may be chased.
var chaseable = []string{lifecycle.AwaitingResponse, lifecycle.Extended}

// OutgoingLetter is a claimed letter: what the dispatcher needs to send it.
type OutgoingLetter struct {
	ID        int64
	Kind      string
	RequestID int64
	Key       string
	ToEmail   string
	MessageID string
	Attempts  int // including this one
	Raw       []byte
	ClaimedAt time.Time
}

// ClaimLetter marks the next ready letter `sending` for opt.Owner and
// returns it; nil when none is ready now. opt.CampaignID limits it to the
// letters of that campaign's requests (0: every letter, digests included);
// opt.Skip and opt.DailyCap apply as to requests, and the cap counts
// requests and letters together.
func (s *Store) ClaimLetter(ctx context.Context, opt ClaimOptions) (*OutgoingLetter, error) {
	if opt.Owner == "" {
		return nil, errors.New("claim: owner is required")
	}
	// Most of the time there is no letter: find that out with a read,
	// without taking the write lock a claim needs.
	if ready, err := s.LettersReady(ctx, opt.CampaignID, opt.Now); err != nil || !ready {
		return nil, err
	}
	var out *OutgoingLetter
	err := s.core.Tx(ctx, func(tx *sql.Tx) error {
		if opt.DailyCap > 0 {
			if err := checkDailyCap(ctx, tx, opt.DailyCap, opt.Now); err != nil {
				return err
			}
		}
		now := ts(opt.Now)
		rows, err := tx.QueryContext(ctx, `SELECT l.id, l.kind, coalesce(l.request_id, 0), l.to_email, coalesce(c.state, ''),
				coalesce(c.chase_after IS NOT NULL, 0), coalesce(r.status, ''), coalesce(`+stopsChasers+`, '')
			FROM letters l LEFT JOIN requests r ON r.id = l.request_id LEFT JOIN campaigns c ON c.id = r.campaign_id
			WHERE (l.outbox_state = 'queued' OR (l.outbox_state = 'retry' AND l.next_attempt_at <= ?1))
				AND (c.state IS NULL OR c.state <> 'paused') AND (?2 = 0 OR r.campaign_id = ?2)
			ORDER BY l.outbox_state = 'queued', l.next_attempt_at, l.id LIMIT ?3`, now, opt.CampaignID, claimScan)
		if err != nil {
			return fmt.Errorf("claim letter: %w", err)
		}
		type cand struct {
			id, request                     int64
			kind, to, campaign, status, msg string
			chasing                         bool
		}
		var cands []cand
		for rows.Next() {
			var c cand
			if err := rows.Scan(&c.id, &c.kind, &c.request, &c.to, &c.campaign, &c.chasing, &c.status, &c.msg); err != nil {
				rows.Close()
				return err
			}
			cands = append(cands, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, c := range cands {
			if c.kind == LetterChaser {
				if why := chaserStop(c.campaign, c.chasing, c.status, c.msg); why != "" {
					if err := s.cancelLetter(ctx, tx, c.id, c.request, why); err != nil {
						return err
					}
					continue
				}
			}
			if opt.Skip != nil && opt.Skip(c.to) {
				continue
			}
			g := &OutgoingLetter{ClaimedAt: opt.Now}
			err := tx.QueryRowContext(ctx, `UPDATE letters SET outbox_state = 'sending', claimed_by = ?, claimed_at = ?, attempts = attempts + 1, updated_at = ?
				WHERE id = ? AND outbox_state IN ('queued', 'retry')
				RETURNING id, kind, coalesce(request_id, 0), once_key, to_email, message_id, attempts, raw`,
				opt.Owner, now, ts(s.core.Now()), c.id).Scan(&g.ID, &g.Kind, &g.RequestID, &g.Key, &g.ToEmail, &g.MessageID, &g.Attempts, &g.Raw)
			if err != nil {
				return fmt.Errorf("claim letter %d: %w", c.id, err)
			}
			out = g
			return s.core.AppendEvent(ctx, tx, "letter.claimed", letterSubject(g.RequestID),
				map[string]any{"letter": g.ID, "key": g.Key, "attempt": g.Attempts, "dispatcher": opt.Owner})
		}
		return nil
	})
	return out, err
}

// chaserStop says why a chaser must not be sent, "" when it may be.
func chaserStop(campaignState string, chasing bool, status, msg string) string {
	switch {
	case campaignState == Cancelled:
		return "the campaign was cancelled"
	case !chasing:
		return "the campaign's chasers were turned off"
	case !chaseableStatus(status):
		return "the request is " + status + " (" + lifecycle.Describe(status) + ")"
	case msg != "":
		id, kind, _ := strings.Cut(msg, " ")
		return "a reply arrived: message " + id + " (" + kind + ")"
	}
	return ""
}

func chaseableStatus(status string) bool {
	for _, s := range chaseable {
		if status == s {
			return true
		}
	}
	return false
}

func (s *Store) cancelLetter(ctx context.Context, tx *sql.Tx, id, requestID int64, why string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE letters SET outbox_state = 'cancelled', cancel_reason = ?, claimed_by = NULL, next_attempt_at = NULL, updated_at = ?
		WHERE id = ? AND outbox_state IN ('queued', 'retry')`, why, ts(s.core.Now()), id); err != nil {
		return fmt.Errorf("cancel letter %d: %w", id, err)
	}
	return s.core.AppendEvent(ctx, tx, "letter.cancelled", letterSubject(requestID), map[string]any{"letter": id, "why": why})
}

// settleLetter records an outcome of a claimed letter with fn, in one
// transaction; a letter no longer `sending` under owner's claim is
// ErrLostClaim.
func (s *Store) settleLetter(ctx context.Context, g *OutgoingLetter, owner, set string, args []any, kind string, detail map[string]any, after func(*sql.Tx) error) error {
	return s.core.Tx(ctx, func(tx *sql.Tx) error {
		args = append(args, ts(s.core.Now()), g.ID, owner)
		res, err := tx.ExecContext(ctx, `UPDATE letters SET `+set+`, claimed_by = NULL, updated_at = ?
			WHERE id = ? AND outbox_state = 'sending' AND claimed_by = ?`, args...)
		if err != nil {
			return fmt.Errorf("record %s for letter %s: %w", kind, g.Key, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var state string
			_ = tx.QueryRowContext(ctx, `SELECT outbox_state FROM letters WHERE id = ?`, g.ID).Scan(&state)
			return fmt.Errorf("letter %s is %s: %w", g.Key, state, ErrLostClaim)
		}
		if after != nil {
			if err := after(tx); err != nil {
				return err
			}
		}
		detail["letter"], detail["key"], detail["attempt"], detail["attempt_started"] = g.ID, g.Key, g.Attempts, ts(g.ClaimedAt)
		return s.core.AppendEvent(ctx, tx, kind, letterSubject(g.RequestID), detail)
	})
}

// MarkLetterSent records that the server accepted the letter. An
// internal-review letter starts the review clock in the same transaction:
// the request.fact_recorded review-requested at the time it was accepted.
// If the lifecycle cannot take that fact, the letter is still recorded as
// sent (the authority has it) and warning says why the clock did not move,
// as the letter.sent event does.
func (s *Store) MarkLetterSent(ctx context.Context, g *OutgoingLetter, owner string, d Delivery) (warning string, err error) {
	detail := map[string]any{"at": d.AcceptedAt.UTC().Format(time.RFC3339Nano), "message_id": g.MessageID, "smtp": d.Reply.Text}
	err = s.settleLetter(ctx, g, owner, "outbox_state = 'sent', sent_at = ?, next_attempt_at = NULL, smtp_code = ?, smtp_enhanced = ?, smtp_text = ?",
		[]any{ts(d.AcceptedAt), nullCode(d.Reply.Code), nullStr(d.Reply.Enhanced), nullStr(d.Reply.Text)}, "letter.sent", detail,
		func(tx *sql.Tx) error {
			if g.Kind != LetterReview {
				return nil
			}
			warning = s.startReview(ctx, tx, g.RequestID, d.AcceptedAt)
			if warning != "" {
				detail["review_clock"] = warning
			}
			return nil
		})
	return warning, err
}

// startReview records review-requested inside a savepoint, so that a fact
// the clock refuses leaves nothing behind but the sent letter.
func (s *Store) startReview(ctx context.Context, tx *sql.Tx, requestID int64, at time.Time) string {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT review_fact`); err != nil {
		return "the review clock was not started: " + err.Error()
	}
	_, err := s.core.RecordFactTx(ctx, tx, requestID, store.Fact{Fact: lifecycle.FactReviewRequested, At: at, By: "foidesk"})
	if err != nil {
		_, _ = tx.ExecContext(ctx, `ROLLBACK TO review_fact`)
		_, _ = tx.ExecContext(ctx, `RELEASE review_fact`)
		return "the review clock was not started: " + err.Error()
	}
	if _, err := tx.ExecContext(ctx, `RELEASE review_fact`); err != nil {
		return "the review clock was not started: " + err.Error()
	}
	return ""
}

// MarkLetterRetry records a temporary failure: the letter is tried again
// at retryAt, unless this was attempt maxAttempts, when it fails for good.
func (s *Store) MarkLetterRetry(ctx context.Context, g *OutgoingLetter, owner string, retryAt time.Time, reply SMTPReply, maxAttempts int) (failed bool, err error) {
	if maxAttempts > 0 && g.Attempts >= maxAttempts {
		return true, s.failLetter(ctx, g, owner, reply, fmt.Sprintf("gave up after %d attempts", g.Attempts))
	}
	return false, s.settleLetter(ctx, g, owner, "outbox_state = 'retry', next_attempt_at = ?, smtp_code = ?, smtp_enhanced = ?, smtp_text = ?",
		[]any{ts(retryAt), nullCode(reply.Code), nullStr(reply.Enhanced), nullStr(reply.Text)}, "letter.retry",
		map[string]any{"next_attempt_at": retryAt.UTC().Format(time.RFC3339), "code": reply.Code, "enhanced": reply.Enhanced, "text": reply.Text}, nil)
}

// MarkLetterFailed records a permanent failure; it is not retried.
func (s *Store) MarkLetterFailed(ctx context.Context, g *OutgoingLetter, owner string, reply SMTPReply) error {
	return s.failLetter(ctx, g, owner, reply, "rejected by the server")
}

func (s *Store) failLetter(ctx context.Context, g *OutgoingLetter, owner string, reply SMTPReply, why string) error {
	return s.settleLetter(ctx, g, owner, "outbox_state = 'failed', next_attempt_at = NULL, smtp_code = ?, smtp_enhanced = ?, smtp_text = ?",
		[]any{nullCode(reply.Code), nullStr(reply.Enhanced), nullStr(reply.Text)}, "letter.failed",
		map[string]any{"why": why, "code": reply.Code, "enhanced": reply.Enhanced, "text": reply.Text}, nil)
}

// MarkLetterUnknown records that the letter may or may not have been
// accepted; it is never re-sent automatically.
func (s *Store) MarkLetterUnknown(ctx context.Context, g *OutgoingLetter, owner, why string) error {
	return s.settleLetter(ctx, g, owner, "outbox_state = 'unknown', smtp_text = ?", []any{why}, "letter.unknown", map[string]any{"why": why}, nil)
}

// ReleaseLetter hands a claimed letter back untouched, its attempt not
// counted: nothing was sent, because of a problem on our side or a stop.
func (s *Store) ReleaseLetter(ctx context.Context, g *OutgoingLetter, owner, why string) error {
	return s.settleLetter(ctx, g, owner, `attempts = attempts - 1,
		outbox_state = CASE WHEN attempts - 1 > 0 THEN 'retry' ELSE 'queued' END,
		next_attempt_at = CASE WHEN attempts - 1 > 0 THEN coalesce(next_attempt_at, ?) END`, []any{ts(s.core.Now())},
		"letter.released", map[string]any{"why": why}, nil)
}

// letterWhere selects the letters a dispatcher of campaignID (0: all) may send.
const letterWhere = ` FROM letters l LEFT JOIN requests r ON r.id = l.request_id LEFT JOIN campaigns c ON c.id = r.campaign_id
	WHERE (c.state IS NULL OR c.state <> 'paused') AND (?2 = 0 OR r.campaign_id = ?2)`

// LettersReady reports whether some letter is ready to send now.
func (s *Store) LettersReady(ctx context.Context, campaignID int64, now time.Time) (bool, error) {
	var one int
	err := s.core.DB().QueryRowContext(ctx, `SELECT 1`+letterWhere+` AND (l.outbox_state = 'queued'
		OR (l.outbox_state = 'retry' AND l.next_attempt_at <= ?1)) LIMIT 1`, ts(now), campaignID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("letters ready: %w", err)
	}
	return true, nil
}

// LettersPending is OutboxPending for letters.
func (s *Store) LettersPending(ctx context.Context, campaignID int64, now time.Time) (Pending, error) {
	var p Pending
	var next sql.NullString
	err := s.core.DB().QueryRowContext(ctx, `SELECT
		coalesce(sum(l.outbox_state = 'queued' OR (l.outbox_state = 'retry' AND l.next_attempt_at <= ?1)), 0),
		coalesce(sum(l.outbox_state = 'retry' AND l.next_attempt_at > ?1), 0),
		coalesce(sum(l.outbox_state = 'sending'), 0),
		min(CASE WHEN l.outbox_state = 'retry' AND l.next_attempt_at > ?1 THEN l.next_attempt_at END)`+letterWhere+`
		AND l.outbox_state IN ('queued', 'retry', 'sending')`, ts(now), campaignID).Scan(&p.Ready, &p.Waiting, &p.Sending, &next)
	if err != nil {
		return p, fmt.Errorf("letters pending: %w", err)
	}
	p.NextAt = parseTS(next)
	return p, nil
}

// MarkOrphanLettersUnknown turns every letter left `sending` by owner (a
// dispatcher known to be dead) into `unknown`, and returns their keys.
func (s *Store) MarkOrphanLettersUnknown(ctx context.Context, owner string) ([]string, error) {
	var keys []string
	err := s.core.Tx(ctx, func(tx *sql.Tx) error {
		why := "the dispatcher stopped while sending (found at startup); the server may or may not have accepted it"
		rows, err := tx.QueryContext(ctx, `UPDATE letters SET outbox_state = 'unknown', smtp_text = ?, claimed_by = NULL, updated_at = ?
			WHERE outbox_state = 'sending' AND coalesce(claimed_by, '') = ?
			RETURNING id, coalesce(request_id, 0), once_key, attempts, coalesce(claimed_at, '')`, why, ts(s.core.Now()), owner)
		if err != nil {
			return fmt.Errorf("recover letters: %w", err)
		}
		type orphan struct {
			id, request  int64
			key, started string
			attempts     int
		}
		var os []orphan
		for rows.Next() {
			var o orphan
			if err := rows.Scan(&o.id, &o.request, &o.key, &o.attempts, &o.started); err != nil {
				rows.Close()
				return err
			}
			os = append(os, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, o := range os {
			if err := s.core.AppendEvent(ctx, tx, "letter.unknown", letterSubject(o.request), map[string]any{
				"letter": o.id, "key": o.key, "attempt": o.attempts, "attempt_started": o.started, "why": why, "dispatcher": owner,
			}); err != nil {
				return err
			}
			keys = append(keys, o.key)
		}
		return nil
	})
	return keys, err
}

// UnknownLetters lists the `unknown` letters a dispatcher of campaignID (0:
// all, digests included) would have sent, for the sent mailbox to settle.
func (s *Store) UnknownLetters(ctx context.Context, campaignID int64) ([]Letter, error) {
	rows, err := s.core.DB().QueryContext(ctx, `SELECT `+letterCols+` FROM letters l LEFT JOIN requests r ON r.id = l.request_id
		WHERE l.outbox_state = 'unknown' AND (?1 = 0 OR r.campaign_id = ?1) ORDER BY l.id`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("unknown letters: %w", err)
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

// LetterFoundInSentMailbox records that an `unknown` letter was found in
// the requester's sent mailbox, filed there at filedAt: the provider files
// only what it accepted, so it was sent, and filedAt is the best evidence
// of when (an internal-review letter's review clock starts from it).
func (s *Store) LetterFoundInSentMailbox(ctx context.Context, id int64, filedAt time.Time) (warning string, err error) {
	err = s.core.Tx(ctx, func(tx *sql.Tx) error {
		var kind, key, msgID string
		var request int64
		err := tx.QueryRowContext(ctx, `UPDATE letters SET outbox_state = 'sent', sent_at = ?, updated_at = ? WHERE id = ? AND outbox_state = 'unknown'
			RETURNING kind, coalesce(request_id, 0), once_key, message_id`, ts(filedAt), ts(s.core.Now()), id).Scan(&kind, &request, &key, &msgID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("letter %d is not unknown (any more); look again", id)
		}
		if err != nil {
			return fmt.Errorf("record letter %d as sent: %w", id, err)
		}
		detail := map[string]any{"letter": id, "key": key, "at": filedAt.UTC().Format(time.RFC3339Nano), "message_id": msgID,
			"resolved_by": "sent mailbox", "note": "delivery time is when the provider filed it in the sent mailbox"}
		if kind == LetterReview {
			if warning = s.startReview(ctx, tx, request, filedAt); warning != "" {
				detail["review_clock"] = warning
			}
		}
		return s.core.AppendEvent(ctx, tx, "letter.sent", letterSubject(request), detail)
	})
	return warning, err
}
