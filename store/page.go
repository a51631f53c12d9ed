package store

import (
	"context"
	"fmt"
)

// Page is the part of a listing a caller reads: the items with an id
// greater than After, at most Limit of them (0: every one), oldest first.
// Listings page by id (keyset pagination), so the next page is the one
// after the last id shown, whatever was added or removed in between.
type Page struct {
	After int64
	Limit int
}

// Batch is how many rows a streamed listing reads per query: enough that
// the queries cost little, few enough that memory does not grow with the
// listing and no read transaction stays open while a caller writes out.
const Batch = 500

// Walk calls fn with every item of a listing in p, in id order, reading
// them through keyset batches: fetch(after, n) returns at most n items
// with an id greater than after, in id order, and id names an item's id.
// It holds one batch in memory, whatever the listing's length, and no
// statement is open while fn runs, so fn may query the database. It
// returns whether the listing went on beyond p.Limit: false when it was
// read to its end.
func Walk[T any](ctx context.Context, p Page, fetch func(ctx context.Context, after int64, n int) ([]T, error), id func(T) int64, fn func(T) error) (more bool, err error) {
	if p.Limit < 0 {
		return false, fmt.Errorf("a listing's limit must not be negative (got %d)", p.Limit)
	}
	after, left := p.After, p.Limit
	for {
		n := Batch
		if p.Limit > 0 && left < n {
			// One more than asked says whether the listing goes on.
			n = left + 1
		}
		items, err := fetch(ctx, after, n)
		if err != nil {
			return false, err
		}
		for i, it := range items {
			if p.Limit > 0 && left == 0 {
				return true, nil
			}
			next := id(it)
			if next <= after {
				return false, fmt.Errorf("listing out of order: id %d after %d (item %d of a batch)", next, after, i)
			}
			if err := fn(it); err != nil {
				return false, err
			}
			after, left = next, left-1
		}
		if len(items) < n {
			return false, nil
		}
		if err := ctx.Err(); err != nil {
			return false, err
		}
	}
}

// QueryPlan is SQLite's plan for q with args, one step an element, for
// the tests that check a listing's page walks an index rather than
// sorting or scanning everything before it.
func (s *Store) QueryPlan(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", q, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return nil, err
		}
		plan = append(plan, detail)
	}
	return plan, rows.Err()
}
