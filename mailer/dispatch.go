package mailer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"foidesk/store"
)

// DueDater computes the statutory due date (YYYY-MM-DD) of a request made
// under regime and received at receivedAt. The deadline package provides it;
// mailer only needs this much.
type DueDater interface {
	Due(regime string, receivedAt time.Time) (string, error)
}

// Dispatcher sends the outbox. Any number may run at once, in one process
// or several, against one database: each claims a row in its own
// transaction before speaking SMTP, so no request is sent twice.
type Dispatcher struct {
	Store  *store.Store
	SMTP   SMTP
	Limits Limits
	Retry  Retry
	Due    DueDater
	Log    *slog.Logger
	// OnOutcome, when set, hears about every settled attempt (progress bars).
	OnOutcome func(Outcome)
}

// Outcome is what became of one attempt.
type Outcome struct {
	Ref     string
	To      string
	State   string // the request's outbox state afterwards
	Attempt int
	Reply   store.SMTPReply
	NextAt  time.Time // for retry
	Err     error
}

// Summary counts what a Run did.
type Summary struct {
	Sent, Failed, Unknown, Retried int
	// Recovered lists requests found `sending` under a dead dispatcher at
	// startup; they are now `unknown`.
	Recovered []string
}

// Run dispatches the queued requests of campaignID (0: every queued
// campaign) until none is left to try: all are settled, or the campaign was
// paused or cancelled. It waits for retries that are due later. It returns
// early with a *ConfigError when no message can get through (TLS, login,
// sender refused) and after Retry.MaxAttempts failed connection attempts in
// a row; rows are left as they were.
func (d *Dispatcher) Run(ctx context.Context, campaignID int64) (Summary, error) {
	var sum Summary
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if d.Due == nil {
		return sum, errors.New("dispatcher: no deadline engine")
	}
	retry := d.Retry.withDefaults()
	own, err := newOwner(d.Store.Path())
	if err != nil {
		return sum, err
	}
	defer own.close()
	// Settle the records even when ctx is cancelled mid-send: a message the
	// server accepted must be recorded as sent.
	rec := context.WithoutCancel(ctx)

	refs, err := d.recover(rec, own)
	if err != nil {
		return sum, err
	}
	sum.Recovered = refs
	for _, r := range refs {
		log.Warn("request was being sent when its dispatcher stopped: now unknown, not re-sent", "ref", r)
	}

	c, err := newConn(d.SMTP)
	if err != nil {
		return sum, err
	}
	defer c.close()
	now := time.Now()
	tokens := newBucket(d.Limits.Rate, now)
	gap := &domainGap{interval: d.Limits.PerDomainInterval, last: map[string]time.Time{}}
	if gap.interval > 0 {
		if gap.last, err = d.Store.RecentSends(ctx, now.Add(-gap.interval)); err != nil {
			return sum, err
		}
	}
	connFails := 0
	for {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		now := time.Now()
		if w := tokens.wait(now); w > 0 {
			if err := sleep(ctx, w); err != nil {
				return sum, err
			}
			continue
		}
		if c.smtp == nil {
			// Dial only when there is work, and before claiming: a process
			// killed while connecting leaves no row `sending`.
			p, err := d.Store.OutboxPending(ctx, campaignID, now)
			if err != nil {
				return sum, err
			}
			if p.Ready == 0 {
				done, err := d.idle(ctx, own, campaignID, p, gap, c, log, &sum)
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
			if connFails >= retry.MaxAttempts {
				return sum, fmt.Errorf("gave up after %d attempts to connect: %w", connFails, err)
			}
			wait := backoff(Retry{Base: min(retry.Base, 30*time.Second), Max: min(retry.Max, 5*time.Minute)}, connFails)
			log.Warn("SMTP server unreachable; nothing was sent, trying again", "err", err, "in", wait.Round(time.Second))
			if err := sleep(ctx, wait); err != nil {
				return sum, err
			}
			continue
		}
		connFails = 0
		g, err := d.Store.Claim(ctx, store.ClaimOptions{
			Owner: own.id, Now: now, CampaignID: campaignID, DailyCap: d.Limits.DailyCap,
			Skip: func(to string) bool { return gap.blocked(store.EmailDomain(to), now) },
		})
		var capErr *store.DailyCapError
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
		if g == nil {
			p, err := d.Store.OutboxPending(ctx, campaignID, now)
			if err != nil {
				return sum, err
			}
			done, err := d.idle(ctx, own, campaignID, p, gap, c, log, &sum)
			if done || err != nil {
				return sum, err
			}
			continue
		}
		tokens.take(now)
		gap.note(store.EmailDomain(g.ToEmail), now)
		if err := d.sendOne(rec, c, own, g, retry, log, &sum); err != nil {
			return sum, err
		}
	}
}

// sendOne speaks SMTP for one claimed row and records the outcome.
func (d *Dispatcher) sendOne(ctx context.Context, c *conn, own *owner, g *store.Outgoing, retry Retry, log *slog.Logger, sum *Summary) error {
	out := Outcome{Ref: g.Ref, To: g.ToEmail, Attempt: g.Attempts}
	from, err := envelopeFrom(g.Raw)
	if err != nil {
		// A stored message we cannot read is our fault and will not improve.
		out.State, out.Err = store.OutboxFailed, err
		if err := d.Store.MarkFailed(ctx, g, own.id, store.SMTPReply{Text: err.Error()}); err != nil {
			return err
		}
		sum.Failed++
		d.emit(out)
		return nil
	}
	res := c.send(from, g.ToEmail, g.Raw)
	out.Reply = store.SMTPReply(res.reply)
	out.Err = res.err
	switch res.kind {
	case resSent:
		due, err := d.Due.Due(g.Regime, res.accepted)
		if err != nil {
			// Never invent a deadline: record the delivery, leave the due
			// date empty and say so loudly.
			log.Error("no due date could be computed; the delivery is recorded without one", "ref", g.Ref, "regime", g.Regime, "err", err)
			due = ""
		}
		if err := d.Store.MarkSent(ctx, g, own.id, store.Delivery{AcceptedAt: res.accepted, DueDate: due, Reply: out.Reply}); err != nil {
			return fmt.Errorf("the server accepted %s but recording it failed (it will show as unknown, never re-sent): %w", g.Ref, err)
		}
		out.State = store.OutboxSent
		sum.Sent++
	case resRetry:
		next := time.Now().Add(backoff(retry, g.Attempts))
		failed, err := d.Store.MarkRetry(ctx, g, own.id, next, out.Reply, retry.MaxAttempts)
		if err != nil {
			return err
		}
		if failed {
			out.State = store.OutboxFailed
			sum.Failed++
		} else {
			out.State, out.NextAt = store.OutboxRetry, next
			sum.Retried++
		}
	case resFailed:
		if err := d.Store.MarkFailed(ctx, g, own.id, out.Reply); err != nil {
			return err
		}
		out.State = store.OutboxFailed
		sum.Failed++
	case resUnknown:
		if err := d.Store.MarkUnknown(ctx, g, own.id, res.reply.Text); err != nil {
			return err
		}
		out.State = store.OutboxUnknown
		sum.Unknown++
	case resConfig:
		if err := d.Store.Release(ctx, g, own.id, res.err.Error()); err != nil {
			return err
		}
		return res.err
	}
	log.Debug("attempt settled", "ref", g.Ref, "to", g.ToEmail, "state", out.State, "code", out.Reply.Code, "text", out.Reply.Text)
	d.emit(out)
	return nil
}

// idle handles "nothing to claim right now": finished, or wait for a retry
// to fall due, a domain to come free, or another dispatcher to finish.
func (d *Dispatcher) idle(ctx context.Context, own *owner, campaignID int64, p store.Pending, gap *domainGap, c *conn, log *slog.Logger, sum *Summary) (bool, error) {
	now := time.Now()
	var wake time.Time
	switch {
	case p.Ready > 0:
		wake = gap.nextFree(now)
	case p.Waiting > 0:
		wake = p.NextAt
	case p.Sending > 0:
		// Another dispatcher holds rows; if it died, they become unknown.
		refs, err := d.recover(context.WithoutCancel(ctx), own)
		if err != nil {
			return false, err
		}
		sum.Recovered = append(sum.Recovered, refs...)
		wake = now.Add(200 * time.Millisecond)
	default:
		return true, nil
	}
	if wake.IsZero() || wake.Before(now) {
		wake = now.Add(50 * time.Millisecond)
	}
	if time.Until(wake) > idleCheck {
		c.close()
		log.Info("waiting for retries", "next_attempt", wake.Format(time.RFC3339), "waiting", p.Waiting)
	}
	// Wake at least once a second so pause and cancel are noticed promptly.
	return false, sleep(ctx, min(time.Until(wake), time.Second))
}

// recover marks `sending` rows of dead dispatchers unknown.
func (d *Dispatcher) recover(ctx context.Context, own *owner) ([]string, error) {
	owners, err := d.Store.SendingOwners(ctx)
	if err != nil {
		return nil, err
	}
	var refs []string
	for _, id := range owners {
		dead, release, err := own.dead(id)
		if err != nil {
			return refs, err
		}
		if !dead {
			continue
		}
		r, err := d.Store.MarkOrphansUnknown(ctx, id)
		release()
		if err != nil {
			return refs, err
		}
		refs = append(refs, r...)
	}
	return refs, nil
}

func (d *Dispatcher) emit(o Outcome) {
	if d.OnOutcome != nil {
		d.OnOutcome(o)
	}
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
