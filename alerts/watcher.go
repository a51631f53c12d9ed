// Package alerts watches every sent request's deadline and tells the
// campaigner when one changes: due soon, overdue, very overdue, past an
// extension or an internal review's date, or answered after being late.
//
// A Watcher's pass judges each open request on today's date in
// Europe/London (lifecycle.Rule.Show) and records each change of alert
// state in one transaction (store/alert), so an alert is raised at most
// once per request per transition, across restarts. Delivery reads what
// is pending and marks it afterwards:
//
//   - the webhook POSTs each alert at least once (a crash between a POST
//     and its mark repeats that POST; the alert_id field lets the receiver
//     drop the repeat), retrying with backoff and giving up after a bound;
//   - the daily digest goes to the outbox once per day (its key), queued
//     in the transaction that marks the alerts it includes.
package alerts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/store/alert"
)

// Store is what the watcher needs of the alert state (store/alert.Store).
type Store interface {
	Opener
	Record(ctx context.Context, changes []alert.Change, warnings []alert.Warning, webhookAt time.Time) (alert.Recorded, error)
	WebhookDue(ctx context.Context, now time.Time, limit int) ([]alert.Alert, error)
	NextWebhook(ctx context.Context) (time.Time, error)
	MarkWebhook(ctx context.Context, id int64, attempts int, o alert.WebhookOutcome) error
	Digested(ctx context.Context, day string) (bool, error)
	Digest(ctx context.Context, day string, compose func(tx *sql.Tx, in alert.DigestInput) (alert.DigestResult, error)) (bool, error)
}

// Config is a Watcher's settings.
type Config struct {
	Store      Store
	Rule       *lifecycle.Rule
	Thresholds lifecycle.Thresholds // [alerts] due_soon_days, [deadline] very_overdue_days
	Now        func() time.Time     // nil: time.Now
	Log        *slog.Logger         // nil: slog.Default()
	// Interval between passes when nothing wakes the watcher; at most
	// (and by default) an hour.
	Interval time.Duration
	// Wall converts a wait on Now's clock into the wall time to sleep
	// (Now may run faster than the wall clock: package clock); nil: the
	// same. The shortest sleep between passes stays a wall second.
	Wall    func(time.Duration) time.Duration
	Webhook *Webhook // nil: no webhook
	Digest  *Digest  // nil: no digest
}

// Watcher judges open requests and delivers their alerts.
type Watcher struct {
	cfg  Config
	wake chan struct{}
}

