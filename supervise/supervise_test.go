package supervise

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// waitFor polls cond until it holds, failing the test after a generous
// limit (not a timing assertion: only a guard against hanging).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func health(s *Supervisor, name string) Health {
	for _, h := range s.Health() {
		if h.Name == name {
			return h
		}
	}
	return Health{}
}

func TestPanickingLoopIsRestartedWhileOthersKeepRunning(t *testing.T) {
	var ticks, starts atomic.Int64
	steady := Loop{Name: "steady", Run: func(ctx context.Context) error {
		for {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Millisecond):
				ticks.Add(1)
			}
		}
	}}
	crashy := Loop{Name: "crashy", Run: func(ctx context.Context) error {
		if starts.Add(1) <= 3 {
			var m map[string]int
			m["boom"]++ // a nil map write: a real runtime panic
		}
		<-ctx.Done()
		return ctx.Err()
	}}
	s := New(Options{MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond}, steady, crashy)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()

	waitFor(t, "the fourth start of the panicking loop", func() bool { return starts.Load() >= 4 })
	before := ticks.Load()
	waitFor(t, "the steady loop to keep ticking", func() bool { return ticks.Load() > before+5 })
	h := health(s, "crashy")
	if h.Panics != 3 || h.Restarts != 3 || h.Errors != 0 {
		t.Errorf("crashy health = %+v, want 3 panics and 3 restarts", h)
	}
	if h.LastError != "panic: assignment to entry in nil map" {
		t.Errorf("last error = %q", h.LastError)
	}
	if g := health(s, "steady"); !g.OK() || g.Restarts != 0 || g.Panics+g.Errors != 0 {
		t.Errorf("steady health = %+v, want running with no failures", g)
	}
	cancel()
	<-done
	for _, h := range s.Health() {
		if h.Running {
			t.Errorf("%s still running after Run returned", h.Name)
		}
	}
}

func TestFailingLoopBacksOff(t *testing.T) {
	var mu sync.Mutex
	var starts []time.Time
	failing := Loop{Name: "failing", Run: func(ctx context.Context) error {
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		return errors.New("server said no")
	}}
	const base = 10 * time.Millisecond
	s := New(Options{MinBackoff: base, MaxBackoff: 8 * base}, failing)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	waitFor(t, "six starts", func() bool { mu.Lock(); defer mu.Unlock(); return len(starts) >= 6 })
	cancel()
	<-done
	// Each wait is at least the backoff's step: base, doubling, capped.
	want := []time.Duration{base, 2 * base, 4 * base, 8 * base, 8 * base}
	for i, w := range want {
		if gap := starts[i+1].Sub(starts[i]); gap < w {
			t.Errorf("wait before start %d = %v, want at least %v", i+2, gap, w)
		}
	}
	h := health(s, "failing")
	if h.Errors < 5 || h.LastError != "server said no" {
		t.Errorf("health = %+v", h)
	}
}

