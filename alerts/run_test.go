package alerts

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"foidesk/store/campaign"
	"foidesk/store/storetest"
)

// syncClock is a clock the test moves while Run reads it.
type syncClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *syncClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *syncClock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Run passes at start and when woken, delivers the digest that is due,
// and returns nil when its context ends.
func TestRunPassesAtStartAndWhenWoken(t *testing.T) {
	w := newWorld(t)
	w.send(t, storetest.SentRequest{AuthorityName: "Barnet", AuthorityEmail: "foi@barnet.example"})
	clk := &syncClock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	q := &lockedQueue{q: newQueue(t, w)}
	x := w.watcher(t, func(c *Config) {
		c.Now = clk.now
		c.Digest = &Digest{To: "alerts@campaign.example", FromName: "Ann Example", FromEmail: "ann@campaign.example", At: "08:00", Queue: q}
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- x.Run(ctx) }()
	waitFor(t, "the first pass's due-soon alert", func() bool { return len(w.alerts(t)) == 1 })
	waitFor(t, "the day's digest", func() bool { return q.count() == 1 })
	clk.set(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
	x.Wake()
	waitFor(t, "the overdue alert after a wake", func() bool { return len(w.alerts(t)) == 2 })
	waitFor(t, "the next day's digest", func() bool { return q.count() == 2 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
	if as := w.alerts(t); as[1].To != "overdue" {
		t.Fatalf("alerts %+v", as)
	}
}

// lockedQueue lets the test read what Run's goroutine queued.
type lockedQueue struct {
	mu sync.Mutex
	q  *recordingQueue
}

func (l *lockedQueue) QueueLetterTx(ctx context.Context, tx *sql.Tx, x campaign.NewLetter) (int64, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.q.QueueLetterTx(ctx, tx, x)
}

func (l *lockedQueue) count() int { l.mu.Lock(); defer l.mu.Unlock(); return len(l.q.letters) }