// New makes a watcher.
func New(cfg Config) (*Watcher, error) {
	if cfg.Store == nil || cfg.Rule == nil {
		return nil, errors.New("alerts: a store and a lifecycle rule are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Wall == nil {
		cfg.Wall = func(d time.Duration) time.Duration { return d }
	}
	if cfg.Interval <= 0 || cfg.Interval > time.Hour {
		cfg.Interval = time.Hour
	}
	if cfg.Digest != nil {
		if err := cfg.Digest.check(); err != nil {
			return nil, err
		}
	}
	return &Watcher{cfg: cfg, wake: make(chan struct{}, 1)}, nil
}

// Wake asks a running watcher for a pass now: after mail was stored or a
// fact recorded. It never blocks.
func (w *Watcher) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Transitions is what a pass recorded.
type Transitions struct {
	On       deadline.Date
	Alerts   []int64 // the alerts raised, by id
	Cleared  int     // alert states left without an alert (withdrawn, answered in time)
	Warnings []alert.Warning
	// Skipped are the requests whose clock could not be read; each is
	// logged and left for the next pass.
	Skipped []error
}

// Pass judges every open request on today's London date and records each
// change of alert state with its alert, in one transaction. A second pass
// on the same day writes nothing.
func (w *Watcher) Pass(ctx context.Context) (Transitions, error) {
	now := w.cfg.Now()
	on := deadline.ReceiptDate(now)
	out := Transitions{On: on}
	judged, bad, err := Judge(ctx, w.cfg.Store, w.cfg.Rule, w.cfg.Thresholds, on, 0)
	if err != nil {
		return out, err
	}
	for _, e := range bad {
		w.cfg.Log.Error("alerts: cannot judge a request", "err", e)
	}
	out.Skipped = bad
	var changes []alert.Change
	warned := map[string]bool{}
	var warnings []alert.Warning
	for _, j := range judged {
		if c, ok := change(j, on); ok {
			changes = append(changes, c)
		}
		for _, wn := range w.predicted(j) {
			if !warned[wn.Subject] {
				warned[wn.Subject] = true
				warnings = append(warnings, wn)
			}
		}
	}
	var hookAt time.Time
	if w.cfg.Webhook != nil {
		hookAt = now
	}
	rec, err := w.cfg.Store.Record(ctx, changes, warnings, hookAt)
	if err != nil {
		return out, err
	}
	out.Alerts, out.Cleared, out.Warnings = rec.Alerts, rec.Cleared, rec.Warnings
	for _, wn := range rec.Warnings {
		w.cfg.Log.Warn("alerts: "+wn.Message, "year", wn.Subject)
	}
	if len(rec.Alerts) > 0 || rec.Cleared > 0 {
		w.cfg.Log.Info("alerts: pass", "on", on.String(), "alerts", len(rec.Alerts), "cleared", rec.Cleared)
	}
	return out, nil
}

// change is the change of alert state a judged request makes, if any.
// Entering an alert state raises an alert; leaving one for a response
// after being late raises a "replied" alert, since the campaigner will
// want to know the authority finally answered; leaving one otherwise
// (withdrawn, answered before it was late, the clock stopped for a
// clarification or a fee, a due date moved by an extension) only clears
// the state.
func change(j Judged, on deadline.Date) (alert.Change, bool) {
	to := ""
	if alert.IsState(j.Shown.Status) {
		to = j.Shown.Status
	}
	if to == j.State {
		return alert.Change{}, false
	}
	c := alert.Change{RequestID: j.ID, CampaignID: j.CampaignID, From: j.State, To: to, Alert: to != "", On: on.String(), Due: j.Due, DaysLate: j.Shown.DaysLate}
	if to == "" {
		c.To = j.Shown.Status
		c.Alert = j.Shown.Status == lifecycle.Replied && alert.IsLate(j.State)
	}
	return c, true
}

// predicted is the warning a request's clock deserves when its count ran
// through a year whose holidays are only predicted: one per year.
func (w *Watcher) predicted(j Judged) []alert.Warning {
	if j.Due == "" || j.SentAt.IsZero() || !lifecycle.Awaiting(j.Status) {
		return nil
	}
	due, err := deadline.ParseDate(j.Due)
	if err != nil {
		return nil
	}
	reg, err := deadline.ParseRegime(j.Regime)
	if err != nil {
		return nil
	}
	cal := w.cfg.Rule.Calendar(reg)
	sent := deadline.ReceiptDate(j.SentAt)
	if !cal.Predicted(sent, due) {
		return nil
	}
	var out []alert.Warning
	for y := sent.Year(); y <= due.Year(); y++ {
		jan1 := deadline.NewDate(y, time.January, 1)
		if cal.Predicted(jan1, jan1) {
			out = append(out, alert.Warning{Kind: alert.WarnPredicted, Subject: fmt.Sprint(y), Message: fmt.Sprintf(
				"due dates in %d rest on bank holidays that are only predicted (no published list yet), e.g. %s (%s) due %s: check them when GOV.UK publishes %d's, or add them to [deadline] holidays_file",
				y, j.AuthorityName, j.Ref, j.Due, y)})
		}
	}
	return out
}

// Deliver sends what is due: each pending webhook whose attempt is due,
// then today's digest once its time has come.
func (w *Watcher) Deliver(ctx context.Context) error {
	var errs []error
	if w.cfg.Webhook != nil {
		errs = append(errs, w.deliverWebhooks(ctx))
	}
	if w.cfg.Digest != nil {
		errs = append(errs, w.digestIfDue(ctx))
	}
	return errors.Join(errs...)
}

func (w *Watcher) deliverWebhooks(ctx context.Context) error {
	for {
		due, err := w.cfg.Store.WebhookDue(ctx, w.cfg.Now(), 50)
		if err != nil || len(due) == 0 {
			return err
		}
		for _, a := range due {
			if err := ctx.Err(); err != nil {
				return err
			}
			n := a.Attempts + 1
			o := w.cfg.Webhook.Attempt(ctx, a, n, w.cfg.Now())
			if err := w.cfg.Store.MarkWebhook(ctx, a.ID, n, o); err != nil {
				return err
			}
			switch o.State {
			case alert.WebhookFailed:
				w.cfg.Log.Error("alerts: webhook gave up", "alert", a.ID, "ref", a.Ref, "attempts", n, "err", o.Error)
			case alert.WebhookPending:
				w.cfg.Log.Warn("alerts: webhook will retry", "alert", a.ID, "ref", a.Ref, "attempts", n, "next", o.Next, "err", o.Error)
			}
		}
	}
}

// Run passes and delivers at start, then again when woken, at each
// interval (at most hourly), when a webhook retry or the digest falls
// due, until ctx ends (then it returns nil). A failing pass or delivery
// is returned for the caller to log and restart with backoff.
func (w *Watcher) Run(ctx context.Context) error {
	for {
		if _, err := w.Pass(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("alerts pass: %w", err)
		}
		if err := w.Deliver(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("alerts delivery: %w", err)
		}
		next, err := w.nextWake(ctx)
		if err != nil {
			return err
		}
		d := w.cfg.Wall(next.Sub(w.cfg.Now()))
		if d < time.Second {
			d = time.Second
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-w.wake:
			t.Stop()
		case <-t.C:
		}
	}
}

// nextWake is the earliest of the next interval, the next webhook retry
// and the next digest time.
func (w *Watcher) nextWake(ctx context.Context) (time.Time, error) {
	now := w.cfg.Now()
	next := now.Add(w.cfg.Interval)
	if w.cfg.Webhook != nil {
		t, err := w.cfg.Store.NextWebhook(ctx)
		if err != nil {
			return next, err
		}
		if !t.IsZero() && t.Before(next) {
			next = t
		}
	}
	if w.cfg.Digest != nil {
		if t := w.cfg.Digest.next(now); t.Before(next) {
			next = t
		}
	}
	return next, nil
}
