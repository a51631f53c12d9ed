package main

import (
	"context"
	"fmt"
	"time"

	"foidesk/alerts"
	"foidesk/mailconn"
	"foidesk/mailer"
	"foidesk/supervise"
)

// The deadline loops of 'foidesk run': the alerts watcher, which judges
// every open request against its due date and delivers the alerts, and the
// chasers, queued for the dispatcher when they fall due. Both look again at
// least hourly, and sooner when anything happens: a reply stored, a fact
// recorded by 'requests event' in another process, a letter sent.

// deadlineLook is how often the loops ask whether anything happened.
// Asking is one read of the events table's last row.
const deadlineLook = 30 * time.Second

// chaserEvery is the longest the chaser loop waits between two looks for
// chasers due, when nothing happens meanwhile.
const chaserEvery = time.Hour

// alertsLoop runs the deadline watcher. The digest is queued through the
// follow-up outbox, so it needs an address to go to and an [smtp] host to
// leave by; without them the alerts are still recorded and posted to the
// webhook.
func alertsLoop(ctx context.Context, e *env, sending bool) (supervise.Loop, string, error) {
	cfg, err := e.config()
	if err != nil {
		return supervise.Loop{}, "", err
	}
	st, err := e.store(ctx)
	if err != nil {
		return supervise.Loop{}, "", err
	}
	var queue alerts.LetterQueue
	note := fmt.Sprintf("alerts: watching due dates; the daily digest goes to %s at %s (Europe/London)", printable(cfg.Alerts.Email), cfg.Alerts.DigestTime)
	switch {
	case cfg.Alerts.Email == "" || cfg.Requester.Email == "":
		note = "alerts: watching due dates; no daily digest ([alerts] email and [requester] email are not set)"
	case !sending:
		note = "alerts: watching due dates; no daily digest while nothing can be sent ([smtp] host is not set)"
	default:
		queue = st.campaigns
	}
	if cfg.Alerts.WebhookURL != "" {
		note += "; each alert is posted to [alerts] webhook_url"
	}
	w, err := e.alertsWatcher(st, queue, e.now)
	if err != nil {
		return supervise.Loop{}, "", err
	}
	return supervise.Loop{Name: "alerts", Run: func(ctx context.Context) error {
		// News of anything (a reply stored, a fact recorded by 'requests
		// event' in another process, a letter sent) wakes the watcher.
		lctx, stop := context.WithCancel(ctx)
		defer stop()
		go onNews(lctx, st, func() { w.Wake() })
		return w.Run(lctx)
	}}, note, nil
}

// onNews calls news whenever the event log moves on, looking every
// deadlineLook, until ctx ends. The first look only takes its bearings. A
// look that fails is left for the next: the loop it serves has its own
// hourly look.
func onNews(ctx context.Context, st *stores, news func()) {
	var seen int64 = -1
	for {
		if last, err := st.LastEventID(ctx); err == nil {
			if seen >= 0 && last != seen {
				news()
			}
			seen = last
		}
		if !mailconn.Sleep(ctx, deadlineLook) {
			return
		}
	}
}

// chasersLoop queues the chasers due, at start, hourly and whenever the
// event log moves on (a reply that stops a request's chasers, a fact that
// moves its due date).
func chasersLoop(ctx context.Context, e *env) (supervise.Loop, error) {
	cfg, err := e.config()
	if err != nil {
		return supervise.Loop{}, err
	}
	st, err := e.store(ctx)
	if err != nil {
		return supervise.Loop{}, err
	}
	rule, err := e.lifecycle()
	if err != nil {
		return supervise.Loop{}, err
	}
	comp, err := campaignComposer(cfg)
	if err != nil {
		return supervise.Loop{}, err
	}
	fu := mailer.FollowUps{Store: st.campaigns, Composer: comp, Rule: rule, Log: e.log}
	return supervise.Loop{Name: "chasers", Run: func(ctx context.Context) error {
		lctx, stop := context.WithCancel(ctx)
		defer stop()
		news := make(chan struct{}, 1)
		go onNews(lctx, st, func() {
			select {
			case news <- struct{}{}:
			default:
			}
		})
		for {
			n, err := fu.QueueChasers(ctx, e.now())
			if err != nil {
				return fmt.Errorf("queue chasers: %w", err)
			}
			if n > 0 {
				e.log.Info("chasers queued", "count", n)
			}
			// On an accelerated clock the hourly look comes sooner, but
			// never more than once a wall second.
			t := time.NewTimer(max(e.clock.Wall(chaserEvery), time.Second))
			select {
			case <-ctx.Done():
				t.Stop()
				return nil
			case <-news:
			case <-t.C:
			}
			t.Stop()
		}
	}}, nil
}
