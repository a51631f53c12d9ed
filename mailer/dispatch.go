package mailer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"foidesk/mailconn"
	"foidesk/store/campaign"
)

// Store is what dispatching needs of the database: the outbox, and what
// to ask of it between claims, at startup and when a run ends.
// store/campaign's Store is the one foidesk uses.
type Store interface {
	// Path is the database file; each dispatcher keeps a lock file beside
	// it, so another can tell when it has died.
	Path() string
	Outbox(ctx context.Context) (*campaign.Outbox, error)
	OutboxReady(ctx context.Context, campaignID int64, now time.Time) (bool, error)
	OutboxPending(ctx context.Context, campaignID int64, now time.Time) (campaign.Pending, error)
	RecentSends(ctx context.Context, since time.Time) (map[string]time.Time, error)
	FinishSettled(ctx context.Context) error
	// Recovery: requests left sending by a dead dispatcher become unknown,
	// and unknown ones found in the sent mailbox are sent.
	SendingOwners(ctx context.Context) ([]string, error)
	MarkOrphansUnknown(ctx context.Context, owner string) ([]string, error)
	UnknownRequests(ctx context.Context, campaignID int64) ([]campaign.Request, error)
	FoundInSentMailbox(ctx context.Context, ref string, filedAt time.Time) (campaign.Request, error)
	LetterOutbox
}

// LetterOutbox is the letters' outbox (chasers, internal-review letters,
// digests): the same claims and outcomes as requests, one letter per
// transaction (letters.go).
type LetterOutbox interface {
	LettersReady(ctx context.Context, campaignID int64, now time.Time) (bool, error)
	LettersPending(ctx context.Context, campaignID int64, now time.Time) (campaign.Pending, error)
	ClaimLetter(ctx context.Context, opt campaign.ClaimOptions) (*campaign.OutgoingLetter, error)
	MarkLetterSent(ctx context.Context, g *campaign.OutgoingLetter, owner string, d campaign.Delivery) (warning string, err error)
	MarkLetterRetry(ctx context.Context, g *campaign.OutgoingLetter, owner string, retryAt time.Time, reply campaign.SMTPReply, maxAttempts int) (failed bool, err error)
	MarkLetterFailed(ctx context.Context, g *campaign.OutgoingLetter, owner string, reply campaign.SMTPReply) error
	MarkLetterUnknown(ctx context.Context, g *campaign.OutgoingLetter, owner, why string) error
	ReleaseLetter(ctx context.Context, g *campaign.OutgoingLetter, owner, why string) error
	MarkOrphanLettersUnknown(ctx context.Context, owner string) ([]string, error)
	UnknownLetters(ctx context.Context, campaignID int64) ([]campaign.Letter, error)
	LetterFoundInSentMailbox(ctx context.Context, id int64, filedAt time.Time) (warning string, err error)
}

// Dispatcher sends the outbox. Any number may run at once, in one process
// or several, against one database: each claims a row in its own
// transaction before speaking SMTP, so no request is sent twice.
type Dispatcher struct {
	Store  Store
	SMTP   SMTP
	Limits Limits
	Retry  Retry
	Log    *slog.Logger
	// OnOutcome, when set, hears about every settled attempt (progress bars).
	OnOutcome func(Outcome)
	// Sent, when set, is the sent mailbox: unknown requests are looked for
	// there at startup, and with Sent.Append every sent message is filed.
	Sent *SentBox
	// OnConnectError, when set, hears each failure to reach the server
	// that Run is about to retry, so that a health check can say sending
	// is failing before Run gives up.
	OnConnectError func(error)
	// Clock, when set, is the campaign's clock (package clock), which
	// dates each delivery the outbox records and so starts the request's
	// statutory clock; nil dates it by the moment the server accepted it.
	// Retries, rate limits and leases stay on the wall clock.
	Clock func() time.Time
}

