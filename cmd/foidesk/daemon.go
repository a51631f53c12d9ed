package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"foidesk/extract"
	"foidesk/ingest"
	"foidesk/mailconn"
	"foidesk/mailer"
	"foidesk/monitor"
	"foidesk/store/campaign"
	"foidesk/supervise"
)

// daemon is what 'foidesk run' supervises: its loops, and a line for each
// saying what it does (or why it is off), printed when run starts.
type daemon struct {
	sup   *supervise.Supervisor
	notes []string
	// warm, when set, is done once beside the loops, which do not wait
	// for it: preparing the PDF engine before the first reply needs it.
	warm func(context.Context)
}

// dispatchPoll is how often the dispatch loop looks for newly queued work
// once the outbox is empty.
// Looking is two indexed reads, so a short interval costs nothing to
// speak of and a chaser or digest leaves soon after it is queued.
const dispatchPoll = 2 * time.Second

// newDaemon builds the loops from the config. Every loop of 'foidesk run'
// is added here, in one place: the deadline watcher and the chasers join
// the list the same way.
func newDaemon(ctx context.Context, e *env, f *runFlags, mon *monitor.Metrics) (*daemon, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	d := &daemon{sup: supervise.New(supervise.Options{Log: e.log})}
	if cfg.SMTP.Host == "" {
		d.note("dispatch: off, nothing will be sent ([smtp] host is not set)")
	} else {
		l, err := dispatchLoop(ctx, e, d.sup)
		if err != nil {
			return nil, err
		}
		d.add(l, fmt.Sprintf("dispatch: sending queued campaigns through %s", hostPort(cfg.SMTP.Host, cfg.SMTP.Port)))
	}
	if cfg.IMAP.Host == "" {
		d.note("imap: off, no replies will be read ([imap] host is not set)")
	} else {
		l, err := imapLoop(ctx, e, !f.noExtract, mon, d.sup)
		if err != nil {
			return nil, err
		}
		what := "storing and sorting replies, then extracting their text"
		if f.noExtract {
			what = "storing and sorting replies (--no-extract)"
		} else {
			d.warm = func(ctx context.Context) {
				// An extraction that comes meanwhile waits for this one
				// (the cache's lock) rather than compiling a second time.
				if err := preparePDFEngine(ctx, e); err != nil && ctx.Err() == nil {
					e.log.Warn("the PDF engine could not be prepared ahead; the first PDF will try again", "err", err)
				}
			}
		}
		d.add(l, fmt.Sprintf("imap: watching %v on %s, %s", mailboxes(cfg.IMAP.Mailboxes), hostPort(cfg.IMAP.Host, cfg.IMAP.Port), what))
	}
	al, note, err := alertsLoop(ctx, e, cfg.SMTP.Host != "")
	if err != nil {
		return nil, err
	}
	d.add(al, note)
	if cfg.SMTP.Host == "" || cfg.Requester.Email == "" {
		// The loop would queue letters that could not go.
		d.note("chasers: off, no chaser can be sent ([smtp] host or [requester] email is not set)")
	} else {
		ch, err := chasersLoop(ctx, e)
		if err != nil {
			return nil, err
		}
		d.add(ch, "chasers: queued for the dispatcher as they fall due, for each campaign with chasers on")
	}
	// Listening now, not in the loop, makes a taken or mistyped address a
	// clear error before anything starts.
	ln, err := net.Listen("tcp", cfg.Web.Listen)
	if err != nil {
		return nil, fmt.Errorf("[web] listen: %w", err)
	}
	mon.WatchLoops(d.sup.Health)
	st, err := e.store(ctx)
	if err != nil {
		return nil, err
	}
	app, err := newWebApp(cfg, st, e.log)
	if err != nil {
		return nil, err
	}
	// The review app takes every path but the two monitoring ones, which
	// are more specific and stay outside its sign-in.
	mux := monitor.NewMux(d.sup.Health, mon)
	mux.Handle("/", app.Handler())
	d.add(httpLoop(cfg.Web.Listen, ln, mux, e.log),
		fmt.Sprintf("http: the review app on http://%s/, with /healthz and /metrics", ln.Addr()))
	if n, err := st.users.Active(ctx); err == nil && n == 0 {
		d.note("http: nobody can sign in to the review app yet; add a user with 'foidesk users add NAME --admin'")
	}
	return d, nil
}

// run runs the loops and the warm-up until ctx ends and all have returned.
func (d *daemon) run(ctx context.Context) {
	var wg sync.WaitGroup
	if d.warm != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.warm(ctx)
		}()
	}
	d.sup.Run(ctx)
	wg.Wait()
}

func (d *daemon) add(l supervise.Loop, note string) {
	d.sup.Add(l)
	d.note(note)
}

func (d *daemon) note(s string) { d.notes = append(d.notes, s) }

