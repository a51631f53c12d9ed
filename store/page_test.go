package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"foidesk/store"
)

// list is a listing held in memory, read as a store reads a table: at
// most n items with an id above after, in id order.
type list struct{ ids []int64 }

func (l *list) fetch(_ context.Context, after int64, n int) ([]int64, error) {
	var out []int64
	for _, id := range l.ids {
		if id > after && len(out) < n {
			out = append(out, id)
		}
	}
	return out, nil
}

func ident(id int64) int64 { return id }

// walkAll reads the listing page by page, limit items a page, and
// returns every id seen; between pages, between(page) may change it.
func walkAll(t *testing.T, l *list, limit int, between func(page int)) []int64 {
	t.Helper()
	var seen []int64
	var after int64
	for page := 0; ; page++ {
		var got []int64
		more, err := store.Walk(context.Background(), store.Page{After: after, Limit: limit}, l.fetch, ident, func(id int64) error {
			got = append(got, id)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > limit {
			t.Fatalf("page %d: %d items, limit %d", page, len(got), limit)
		}
		if more && len(got) != limit {
			t.Fatalf("page %d: more after a short page of %d", page, len(got))
		}
		seen = append(seen, got...)
		if !more {
			return seen
		}
		after = got[len(got)-1]
		if between != nil {
			between(page)
		}
	}
}

func TestWalkPagesEveryItemOnceInOrder(t *testing.T) {
	for _, total := range []int{0, 1, 99, 100, 101, store.Batch, store.Batch + 1, 3*store.Batch + 7} {
		for _, limit := range []int{1, 7, 100, store.Batch, store.Batch + 1, 2000} {
			l := &list{}
			for i := range total {
				l.ids = append(l.ids, int64(2*i+1)) // gaps, as deletions leave
			}
			if got := walkAll(t, l, limit, nil); !slices.Equal(got, l.ids) {
				t.Fatalf("%d items, limit %d: got %d items %v…", total, limit, len(got), got[:min(len(got), 5)])
			}
		}
	}
}

// TestWalkPagesWithItemsAdded: items added between pages (new ids, above
// every earlier one) come on a later page; none is shown twice or missed.
func TestWalkPagesWithItemsAdded(t *testing.T) {
	l := &list{ids: []int64{1, 2, 3, 4, 5, 6, 7}}
	next := int64(8)
	got := walkAll(t, l, 3, func(page int) {
		if page < 4 {
			l.ids = append(l.ids, next, next+1)
			next += 2
		}
	})
	if !slices.Equal(got, l.ids) {
		t.Fatalf("got %v, want %v", got, l.ids)
	}
}

// TestWalkStreamsInBatches: without a limit every item is given, read a
// batch at a time, never more than store.Batch at once.
func TestWalkStreamsInBatches(t *testing.T) {
	l := &list{}
	for i := range 5*store.Batch + 3 {
		l.ids = append(l.ids, int64(i+1))
	}
	calls, n := 0, 0
	fetch := func(ctx context.Context, after int64, size int) ([]int64, error) {
		calls++
		if size > store.Batch {
			t.Fatalf("asked for %d rows at once", size)
		}
		return l.fetch(ctx, after, size)
	}
	more, err := store.Walk(context.Background(), store.Page{}, fetch, ident, func(int64) error { n++; return nil })
	if err != nil || more || n != len(l.ids) || calls != 6 {
		t.Fatalf("more %v err %v: %d items in %d queries", more, err, n, calls)
	}
}

func TestWalkStopsOnErrorAndRefusesBadPages(t *testing.T) {
	l := &list{ids: []int64{1, 2, 3}}
	stop := errors.New("stop")
	n := 0
	if _, err := store.Walk(context.Background(), store.Page{}, l.fetch, ident, func(int64) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Fatalf("err %v after %d", err, n)
	}
	if _, err := store.Walk(context.Background(), store.Page{Limit: -1}, l.fetch, ident, func(int64) error { return nil }); err == nil {
		t.Fatal("a negative limit was accepted")
	}
	backwards := func(context.Context, int64, int) ([]int64, error) { return []int64{3, 2}, nil }
	if _, err := store.Walk(context.Background(), store.Page{}, backwards, ident, func(int64) error { return nil }); err == nil {
		t.Fatal("a listing out of order was accepted")
	}
}
