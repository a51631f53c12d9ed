package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"foidesk/monitor"
	"foidesk/store/tally"
	"foidesk/supervise"
)

func init() {
	register(newCommand(command{
		name:    "run",
		summary: "run foidesk as a daemon: send, watch the mailboxes and the deadlines, alert, chase, serve the review app",
		help: `Runs, in one process and until stopped, everything that watches a campaign:

  dispatch  sends every queued campaign ('foidesk campaign send NAME
            --queue-only' queues one) and every follow-up letter (chasers,
            internal reviews, the digest), with [smtp]'s rate and
            per-domain limits and retries, and looks for new work every
            2 seconds;
  imap      watches every [imap] mailbox (IDLE, or polling every
            poll_interval), storing, matching and sorting each reply, then
            extracting the text of what came (unless --no-extract); the
            PDF engine is compiled at start if it never was on this
            machine (once, ~5 s, logged), while the loops already run;
  alerts    judges every open request against its due date, at start, at
            least hourly and soon after anything happens, records each
            change (due-soon, overdue, very-overdue, extension-overdue,
            review-overdue) once, posts it to [alerts] webhook_url and
            sends the daily digest to [alerts] email at digest_time;
  chasers   queues the chasers of campaigns that have them on
            ('foidesk campaign chasers') as they fall due;
  http      serves the review app, with GET /healthz and GET /metrics
            (Prometheus) outside its sign-in, on [web] listen.

Without [smtp] host nothing is sent; without [imap] host no mail is read:
run says so when it starts. A loop that fails is logged and started again
after a growing wait; it never stops the others. /healthz answers "ok", or
503 naming the loop that is failing and since when (?format=json for JSON).

Only one run may use a database at a time: a second one exits with status
1 naming the first's pid (the lock is the file DATABASE.run.lock). The
one-off commands ('campaign send', 'ingest') may still be used beside it:
each request is claimed before it is sent, so none is sent twice, and a
reply already stored is never stored again.

SIGINT or SIGTERM stops it cleanly: the message being sent is finished and
recorded (or handed back to the queue), the mailboxes are logged out of,
an extraction in progress is abandoned unrecorded (run extracts whatever
is pending when it starts), and run exits 0. A
second signal, or 30 seconds without finishing, stops it at once (status 1)
and says what was still running; nothing is lost, and a message cut off
mid-send is reported as unknown when foidesk starts again.`,
	}, runDaemon))
}

type runFlags struct {
	noExtract bool
}

func (f *runFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.noExtract, "no-extract", false, "store and sort replies only; leave text extraction to 'foidesk documents extract'")
}

// shutdownLimit is how long a stop may take before run gives up waiting.
const shutdownLimit = 30 * time.Second

// runDaemon runs the dispatch, IMAP and HTTP loops under one supervisor
// until SIGINT or SIGTERM, holding the database's run lock throughout.
func runDaemon(ctx context.Context, e *env, f *runFlags, _ []string) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	lock, err := acquireRunLock(st.Path())
	if err != nil {
		return err
	}
	defer lock.Release()

	// Signals are counted here, not only through ctx: the first stops the
	// loops, a second one stops waiting for them.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)

	// A daemon's notices are log records, like everything else it says.
	e.noticesToLog = true
	mon := monitor.NewMetrics(monitor.MetricsOptions{Counts: tally.New(st.Store), Rule: st.Lifecycle(), Thresholds: cfg.thresholds(), Now: e.now})
	d, err := newDaemon(ctx, e, f, mon)
	if err != nil {
		return err
	}
	for _, line := range d.notes {
		fmt.Fprintln(e.stdout, line)
	}

	// The loops stop when run decides, not when ctx ends: a stop has to
	// be waited for, and bounded.
	loopCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	done := make(chan struct{})
	go func() {
		d.run(loopCtx)
		close(done)
	}()
	if err := awaitStop(ctx, e, sigs, stop, done, d.sup); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "foidesk run stopped")
	return nil
}

// awaitStop waits for the first signal (or ctx to end), then stops the
// loops and waits for them to return (done), for at most shutdownLimit
// and only until a second signal.
func awaitStop(ctx context.Context, e *env, sigs <-chan os.Signal, stop func(), done <-chan struct{}, sup *supervise.Supervisor) error {
	parent := ctx.Done()
	var limit <-chan time.Time
	signals := 0
	for {
		select {
		case <-done:
			return nil
		case s := <-sigs:
			signals++
			if signals > 1 {
				return fmt.Errorf("second %v: stopped without waiting for %s; nothing recorded is lost, and a message cut off mid-send shows as unknown when foidesk starts again", s, stillRunning(sup))
			}
			e.log.Info("stopping: finishing the message being sent and logging out of the mailboxes (a second signal stops at once)", "signal", s.String())
		case <-parent:
			parent = nil
			if signals == 0 {
				e.log.Info("stopping")
			}
		case <-limit:
			return fmt.Errorf("stopping took longer than %v; stopped without waiting for %s", shutdownLimit, stillRunning(sup))
		}
		if limit == nil {
			stop()
			limit = time.After(shutdownLimit)
		}
	}
}

// stillRunning names the loops that have not returned.
func stillRunning(sup *supervise.Supervisor) string {
	var names []string
	for _, h := range sup.Health() {
		if h.Running {
			names = append(names, h.Name)
		}
	}
	if len(names) == 0 {
		return "nothing"
	}
	return strings.Join(names, ", ")
}

// acquireRunLock takes the lock that lets one run use the database at
// dbPath: DATABASE.run.lock, named after the file the path resolves to, so
// that two runs told the path differently still meet.
func acquireRunLock(dbPath string) (*supervise.Lock, error) {
	real, err := filepath.EvalSymlinks(dbPath)
	if err == nil {
		real, err = filepath.Abs(real)
	}
	if err != nil {
		return nil, fmt.Errorf("run lock: %w", err)
	}
	lock, err := supervise.Acquire(real + ".run.lock")
	var held *supervise.HeldError
	if errors.As(err, &held) {
		if held.PID == 0 {
			return nil, fmt.Errorf("foidesk run is already running for %s (see %s)", dbPath, held.Path)
		}
		return nil, fmt.Errorf("foidesk run is already running for %s (pid %d)", dbPath, held.PID)
	}
	return lock, err
}
