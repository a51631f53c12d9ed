package alert

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"foidesk/store"
)

// Change is a request leaving the alert state a pass found it in.
type Change struct {
	RequestID  int64
	CampaignID int64
	From, To   string // "" for no alert state
	// Alert: the change is announced (a row in alerts); otherwise the
	// stored state is only cleared (a request withdrawn, or answered
	// before it was late).
	Alert    bool
	On       string // YYYY-MM-DD the pass judged on
	Due      string
	DaysLate *int
}

// Warning is said once, ever, per Kind and Subject.
type Warning struct {
	Kind    string // WarnPredicted
	Subject string // the year
	Message string
}

// WarnPredicted: due dates rest on holidays that are only predicted.
const WarnPredicted = "predicted-holidays"

// Recorded is what Record wrote.
type Recorded struct {
	Alerts   []int64   // the new alerts' ids, in the order of the changes
	Cleared  int       // states cleared without an alert
	Warnings []Warning // the warnings not given before
}

// Record writes a pass's changes and warnings in one transaction. A
// change whose From is no longer the request's stored state (another pass
// got there first) is skipped, so two passes on the same day write each
// transition once. webhookAt is when the new alerts are due to the
// webhook (the pass's time: its clock, not the store's); zero when no
// webhook is configured, so they never will be (none).
func (s *Store) Record(ctx context.Context, changes []Change, warnings []Warning, webhookAt time.Time) (Recorded, error) {
	var out Recorded
	if len(changes) == 0 && len(warnings) == 0 {
		return out, nil
	}
	now := ts(s.core.Now())
	hook, next := WebhookNone, sql.NullString{}
	if !webhookAt.IsZero() {
		hook, next = WebhookPending, sql.NullString{String: ts(webhookAt), Valid: true}
	}
	err := s.core.Tx(ctx, func(tx *sql.Tx) error {
		out = Recorded{}
		for _, c := range changes {
			var cur string
			err := tx.QueryRowContext(ctx, `SELECT state FROM alert_states WHERE request_id = ?`, c.RequestID).Scan(&cur)
			if err != nil && err != sql.ErrNoRows {
				return fmt.Errorf("alert state of request %d: %w", c.RequestID, err)
			}
			if cur != c.From || c.From == c.To {
				continue
			}
			if IsState(c.To) {
				if _, err := tx.ExecContext(ctx, `INSERT INTO alert_states (request_id, state, since, updated_at) VALUES (?, ?, ?, ?)
					ON CONFLICT (request_id) DO UPDATE SET state = excluded.state, since = excluded.since, updated_at = excluded.updated_at`,
					c.RequestID, c.To, c.On, now); err != nil {
					return fmt.Errorf("alert state of request %d: %w", c.RequestID, err)
				}
			} else if _, err := tx.ExecContext(ctx, `DELETE FROM alert_states WHERE request_id = ?`, c.RequestID); err != nil {
				return fmt.Errorf("alert state of request %d: %w", c.RequestID, err)
			}
			detail := map[string]any{"from": c.From, "to": c.To, "on": c.On, "due": c.Due}
			if c.DaysLate != nil {
				detail["working_days_late"] = *c.DaysLate
			}
			if !c.Alert {
				if err := s.core.AppendEvent(ctx, tx, "alert.cleared", store.Subject{Request: c.RequestID}, detail); err != nil {
					return err
				}
				out.Cleared++
				continue
			}
			var late sql.NullInt64
			if c.DaysLate != nil {
				late = sql.NullInt64{Int64: int64(*c.DaysLate), Valid: true}
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO alerts (request_id, campaign_id, from_state, to_state, on_date, due_date, days_late, created_at, webhook_state, webhook_next_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.RequestID, c.CampaignID, c.From, c.To, c.On, nullStr(c.Due), late, now, hook, next)
			if err != nil {
				return fmt.Errorf("alert for request %d: %w", c.RequestID, err)
			}
			id, err := res.LastInsertId()
			if err != nil {
				return err
			}
			detail["alert_id"] = id
			if err := s.core.AppendEvent(ctx, tx, "alert.raised", store.Subject{Request: c.RequestID}, detail); err != nil {
				return err
			}
			out.Alerts = append(out.Alerts, id)
		}
		for _, w := range warnings {
			res, err := tx.ExecContext(ctx, `INSERT INTO alert_warnings (kind, subject, message, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				w.Kind, w.Subject, w.Message, now)
			if err != nil {
				return fmt.Errorf("warning %s %s: %w", w.Kind, w.Subject, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			if err := s.core.AppendEvent(ctx, tx, "alert.warning", store.Subject{}, map[string]any{"kind": w.Kind, "subject": w.Subject, "message": w.Message}); err != nil {
				return err
			}
			out.Warnings = append(out.Warnings, w)
		}
		return nil
	})
	return out, err
}

func nullStr(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
