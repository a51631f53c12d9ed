// Package supervise runs a daemon's long-lived loops side by side and keeps
// them running: a loop that fails or panics is logged, counted and started
// again after a growing, jittered wait, and never stops the others. It
// remembers how each loop is doing, for a health check and for metrics.
package supervise

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"foidesk/mailconn"
)

// Loop is one job a daemon does for as long as it runs. Run should return
// only when ctx ends; returning earlier, with an error or without one,
// counts as a failure and the loop is started again.
type Loop struct {
	Name string
	Run  func(ctx context.Context) error
}

// Options tune a Supervisor; the zero value is usable.
type Options struct {
	Log *slog.Logger
	// Now is the clock health is reported by; default time.Now.
	Now func() time.Time
	// MinBackoff and MaxBackoff bound the wait before a failed loop is
	// started again (mailconn.Backoff: doubling, with jitter); defaults
	// 1s and 5m.
	MinBackoff, MaxBackoff time.Duration
	// Healthy is how long a restarted loop must run without failing before
	// it counts as healthy again and its backoff starts from the minimum;
	// default one minute.
	Healthy time.Duration
}

// Supervisor runs loops. Build it with New (and Add), then call Run once.
type Supervisor struct {
	opts  Options
	loops []Loop

	mu    sync.Mutex
	state []Health // one per loop, in the order given
}

// Health is how one loop is doing.
type Health struct {
	Name string
	// Running: the loop is running now (not waiting to be started again).
	Running bool
	// FailingSince is when the loop first failed since it was last
	// healthy; zero while it is healthy.
	FailingSince time.Time
	// LastError is the last failure, kept after the loop recovers.
	LastError string
	// Errors counts the times the loop returned early; Panics the times
	// it panicked; Restarts the times it was started again.
	Errors, Panics, Restarts int

	// healthyAt is when a failing loop that was started again counts as
	// healthy; zero while it is not running or has reported a failure.
	healthyAt time.Time
}

// OK reports whether the loop is running and not failing.
func (h Health) OK() bool { return h.Running && h.FailingSince.IsZero() }

// New prepares a Supervisor for loops, whose names must be distinct.
func New(opts Options, loops ...Loop) *Supervisor {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Healthy <= 0 {
		opts.Healthy = time.Minute
	}
	s := &Supervisor{opts: opts}
	for _, l := range loops {
		s.Add(l)
	}
	return s
}

// Add adds a loop before Run is called; its name must be new.
func (s *Supervisor) Add(l Loop) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.state {
		if h.Name == l.Name {
			panic("supervise: two loops named " + l.Name)
		}
	}
	s.loops = append(s.loops, l)
	s.state = append(s.state, Health{Name: l.Name})
}

// Run starts every loop and returns when ctx has ended and every loop has
// returned.
func (s *Supervisor) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := range s.loops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.keep(ctx, i)
		}()
	}
	wg.Wait()
}

// keep runs loop i until ctx ends, starting it again after each failure.
func (s *Supervisor) keep(ctx context.Context, i int) {
	l := s.loops[i]
	log := s.opts.Log.With("loop", l.Name)
	back := mailconn.Backoff{Min: s.opts.MinBackoff, Max: s.opts.MaxBackoff}
	for first := true; ; first = false {
		s.update(i, func(h *Health) {
			h.Running, h.healthyAt = true, s.opts.Now().Add(s.opts.Healthy)
			if !first {
				h.Restarts++
			}
		})
		err, stack := runOnce(ctx, l)
		panicked := stack != ""
		if ctx.Err() != nil {
			s.update(i, func(h *Health) { h.Running, h.healthyAt = false, time.Time{} })
			if panicked {
				log.Error("loop panicked while stopping", "err", err, "stack", stack)
			}
			return
		}
		if err == nil {
			err = errors.New("stopped by itself")
		}
		now := s.opts.Now()
		var since time.Time
		s.update(i, func(h *Health) {
			if s.recovered(*h, now) {
				// It had run long enough to count as healthy: this is a
				// new failure, waited for from the minimum again.
				h.FailingSince = time.Time{}
				back.Reset()
			}
			if h.FailingSince.IsZero() {
				h.FailingSince = now
			}
			h.Running, h.healthyAt, h.LastError = false, time.Time{}, err.Error()
			if panicked {
				h.Panics++
			} else {
				h.Errors++
			}
			since = h.FailingSince
		})
		wait := back.Next()
		if panicked {
			log.Error("loop panicked; starting it again", "err", err, "stack", stack, "failing_since", since, "restart_in", wait.Round(time.Millisecond))
		} else {
			log.Error("loop failed; starting it again", "err", err, "failing_since", since, "restart_in", wait.Round(time.Millisecond))
		}
		if !mailconn.Sleep(ctx, wait) {
			return
		}
	}
}

// runOnce runs l, turning a panic into an error; stack is the panicking
// goroutine's stack, empty when l did not panic.
func runOnce(ctx context.Context, l Loop) (err error, stack string) {
	defer func() {
		if v := recover(); v != nil {
			err, stack = fmt.Errorf("panic: %v", v), string(debug.Stack())
		}
	}()
	return l.Run(ctx), ""
}

// recovered reports whether a loop that failed has since run long enough
// to count as healthy.
func (s *Supervisor) recovered(h Health, now time.Time) bool {
	return h.Running && !h.FailingSince.IsZero() && !h.healthyAt.IsZero() && !now.Before(h.healthyAt)
}

// Report tells the supervisor how a loop that retries by itself is doing
// (an IMAP watcher reconnecting, say): a non-nil err marks it failing,
// with err as its last error and counted as an error, until a Report with
// nil. Unknown names are ignored.
func (s *Supervisor) Report(name string, err error) {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.state {
		h := &s.state[i]
		if h.Name != name {
			continue
		}
		if err == nil {
			h.FailingSince, h.healthyAt = time.Time{}, time.Time{}
			return
		}
		if s.recovered(*h, now) {
			h.FailingSince = time.Time{}
		}
		if h.FailingSince.IsZero() {
			h.FailingSince = now
		}
		h.healthyAt, h.LastError = time.Time{}, err.Error()
		h.Errors++
		return
	}
}

func (s *Supervisor) update(i int, fn func(*Health)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.state[i])
}

// Health is how every loop is doing now, in the order they were given.
func (s *Supervisor) Health() []Health {
	now := s.opts.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Health, len(s.state))
	for i, h := range s.state {
		if s.recovered(h, now) {
			h.FailingSince = time.Time{}
		}
		out[i] = h
	}
	return out
}