// dispatchLoop sends every queued campaign, then looks again every
// dispatchPoll. The dispatcher keeps the rate and per-domain limits and
// schedules the retries; a configuration it cannot send with (a refused
// login, say) is an error, and the supervisor tries again later, since the
// user may fix it meanwhile. While the dispatcher itself retries an
// unreachable server, the loop is reported failing until a message goes.
func dispatchLoop(ctx context.Context, e *env, sup *supervise.Supervisor) (supervise.Loop, error) {
	cfg, err := e.config()
	if err != nil {
		return supervise.Loop{}, err
	}
	smtpCfg, limits, retry, err := campaignSMTP(cfg)
	if err != nil {
		return supervise.Loop{}, err
	}
	box, err := campaignSentBox(cfg)
	if err != nil {
		return supervise.Loop{}, err
	}
	st, err := e.store(ctx)
	if err != nil {
		return supervise.Loop{}, err
	}
	d := &mailer.Dispatcher{Store: st.campaigns, SMTP: smtpCfg, Limits: limits, Retry: retry, Log: e.log, Sent: box,
		OnOutcome: func(o mailer.Outcome) {
			e.log.Info("request "+o.State, "ref", o.Ref, "to", o.To, "attempt", o.Attempt, "code", o.Reply.Code, "reply", o.Reply.Text)
			if o.State == campaign.OutboxSent {
				sup.Report("dispatch", nil)
			}
		},
		OnConnectError: func(err error) { sup.Report("dispatch", err) },
		Clock:          e.now,
	}
	return supervise.Loop{Name: "dispatch", Run: func(ctx context.Context) error {
		for {
			// Asking first keeps an idle daemon from connecting anywhere:
			// the dispatcher is started only when there is work.
			now := time.Now()
			p, err := st.campaigns.OutboxPending(ctx, 0, now)
			if err != nil {
				return err
			}
			l, err := st.campaigns.LettersPending(ctx, 0, now)
			if err != nil {
				return err
			}
			if p.Ready+p.Waiting+p.Sending+l.Ready+l.Waiting+l.Sending > 0 {
				sum, err := d.Run(ctx, 0)
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if err != nil {
					return err
				}
				if sum.Sent+sum.Failed+sum.Unknown > 0 {
					e.log.Info("queue sent", "sent", sum.Sent, "failed", sum.Failed, "unknown", sum.Unknown)
				}
				if ls := sum.Letters; ls.Sent+ls.Failed+ls.Unknown > 0 {
					e.log.Info("letters sent", "sent", ls.Sent, "failed", ls.Failed, "unknown", ls.Unknown)
				}
			}
			if !mailconn.Sleep(ctx, dispatchPoll) {
				return ctx.Err()
			}
		}
	}}, nil
}

// imapLoop watches the mailboxes as 'foidesk ingest' does, logging what
// it stores and extracts. The watcher reconnects by itself, so it tells
// the supervisor when it fails and when a sync succeeds again.
func imapLoop(ctx context.Context, e *env, extractText bool, mon *monitor.Metrics, sup *supervise.Supervisor) (supervise.Loop, error) {
	w, err := newReplyWatcher(ctx, e, replyReport{
		result: func(r ingest.Result) {
			if r.Duplicate {
				return
			}
			e.log.Info("reply stored", "mailbox", r.Loc.Mailbox, "uid", r.Loc.UID, "message", r.MessageID, "kind", r.Kind, "ref", r.Ref, "matched_by", r.MatchedBy, "from", r.From)
		},
		progress: func(p extract.Progress) {
			e.log.Info("document extracted", "document", p.DocumentID, "message", p.Item.MessageID, "file", p.Item.Filename, "status", p.Status, "queued", p.Queued)
		},
		synced: func() {
			mon.IMAPSynced(time.Now())
			sup.Report("imap", nil)
		},
		failed: func(err error) { sup.Report("imap", err) },
	})
	if err != nil {
		return supervise.Loop{}, err
	}
	return supervise.Loop{Name: "imap", Run: func(ctx context.Context) error {
		err := w.watch(ctx, extractText, true)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}}, nil
}

// httpLoop serves h on ln; started again after a failure, it listens on
// addr anew.
func httpLoop(addr string, ln net.Listener, h http.Handler, log *slog.Logger) supervise.Loop {
	return supervise.Loop{Name: "http", Run: func(ctx context.Context) error {
		if ln == nil {
			var err error
			if ln, err = net.Listen("tcp", addr); err != nil {
				return fmt.Errorf("[web] listen: %w", err)
			}
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		served := make(chan error, 1)
		go func(l net.Listener) { served <- srv.Serve(l) }(ln)
		ln = nil // Serve closes it
		select {
		case err := <-served:
			return err
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			<-served
			return ctx.Err()
		}
	}}
}

func hostPort(host string, port int) string {
	if port == 0 {
		return host
	}
	return net.JoinHostPort(host, fmt.Sprint(port))
}

func mailboxes(names []string) []string {
	if len(names) == 0 {
		return []string{"INBOX"}
	}
	return names
}