// deliveredAt is the delivery time recorded for a message the server
// accepted at accepted (wall clock).
func (d *Dispatcher) deliveredAt(accepted time.Time) time.Time {
	if d.Clock == nil {
		return accepted
	}
	return d.Clock()
}

// Outcome is what became of one attempt.
type Outcome struct {
	Ref     string
	Letter  string // a follow-up letter's once-only key; "" for a request
	To      string
	State   string // the request's (or letter's) outbox state afterwards
	Attempt int
	Reply   campaign.SMTPReply
	NextAt  time.Time // for retry
	Err     error
}

// Summary counts what a Run did.
type Summary struct {
	Sent, Failed, Unknown, Retried int
	// Recovered lists requests found `sending` under a dead dispatcher at
	// startup; they are now `unknown`.
	Recovered []string
	// Reconciled lists unknown requests found in the sent mailbox, now sent.
	Reconciled []string
	// Letters counts the follow-up letters' attempts as the fields above
	// count the requests'.
	Letters LetterSummary
}

// LetterSummary counts what a Run did with follow-up letters.
type LetterSummary struct {
	Sent, Failed, Unknown, Retried int
	// Recovered lists the keys of letters found `sending` under a dead
	// dispatcher at startup; they are now `unknown`.
	Recovered []string
	// Reconciled lists the keys of unknown letters found in the sent
	// mailbox, now sent.
	Reconciled []string
}

