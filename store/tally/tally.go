// Package tally counts what the database holds, for a running daemon to
// report (package monitor serves the counts as Prometheus metrics). It only
// reads: every count comes from one read transaction, so the numbers agree
// with each other, and the database stays their only source, so they
// survive a restart.
package tally

import (
	"context"
	"database/sql"
	"fmt"

	"foidesk/store"
)

// Store reads the counts of an open database.
type Store struct{ core *store.Store }

// New returns the counts of st.
func New(st *store.Store) *Store { return &Store{core: st} }

// Counts is the database at one moment.
type Counts struct {
	// Outbox is requests by outbox state (draft, queued, sending, sent,
	// retry, failed, unknown, cancelled).
	Outbox map[string]int
	// Messages is the mail stored from IMAP, by kind (bounce, response, …).
	Messages map[string]int
	// Unmatched is the stored messages matched to no request and not
	// dismissed: they wait for a person.
	Unmatched int
	// Documents is extracted documents by status (ok, needs_ocr, …).
	Documents map[string]int
	// Requests groups every request by what its shown status depends on,
	// so a caller can show each group on any day without a row per request.
	Requests []RequestGroup
}

// RequestGroup is N requests alike in everything their shown status
// depends on (lifecycle.Request's fields).
type RequestGroup struct {
	Regime, Outbox, Status, Due, RepliedOn string
	N                                      int
}

// Count reads every count in one read transaction.
func (s *Store) Count(ctx context.Context) (Counts, error) {
	c := Counts{Outbox: map[string]int{}, Messages: map[string]int{}, Documents: map[string]int{}}
	tx, err := s.core.DB().BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return c, fmt.Errorf("count: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []struct {
		sql  string
		into map[string]int
	}{
		{`SELECT outbox_state, count(*) FROM requests GROUP BY outbox_state`, c.Outbox},
		{`SELECT kind, count(*) FROM messages GROUP BY kind`, c.Messages},
		{`SELECT status, count(*) FROM documents GROUP BY status`, c.Documents},
	} {
		if err := countBy(ctx, tx, q.sql, q.into); err != nil {
			return c, err
		}
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE request_id IS NULL AND dismissed_at IS NULL`).Scan(&c.Unmatched); err != nil {
		return c, fmt.Errorf("count unmatched messages: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT regime, outbox_state, status, coalesce(due_date, ''), coalesce(replied_on, ''), count(*)
		FROM requests GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`)
	if err != nil {
		return c, fmt.Errorf("count requests: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var g RequestGroup
		if err := rows.Scan(&g.Regime, &g.Outbox, &g.Status, &g.Due, &g.RepliedOn, &g.N); err != nil {
			return c, fmt.Errorf("count requests: %w", err)
		}
		c.Requests = append(c.Requests, g)
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("count requests: %w", err)
	}
	return c, nil
}

func countBy(ctx context.Context, tx *sql.Tx, q string, into map[string]int) error {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("count: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		into[k] = n
	}
	return rows.Err()
}