func TestHealthSaysWhichLoopFailsAndSinceWhen(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	fail := make(chan error)
	var starts atomic.Int64
	flaky := Loop{Name: "imap", Run: func(ctx context.Context) error {
		starts.Add(1)
		select {
		case err := <-fail:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	quits := Loop{Name: "dispatch", Run: func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}}
	s := New(Options{Now: clock.Now, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond, Healthy: time.Minute}, flaky, quits)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	waitFor(t, "the loops to start", func() bool { return health(s, "imap").Running && health(s, "dispatch").Running })
	if h := health(s, "imap"); !h.OK() {
		t.Fatalf("imap before any failure: %+v", h)
	}

	first := clock.Now()
	fail <- errors.New("connection reset")
	waitFor(t, "the restart", func() bool { return starts.Load() == 2 })
	clock.Add(30 * time.Second)
	fail <- errors.New("connection refused")
	waitFor(t, "the second restart", func() bool { return starts.Load() == 3 })
	h := health(s, "imap")
	if h.OK() || !h.FailingSince.Equal(first) || h.LastError != "connection refused" || h.Errors != 2 {
		t.Errorf("imap failing twice within a minute: %+v, want failing since %v", h, first)
	}
	if !health(s, "dispatch").OK() {
		t.Errorf("dispatch should be unaffected")
	}

	// A minute of running without failing makes it healthy again, and the
	// next failure starts a new failing period.
	clock.Add(time.Minute)
	if h := health(s, "imap"); !h.OK() || h.LastError != "connection refused" {
		t.Errorf("imap after a healthy minute: %+v", h)
	}
	clock.Add(time.Hour)
	second := clock.Now()
	fail <- errors.New("bye")
	waitFor(t, "the third restart", func() bool { return starts.Load() == 4 })
	if h := health(s, "imap"); !h.FailingSince.Equal(second) {
		t.Errorf("failing since %v, want %v (a new failing period)", h.FailingSince, second)
	}
}

func TestLoopThatReturnsEarlyIsRestarted(t *testing.T) {
	var starts atomic.Int64
	s := New(Options{MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}, Loop{Name: "quitter", Run: func(ctx context.Context) error {
		if starts.Add(1) == 1 {
			return nil
		}
		<-ctx.Done()
		return ctx.Err()
	}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	waitFor(t, "the restart", func() bool { return starts.Load() == 2 })
	if h := health(s, "quitter"); h.Errors != 1 || h.LastError != "stopped by itself" {
		t.Errorf("health = %+v", h)
	}
	cancel()
	<-done
}

func TestLockNamesTheHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "foidesk.db.run.lock")
	l, err := Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(path)
	var held *HeldError
	if !errors.As(err, &held) || held.PID != os.Getpid() {
		t.Fatalf("second Acquire: %v, want held by pid %d", err, os.Getpid())
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := Acquire(path)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.Release()
}

func TestLoopThatRetriesByItselfReportsFailing(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	var s *Supervisor
	step := make(chan error)
	s = New(Options{Now: clock.Now}, Loop{Name: "imap", Run: func(ctx context.Context) error {
		for {
			select {
			case err := <-step:
				s.Report("imap", err)
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx)
	waitFor(t, "the loop to start", func() bool { return health(s, "imap").Running })
	since := clock.Now()
	step <- errors.New("login refused")
	waitFor(t, "the first report", func() bool { return health(s, "imap").Errors == 1 })
	clock.Add(2 * time.Hour) // reported failures last until reported fixed
	step <- errors.New("login refused again")
	waitFor(t, "the second report", func() bool { return health(s, "imap").Errors == 2 })
	if h := health(s, "imap"); h.OK() || !h.FailingSince.Equal(since) || h.LastError != "login refused again" {
		t.Errorf("after two reported failures: %+v, want failing since %v", h, since)
	}
	step <- nil
	waitFor(t, "the recovery", func() bool { return health(s, "imap").OK() })
	clock.Add(time.Second)
	second := clock.Now()
	step <- errors.New("connection reset")
	waitFor(t, "the third report", func() bool { return health(s, "imap").Errors == 3 })
	h := health(s, "imap")
	if h.OK() || !h.FailingSince.Equal(second) || h.LastError != "connection reset" || h.Restarts != 0 {
		t.Errorf("health = %+v, want failing since the last report", h)
	}
	step <- nil
	waitFor(t, "the recovery", func() bool { return health(s, "imap").OK() })
}

// A held lock file that holds something other than a pid (another
// program's 8 MB, say) is read only at its start: the lock is reported
// held, by a process it cannot name.
func TestLockFileIsReadBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "foidesk.db.run.lock")
	l, err := Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if err := os.WriteFile(path, bytes.Repeat([]byte("not a pid "), 800_000), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(path)
	var held *HeldError
	if !errors.As(err, &held) || held.PID != 0 || err.Error() != path+" is locked by another process" {
		t.Fatalf("second Acquire: %v, want held by an unnamed process", err)
	}
}