// Run dispatches the queued requests of campaignID (0: every queued
// campaign), and the follow-up letters queued for its requests (0: every
// letter, digests included), until none is left to try: all are settled,
// or the campaign was paused or cancelled. It waits for retries that are
// due later. Requests go first; letters when no request is ready. It returns
// early with a *ConfigError when no message can get through (TLS, login,
// sender refused) and after Retry.MaxAttempts failed connection attempts in
// a row; rows are left as they were.
func (d *Dispatcher) Run(ctx context.Context, campaignID int64) (Summary, error) {
	var sum Summary
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	retry := d.Retry.WithDefaults()
	own, err := newOwner(d.Store.Path())
	if err != nil {
		return sum, err
	}
	defer own.close()
	// Settle the records even when ctx is cancelled mid-send: a message the
	// server accepted must be recorded as sent.
	rec := context.WithoutCancel(ctx)

	refs, keys, err := d.recover(rec, own)
	if err != nil {
		return sum, err
	}
	sum.Recovered, sum.Letters.Recovered = refs, keys
	own.sweep()
	for _, r := range refs {
		log.Warn("request was being sent when its dispatcher stopped: now unknown, not re-sent", "ref", r)
	}
	for _, k := range keys {
		log.Warn("letter was being sent when its dispatcher stopped: now unknown, not re-sent", "letter", k)
	}

	if d.Sent != nil {
		defer d.Sent.Close()
		if sum.Reconciled, err = d.reconcile(ctx, campaignID, log); err != nil {
			return sum, err
		}
		if sum.Letters.Reconciled, err = d.reconcileLetters(ctx, campaignID, log); err != nil {
			return sum, err
		}
	}
	c, err := newConn(d.SMTP)
	if err != nil {
		return sum, err
	}
	defer c.close()
	ob, err := d.Store.Outbox(ctx)
	if err != nil {
		return sum, err
	}
	defer ob.Close()
	r := &run{d: d, c: c, own: own, ob: ob, retry: retry, log: log, sum: &sum, campaignID: campaignID}
	now := time.Now()
	r.tokens = newBucket(d.Limits.Rate, now)
	r.gap = &domainGap{interval: d.Limits.PerDomainInterval, last: map[string]time.Time{}}
	if r.gap.interval > 0 {
		if r.gap.last, err = d.Store.RecentSends(ctx, now.Add(-r.gap.interval)); err != nil {
			return sum, err
		}
	}
	// held is a row claimed together with the previous outcome; it must be
	// sent or handed back, never left `sending` by a clean exit.
	var held *campaign.Outgoing
	defer func() {
		if held != nil {
			if err := ob.Release(rec, held, own.id, "dispatcher stopped before sending it"); err != nil {
				log.Error("could not hand back a claimed request; it will show as unknown", "ref", held.Ref, "err", err)
			}
		}
	}()
	connFails := 0
	// Reaching the server again: the connection layer's backoff, from the
	// first retry delay, capped lower than a message's retries.
	reconnect := mailconn.Backoff{Min: min(retry.Base, 30*time.Second), Max: min(retry.Max, 5*time.Minute)}
	for {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		if held == nil {
			now := time.Now()
			if w := r.tokens.wait(now); w > 0 {
				if err := sleep(ctx, w); err != nil {
					return sum, err
				}
				continue
			}
			if c.smtp == nil {
				// Dial only when there is work, and before claiming: a
				// process killed while connecting leaves no row `sending`.
				ready, err := d.Store.OutboxReady(ctx, campaignID, now)
				if err == nil && !ready {
					ready, err = d.Store.LettersReady(ctx, campaignID, now)
				}
				if err != nil {
					return sum, err
				}
				if !ready {
					done, err := r.waitForWork(ctx, campaignID, now)
					if done || err != nil {
						return sum, err
					}
					continue
				}
			}
			if err := c.ready(ctx); err != nil {
				var ce *ConnectError
				if !errors.As(err, &ce) {
					return sum, err
				}
				connFails++
				if d.OnConnectError != nil {
					d.OnConnectError(err)
				}
				if connFails >= retry.MaxAttempts {
					return sum, fmt.Errorf("gave up after %d attempts to connect: %w", connFails, err)
				}
				wait := reconnect.Next()
				log.Warn("SMTP server unreachable; nothing was sent, trying again", "err", err, "in", wait.Round(time.Millisecond))
				if err := sleep(ctx, wait); err != nil {
					return sum, err
				}
				continue
			}
			connFails = 0
			reconnect.Reset()
			g, err := ob.Claim(ctx, r.claimOptions(now))
			sentLetter := false
			if err == nil && g == nil {
				// No request is ready: a follow-up letter may be.
				sentLetter, err = r.sendLetter(ctx, rec, now)
			}
			var capErr *campaign.DailyCapError
			if errors.As(err, &capErr) {
				log.Warn("daily cap reached; waiting", "cap", capErr.Cap, "until", capErr.Until.Format(time.RFC3339))
				c.close()
				if err := sleep(ctx, time.Until(capErr.Until)); err != nil {
					return sum, err
				}
				continue
			}
			if err != nil {
				return sum, err
			}
			if sentLetter {
				continue
			}
			if g == nil {
				done, err := r.waitForWork(ctx, campaignID, now)
				if done || err != nil {
					return sum, err
				}
				continue
			}
			r.took(g, now)
			held = g
		}
		g := held
		held = nil
		next, err := r.sendOne(ctx, rec, g)
		if err != nil {
			return sum, err
		}
		held = next
	}
}

// run is one Run's working state.
type run struct {
	d          *Dispatcher
	c          *conn
	own        *owner
	ob         *campaign.Outbox
	retry      Retry
	log        *slog.Logger
	sum        *Summary
	campaignID int64
	tokens     *bucket
	gap        *domainGap
	noFiling   bool // filing in the sent mailbox failed once this run
}

func (r *run) claimOptions(now time.Time) campaign.ClaimOptions {
	o := campaign.ClaimOptions{Owner: r.own.id, Now: now, CampaignID: r.campaignID, DailyCap: r.d.Limits.DailyCap}
	if r.gap.interval > 0 {
		o.Skip = func(to string) bool { return r.gap.blocked(campaign.EmailDomain(to), now) }
	}
	return o
}

// took charges the rate limits for a claimed row.
func (r *run) took(g *campaign.Outgoing, now time.Time) {
	r.tokens.take(now)
	r.gap.note(campaign.EmailDomain(g.ToEmail), now)
}

