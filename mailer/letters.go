package mailer

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"foidesk/store/campaign"
)

// sendLetter claims the next ready follow-up letter, speaks SMTP for it
// and records the outcome: the same once-only sequence as a request (the
// claim commits before the SMTP transaction starts) under the same rate
// limit, per-domain interval and daily cap. Letters are not chained to the
// next claim as requests are: they are few, and a commit more per letter
// costs nothing that matters. It reports whether a letter was claimed.
func (r *run) sendLetter(ctx, rec context.Context, now time.Time) (bool, error) {
	d, c, own := r.d, r.c, r.own
	g, err := d.Store.ClaimLetter(ctx, r.claimOptions(now))
	if err != nil || g == nil {
		return false, err
	}
	r.tokens.take(now)
	r.gap.note(campaign.EmailDomain(g.ToEmail), now)
	if err := ctx.Err(); err != nil {
		// Stopped between the claim and the SMTP transaction: nothing was
		// sent, so the letter goes back as it was.
		if err := d.Store.ReleaseLetter(rec, g, own.id, "dispatcher stopped before sending it"); err != nil {
			r.log.Error("could not hand back a claimed letter; it will show as unknown", "letter", g.Key, "err", err)
		}
		return true, err
	}
	out := Outcome{Letter: g.Key, To: g.ToEmail, Attempt: g.Attempts}
	var res result
	if from, err := envelopeFrom(g.Raw); err != nil {
		res = result{kind: resFailed, reply: replyInfo{Text: err.Error()}, err: err}
	} else {
		res = c.send(from, g.ToEmail, g.Raw)
	}
	out.Reply = campaign.SMTPReply(res.reply)
	out.Err = res.err
	sum := &r.sum.Letters
	switch res.kind {
	case resSent:
		warning, err := d.Store.MarkLetterSent(rec, g, own.id, campaign.Delivery{AcceptedAt: d.deliveredAt(res.accepted), Reply: out.Reply})
		if err != nil {
			return true, fmt.Errorf("the server accepted letter %s but recording it failed (it will show as unknown, never re-sent): %w", g.Key, err)
		}
		if warning != "" {
			r.log.Warn("internal-review letter sent, but its clock did not start", "letter", g.Key, "why", warning)
		}
		out.State = campaign.OutboxSent
		sum.Sent++
		if d.Sent != nil && d.Sent.Append && !r.noFiling {
			if err := d.Sent.File(rec, g.Raw, res.accepted); err != nil {
				r.noFiling = true
				r.log.Warn("could not file a copy in the sent mailbox; no more copies will be filed in this run", "letter", g.Key, "err", err)
			}
		}
	case resRetry:
		at := time.Now().Add(backoff(r.retry, g.Attempts))
		failed, err := d.Store.MarkLetterRetry(rec, g, own.id, at, out.Reply, r.retry.MaxAttempts)
		if err != nil {
			return true, err
		}
		if failed {
			out.State = campaign.OutboxFailed
			sum.Failed++
		} else {
			out.State, out.NextAt = campaign.OutboxRetry, at
			sum.Retried++
		}
	case resFailed:
		if err := d.Store.MarkLetterFailed(rec, g, own.id, out.Reply); err != nil {
			return true, err
		}
		out.State = campaign.OutboxFailed
		sum.Failed++
	case resUnknown:
		if err := d.Store.MarkLetterUnknown(rec, g, own.id, res.reply.Text); err != nil {
			return true, err
		}
		out.State = campaign.OutboxUnknown
		sum.Unknown++
	case resConfig:
		if err := d.Store.ReleaseLetter(rec, g, own.id, res.err.Error()); err != nil {
			return true, err
		}
		return true, res.err
	}
	r.log.Info("letter attempt settled", "letter", g.Key, "to", g.ToEmail, "state", out.State, "code", out.Reply.Code, "text", out.Reply.Text)
	if d.OnOutcome != nil {
		d.OnOutcome(out)
	}
	return true, nil
}

// reconcileLetters is reconcile for follow-up letters: unknown ones found
// in the sent mailbox are recorded as sent (an internal-review letter's
// review clock starting when the provider filed it); the rest wait for a
// person, as an unknown request does.
func (d *Dispatcher) reconcileLetters(ctx context.Context, campaignID int64, log *slog.Logger) ([]string, error) {
	unknown, err := d.Store.UnknownLetters(ctx, campaignID)
	if err != nil || len(unknown) == 0 {
		return nil, err
	}
	ids := make([]string, len(unknown))
	for i, l := range unknown {
		ids[i] = l.MessageID
	}
	found, err := d.Sent.Find(ctx, ids)
	if err != nil {
		log.Warn("could not search the sent mailbox for letters whose sending is unknown", "err", err)
		return nil, nil
	}
	var keys []string
	for _, l := range unknown {
		at, ok := found[l.MessageID]
		if !ok {
			continue
		}
		warning, err := d.Store.LetterFoundInSentMailbox(context.WithoutCancel(ctx), l.ID, at)
		if err != nil {
			return keys, err
		}
		if warning != "" {
			log.Warn("internal-review letter found sent, but its clock did not start", "letter", l.Key, "why", warning)
		}
		log.Info("letter whose sending was unknown found in the sent mailbox: recorded as sent", "letter", l.Key, "filed", at.Format(time.RFC3339))
		keys = append(keys, l.Key)
	}
	return keys, nil
}
