package mail

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"foidesk/store"
)

func openMail(t *testing.T) (*store.Store, *Store) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, New(st)
}

func recordN(t *testing.T, s *Store, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		if _, err := s.RecordMessage(context.Background(), NewMessage{SHA256: fmt.Sprintf("raw%d", i), Size: 10,
			Derived: Derived{Kind: KindResponse, Subject: fmt.Sprint("reply ", i)}}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMessagePages: paging through the messages, a page at a time with
// messages arriving in between, shows every message once, in order.
func TestMessagePages(t *testing.T) {
	ctx := context.Background()
	_, s := openMail(t)
	recordN(t, s, 0, 25)
	var seen []int64
	f := MessageFilter{Limit: 10}
	for page := 0; ; page++ {
		more, err := s.EachMessage(ctx, f, func(m MessageSummary) error {
			seen = append(seen, m.ID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if page == 0 {
			recordN(t, s, 100, 7) // arrive while the first page is read
		}
		if !more {
			break
		}
		f.AfterID = seen[len(seen)-1]
	}
	if len(seen) != 32 {
		t.Fatalf("saw %d messages, want 32", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Fatalf("out of order or twice: %v", seen)
		}
	}
	// Messages gives one page, and only when asked for a limit.
	ms, err := s.Messages(ctx, MessageFilter{AfterID: seen[4], Limit: 3})
	if err != nil || len(ms) != 3 || ms[0].ID != seen[5] || ms[2].ID != seen[7] {
		t.Fatalf("page after %d: %+v %v", seen[4], ms, err)
	}
	if _, err := s.Messages(ctx, MessageFilter{}); err == nil {
		t.Fatal("Messages without a limit returned every message")
	}
}

// TestMessagePagesQueryPlan: each filter's page walks the primary key or
// an index that ends in it, from the id after which it starts: no sort
// of every matching row in a temporary B-tree, no scan of the table per
// page.
func TestMessagePagesQueryPlan(t *testing.T) {
	st, _ := openMail(t)
	for _, f := range []MessageFilter{{}, {Unmatched: true}, {Dismissed: true}, {Kind: KindRefusal}, {RequestID: 7}, {Kind: KindRefusal, RequestID: 7}} {
		q, args := messagesQuery(f, 4711, 100)
		plan, err := st.QueryPlan(context.Background(), q, args...)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(plan, "; ")
		if strings.Contains(text, "TEMP B-TREE") || strings.Contains(text, "SCAN") {
			t.Errorf("%+v planned as: %s", f, text)
		}
	}
}
