package alert

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"foidesk/store"
)

// Alert is one transition, with what a notice about it says.
type Alert struct {
	ID            int64
	RequestID     int64
	CampaignID    int64
	Campaign      string
	AuthorityCode string
	AuthorityName string
	Ref           string
	From, To      string
	On            string // YYYY-MM-DD
	SentAt        time.Time
	Due           string
	DaysLate      *int
	CreatedAt     time.Time
	DigestKey     string
	Webhook       string // WebhookNone, WebhookPending, WebhookDelivered, WebhookFailed
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
}

const alertCols = `l.id, l.request_id, l.campaign_id, c.name, coalesce(a.code, ''), a.name, r.ref, l.from_state, l.to_state, l.on_date,
	r.sent_at, coalesce(l.due_date, ''), l.days_late, l.created_at, coalesce(l.digest_key, ''), l.webhook_state, l.webhook_attempts,
	l.webhook_next_at, coalesce(l.webhook_error, '')`

const alertFrom = ` FROM alerts l JOIN requests r ON r.id = l.request_id JOIN campaigns c ON c.id = l.campaign_id JOIN authorities a ON a.id = r.authority_id`

func queryAlerts(ctx context.Context, q store.Querier, where string, args ...any) ([]Alert, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+alertCols+alertFrom+" WHERE "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		var a Alert
		var sent, created, next sql.NullString
		var late sql.NullInt64
		if err := rows.Scan(&a.ID, &a.RequestID, &a.CampaignID, &a.Campaign, &a.AuthorityCode, &a.AuthorityName, &a.Ref, &a.From, &a.To, &a.On,
			&sent, &a.Due, &late, &created, &a.DigestKey, &a.Webhook, &a.Attempts, &next, &a.LastError); err != nil {
			return nil, fmt.Errorf("list alerts: %w", err)
		}
		a.SentAt, a.CreatedAt, a.NextAttemptAt = parseTS(sent), parseTS(created), parseTS(next)
		if late.Valid {
			n := int(late.Int64)
			a.DaysLate = &n
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	return out, nil
}

// Alerts lists every alert about a request, oldest first (0: every alert).
func (s *Store) Alerts(ctx context.Context, requestID int64) ([]Alert, error) {
	return queryAlerts(ctx, s.core.DB(), "(?1 = 0 OR l.request_id = ?1) ORDER BY l.id", requestID)
}

// WebhookDue lists up to limit alerts whose webhook delivery is pending
// and due by now, oldest first.
func (s *Store) WebhookDue(ctx context.Context, now time.Time, limit int) ([]Alert, error) {
	return queryAlerts(ctx, s.core.DB(), "l.webhook_state = 'pending' AND l.webhook_next_at <= ? ORDER BY l.webhook_next_at, l.id LIMIT ?", ts(now), limit)
}

// NextWebhook is when the earliest pending webhook delivery is due; zero
// when none is pending.
func (s *Store) NextWebhook(ctx context.Context) (time.Time, error) {
	var next sql.NullString
	if err := s.core.DB().QueryRowContext(ctx, `SELECT min(webhook_next_at) FROM alerts WHERE webhook_state = 'pending'`).Scan(&next); err != nil {
		return time.Time{}, fmt.Errorf("next webhook: %w", err)
	}
	return parseTS(next), nil
}

// WebhookOutcome is what one delivery attempt came to.
type WebhookOutcome struct {
	State     string    // WebhookDelivered, WebhookPending (retry at Next) or WebhookFailed
	Next      time.Time // when pending
	Error     string    // the failure, in words; "" when delivered
	HTTPCode  int
	Attempted time.Time
}

// MarkWebhook records the outcome of delivery attempt number attempts of
// alert id, with its event. An alert no longer pending is left alone.
func (s *Store) MarkWebhook(ctx context.Context, id int64, attempts int, o WebhookOutcome) error {
	return s.core.Tx(ctx, func(tx *sql.Tx) error {
		var req int64
		var state string
		if err := tx.QueryRowContext(ctx, `SELECT request_id, webhook_state FROM alerts WHERE id = ?`, id).Scan(&req, &state); err != nil {
			return fmt.Errorf("alert %d: %w", id, err)
		}
		if state != WebhookPending {
			return nil
		}
		var next sql.NullString
		if o.State == WebhookPending {
			next = sql.NullString{String: ts(o.Next), Valid: true}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET webhook_state = ?, webhook_attempts = ?, webhook_next_at = ?, webhook_error = ? WHERE id = ?`,
			o.State, attempts, next, nullStr(o.Error), id); err != nil {
			return fmt.Errorf("alert %d: %w", id, err)
		}
		detail := map[string]any{"alert_id": id, "state": o.State, "attempts": attempts}
		if o.HTTPCode != 0 {
			detail["http_status"] = o.HTTPCode
		}
		if o.Error != "" {
			detail["error"] = o.Error
		}
		if next.Valid {
			detail["next_attempt_at"] = next.String
		}
		kind := map[string]string{WebhookDelivered: "alert.webhook_delivered", WebhookPending: "alert.webhook_retry", WebhookFailed: "alert.webhook_failed"}[o.State]
		if kind == "" {
			return fmt.Errorf("alert %d: unknown webhook state %q", id, o.State)
		}
		return s.core.AppendEvent(ctx, tx, kind, store.Subject{Request: req}, detail)
	})
}