// sendOne speaks SMTP for one claimed row and records the outcome. When
// the next message may go at once (a token is free, the session is alive,
// no stop was asked for), the next row is claimed in the same transaction
// as this outcome and returned: one commit per message, and every claim
// still committed before its SMTP transaction starts.
func (r *run) sendOne(ctx, rec context.Context, g *campaign.Outgoing) (*campaign.Outgoing, error) {
	d, c, own := r.d, r.c, r.own
	out := Outcome{Ref: g.Ref, To: g.ToEmail, Attempt: g.Attempts}
	var next *campaign.ClaimOptions
	var res result
	if from, err := envelopeFrom(g.Raw); err != nil {
		// A stored message we cannot read is our fault and will not improve.
		res = result{kind: resFailed, reply: replyInfo{Text: err.Error()}, err: err}
	} else {
		res = c.send(from, g.ToEmail, g.Raw)
	}
	if now := time.Now(); ctx.Err() == nil && c.smtp != nil && r.tokens.wait(now) == 0 {
		o := r.claimOptions(now)
		next = &o
	}
	out.Reply = campaign.SMTPReply(res.reply)
	out.Err = res.err
	var claimed *campaign.Outgoing
	var err error
	switch res.kind {
	case resSent:
		// The store derives the status and due date from the delivery in
		// the same transaction (store/lifecycle.go).
		claimed, err = r.ob.MarkSent(rec, g, own.id, campaign.Delivery{AcceptedAt: d.deliveredAt(res.accepted), Reply: out.Reply}, next)
		if err != nil {
			return nil, fmt.Errorf("the server accepted %s but recording it failed (it will show as unknown, never re-sent): %w", g.Ref, err)
		}
		out.State = campaign.OutboxSent
		r.sum.Sent++
		if d.Sent != nil && d.Sent.Append && !r.noFiling {
			// The request is sent whatever happens here: a copy that cannot
			// be filed is worth a warning, not a failure, and one failure
			// stops filing for this run rather than slowing every message.
			if err := d.Sent.File(rec, g.Raw, res.accepted); err != nil {
				r.noFiling = true
				r.log.Warn("could not file a copy in the sent mailbox; no more copies will be filed in this run", "ref", g.Ref, "err", err)
			}
		}
	case resRetry:
		at := time.Now().Add(backoff(r.retry, g.Attempts))
		var failed bool
		if failed, claimed, err = r.ob.MarkRetry(rec, g, own.id, at, out.Reply, r.retry.MaxAttempts, next); err != nil {
			return nil, err
		}
		if failed {
			out.State = campaign.OutboxFailed
			r.sum.Failed++
		} else {
			out.State, out.NextAt = campaign.OutboxRetry, at
			r.sum.Retried++
		}
	case resFailed:
		if claimed, err = r.ob.MarkFailed(rec, g, own.id, out.Reply, next); err != nil {
			return nil, err
		}
		out.State = campaign.OutboxFailed
		r.sum.Failed++
	case resUnknown:
		if claimed, err = r.ob.MarkUnknown(rec, g, own.id, res.reply.Text, next); err != nil {
			return nil, err
		}
		out.State = campaign.OutboxUnknown
		r.sum.Unknown++
	case resConfig:
		if err := r.ob.Release(rec, g, own.id, res.err.Error()); err != nil {
			return nil, err
		}
		return nil, res.err
	}
	r.finish(out, claimed)
	return claimed, nil
}

func (r *run) finish(out Outcome, next *campaign.Outgoing) {
	if next != nil {
		r.took(next, time.Now())
	}
	r.log.Debug("attempt settled", "ref", out.Ref, "to", out.To, "state", out.State, "code", out.Reply.Code, "text", out.Reply.Text)
	if r.d.OnOutcome != nil {
		r.d.OnOutcome(out)
	}
}

