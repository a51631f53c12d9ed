package main

import (
	"fmt"
	"strings"
	"time"

	"foidesk/alerts"
)

// alertsWatcher builds the deadline watcher over st from the config:
// [alerts] (digest recipient and time, due_soon_days, the webhook and its
// secret), [requester] (the digest's sender) and [deadline]
// very_overdue_days. queue is the outbox the digest goes through; nil
// sends no digest. now is the watcher's clock (time.Now in production).
// `foidesk run` runs the result as one of its loops.
func (e *env) alertsWatcher(st *stores, queue alerts.LetterQueue, now func() time.Time) (*alerts.Watcher, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	wc := alerts.Config{Store: st.alerts, Rule: st.Lifecycle(), Thresholds: cfg.thresholds(), Now: now, Wall: e.clock.Wall, Log: e.log}
	if u := cfg.Alerts.WebhookURL; u != "" {
		wc.Webhook = &alerts.Webhook{URL: u}
		if f := cfg.Alerts.WebhookSecretFile; f != "" {
			b, err := readInput(f, "webhook secret file", maxSecretBytes)
			if err != nil {
				return nil, fmt.Errorf("[alerts] webhook_secret_file: %w", err)
			}
			key := strings.TrimRight(string(b), "\r\n")
			if key == "" {
				return nil, fmt.Errorf("[alerts] webhook_secret_file %s is empty", f)
			}
			wc.Webhook.Secret = []byte(key)
		}
	}
	if queue != nil {
		if cfg.Alerts.Email == "" || cfg.Requester.Email == "" {
			return nil, fmt.Errorf("the daily digest needs [alerts] email or [requester] email")
		}
		wc.Digest = &alerts.Digest{To: cfg.Alerts.Email, FromName: cfg.Requester.Name, FromEmail: cfg.Requester.Email, At: cfg.Alerts.DigestTime, Queue: queue}
	}
	return alerts.New(wc)
}
