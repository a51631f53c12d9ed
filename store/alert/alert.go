// Package alert keeps the deadline watcher's state (package alerts is the
// watcher): the alert state each open request was last seen in, one row
// per transition between them, the warnings given once, and the days a
// digest was considered.
//
// A transition is written with the request's new state in one transaction
// (Record), so at most one alert exists per request per transition, across
// restarts, and none is lost in a crash. Delivery reads what is pending and
// marks it afterwards: a webhook is delivered at least once (a crash
// between the POST and its mark repeats that one POST; receivers
// de-duplicate on the alert id), a digest once, since the outbox letter is
// queued in the transaction that marks its alerts (Digest).
package alert

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"foidesk/store"
)

// Alert states: the shown statuses (lifecycle) an alert is raised for.
const (
	DueSoon          = "due-soon"
	Overdue          = "overdue"
	VeryOverdue      = "very-overdue"
	ExtensionOverdue = "extension-overdue"
	ReviewOverdue    = "review-overdue"
	// Replied is the state a transition ends in when a request that was
	// overdue is answered: the digest says so. It is never stored as a
	// request's state.
	Replied = "replied"
)

// States lists the alert states a request can be in.
var States = []string{DueSoon, Overdue, VeryOverdue, ExtensionOverdue, ReviewOverdue}

// IsState reports whether a shown status is an alert state.
func IsState(status string) bool {
	switch status {
	case DueSoon, Overdue, VeryOverdue, ExtensionOverdue, ReviewOverdue:
		return true
	}
	return false
}

// IsLate reports whether an alert state means the answer is late.
func IsLate(state string) bool { return IsState(state) && state != DueSoon }

// Webhook delivery states of an alert.
const (
	WebhookNone      = "none" // no webhook was configured when it was raised
	WebhookPending   = "pending"
	WebhookDelivered = "delivered"
	WebhookFailed    = "failed"
)

// Store is the alert state of an open database.
type Store struct{ core *store.Store }

// New returns the alert state kept in st.
func New(st *store.Store) *Store { return &Store{core: st} }

// tsFormat is a fixed-width UTC timestamp, so text comparison in SQL
// orders times correctly.
const tsFormat = "2006-01-02T15:04:05.000000Z"

func ts(t time.Time) string { return t.UTC().Format(tsFormat) }

func parseTS(s sql.NullString) time.Time {
	if !s.Valid || s.String == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s.String)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Request is an open request as the watcher judges it: sent, and either
// awaiting an answer or in an alert state it may be leaving.
type Request struct {
	ID            int64
	CampaignID    int64
	Campaign      string
	AuthorityID   int64
	AuthorityCode string
	AuthorityName string
	Ref           string
	Regime        string
	Outbox        string
	Status        string // the lifecycle's stored status
	Due           string // YYYY-MM-DD or ""
	RepliedOn     string
	SentAt        time.Time
	State         string // the stored alert state; "" for none
	Since         string // YYYY-MM-DD it entered State
}

// Open lists, in one query, the sent requests that are awaiting an
// answer against a due date or that were last seen in an alert state, of
// campaign campaignID (0: every campaign), by request id: the deadline
// watcher's pass, which judges them together. A listing streams them
// with EachOpen.
func (s *Store) Open(ctx context.Context, campaignID int64) ([]Request, error) {
	return s.open(ctx, campaignID, 0, -1)
}

// EachOpen calls fn with each request Open would list, by request id, a
// batch at a time, so that memory stays flat in the number of open
// requests.
func (s *Store) EachOpen(ctx context.Context, campaignID int64, fn func(Request) error) error {
	fetch := func(ctx context.Context, after int64, n int) ([]Request, error) {
		return s.open(ctx, campaignID, after, n)
	}
	_, err := store.Walk(ctx, store.Page{}, fetch, func(q Request) int64 { return q.ID }, fn)
	return err
}

// open reads at most n (-1: all) open requests with an id above after.
func (s *Store) open(ctx context.Context, campaignID, after int64, n int) ([]Request, error) {
	rows, err := s.core.DB().QueryContext(ctx, `SELECT r.id, r.campaign_id, c.name, r.authority_id, coalesce(a.code, ''), a.name,
		r.ref, r.regime, r.outbox_state, coalesce(r.status, ''), coalesce(r.due_date, ''), coalesce(r.replied_on, ''), r.sent_at,
		coalesce(s.state, ''), coalesce(s.since, '')
		FROM requests r JOIN campaigns c ON c.id = r.campaign_id JOIN authorities a ON a.id = r.authority_id
		LEFT JOIN alert_states s ON s.request_id = r.id
		WHERE ((r.outbox_state = 'sent' AND r.status IN ('awaiting-response', 'extended', 'awaiting-review')) OR s.request_id IS NOT NULL)
			AND (?1 = 0 OR r.campaign_id = ?1) AND r.id > ?2
		ORDER BY r.id LIMIT ?3`, campaignID, after, n)
	if err != nil {
		return nil, fmt.Errorf("open requests: %w", err)
	}
	defer rows.Close()
	var out []Request
	for rows.Next() {
		var q Request
		var sent sql.NullString
		if err := rows.Scan(&q.ID, &q.CampaignID, &q.Campaign, &q.AuthorityID, &q.AuthorityCode, &q.AuthorityName,
			&q.Ref, &q.Regime, &q.Outbox, &q.Status, &q.Due, &q.RepliedOn, &sent, &q.State, &q.Since); err != nil {
			return nil, fmt.Errorf("open requests: %w", err)
		}
		q.SentAt = parseTS(sent)
		out = append(out, q)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("open requests: %w", err)
	}
	return out, nil
}