// waitForWork is what the loop does when nothing can be claimed now: look
// at what is pending and idle accordingly. done means the campaign is settled.
func (r *run) waitForWork(ctx context.Context, campaignID int64, now time.Time) (done bool, err error) {
	p, err := r.d.Store.OutboxPending(ctx, campaignID, now)
	if err != nil {
		return false, err
	}
	lp, err := r.d.Store.LettersPending(ctx, campaignID, now)
	if err != nil {
		return false, err
	}
	p.Ready += lp.Ready
	p.Waiting += lp.Waiting
	p.Sending += lp.Sending
	if !lp.NextAt.IsZero() && (p.NextAt.IsZero() || lp.NextAt.Before(p.NextAt)) {
		p.NextAt = lp.NextAt
	}
	return r.idle(ctx, p)
}

// idle handles "nothing to claim right now": finished, or wait for a retry
// to fall due, a domain to come free, or another dispatcher to finish.
func (r *run) idle(ctx context.Context, p campaign.Pending) (bool, error) {
	now := time.Now()
	var wake time.Time
	switch {
	case p.Ready > 0:
		wake = r.gap.nextFree(now)
	case p.Waiting > 0:
		wake = p.NextAt
	case p.Sending > 0:
		// Another dispatcher holds rows; if it died, they become unknown.
		refs, keys, err := r.d.recover(context.WithoutCancel(ctx), r.own)
		if err != nil {
			return false, err
		}
		r.sum.Recovered = append(r.sum.Recovered, refs...)
		r.sum.Letters.Recovered = append(r.sum.Letters.Recovered, keys...)
		wake = now.Add(200 * time.Millisecond)
	default:
		return true, r.d.Store.FinishSettled(context.WithoutCancel(ctx))
	}
	if wake.IsZero() || wake.Before(now) {
		wake = now.Add(50 * time.Millisecond)
	}
	if time.Until(wake) > idleCheck {
		r.c.close()
		r.log.Info("waiting for retries", "next_attempt", wake.Format(time.RFC3339), "waiting", p.Waiting)
	}
	// Wake at least once a second so pause and cancel are noticed promptly.
	return false, sleep(ctx, min(time.Until(wake), time.Second))
}

// reconcile looks for the campaign's unknown requests in the sent mailbox
// and records those found as sent. A mailbox that cannot be searched is
// reported and left for next time; the rest waits for a person.
func (d *Dispatcher) reconcile(ctx context.Context, campaignID int64, log *slog.Logger) ([]string, error) {
	unknown, err := d.Store.UnknownRequests(ctx, campaignID)
	if err != nil || len(unknown) == 0 {
		return nil, err
	}
	ids := make([]string, len(unknown))
	for i, r := range unknown {
		ids[i] = r.MessageID
	}
	found, err := d.Sent.Find(ctx, ids)
	if err != nil {
		log.Warn("could not search the sent mailbox for requests whose sending is unknown", "err", err)
		return nil, nil
	}
	var refs []string
	for _, r := range unknown {
		at, ok := found[r.MessageID]
		if !ok {
			continue
		}
		if _, err := d.Store.FoundInSentMailbox(context.WithoutCancel(ctx), r.Ref, at); err != nil {
			return refs, err
		}
		log.Info("request whose sending was unknown found in the sent mailbox: recorded as sent", "ref", r.Ref, "filed", at.Format(time.RFC3339))
		refs = append(refs, r.Ref)
	}
	return refs, nil
}

// recover marks `sending` requests and letters of dead dispatchers
// unknown, and returns their references and keys.
func (d *Dispatcher) recover(ctx context.Context, own *owner) (refs, keys []string, _ error) {
	owners, err := d.Store.SendingOwners(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, id := range owners {
		dead, release, err := own.dead(id)
		if err != nil {
			return refs, keys, err
		}
		if !dead {
			continue
		}
		r, err := d.Store.MarkOrphansUnknown(ctx, id)
		var k []string
		if err == nil {
			k, err = d.Store.MarkOrphanLettersUnknown(ctx, id)
		}
		release()
		if err != nil {
			return refs, keys, err
		}
		refs, keys = append(refs, r...), append(keys, k...)
	}
	return refs, keys, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
