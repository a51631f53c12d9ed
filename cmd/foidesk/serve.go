package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"foidesk/blob"
	"foidesk/mailer"
	"foidesk/web"
)

func init() {
	register(newCommand(command{
		name:    "serve",
		summary: "serve the review app in the browser",
		help: `Serves the review app on [web] listen (default 127.0.0.1:8080), or on
--listen ADDR, until interrupted (Ctrl-C or SIGTERM), then finishes the
requests under way and stops. Reviewers sign in with the accounts
'foidesk users add' makes. foidesk speaks plain HTTP: to serve beyond this
machine, put an HTTPS reverse proxy in front of it and set [web]
behind_proxy = true, so session cookies are marked Secure.`,
	}, serve))
}

type serveFlags struct{ listen string }

func (f *serveFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.listen, "listen", "", "serve on `ADDR` (host:port) instead of [web] listen")
}

// shutdownGrace is how long requests under way may take to finish after
// an interrupt.
const shutdownGrace = 10 * time.Second

// serve runs the review app until ctx ends.
func serve(ctx context.Context, e *env, f *serveFlags, _ []string) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	addr := cfg.Web.Listen
	if f.listen != "" {
		if _, _, err := net.SplitHostPort(f.listen); err != nil {
			return usagef("--listen must be HOST:PORT (e.g. 127.0.0.1:8080), not %q", f.listen)
		}
		addr = f.listen
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	app, err := newWebApp(cfg, st, e.log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("serve on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           app.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(e.log.Handler(), slog.LevelWarn),
	}
	fmt.Fprintf(e.stdout, "foidesk: serving on http://%s\n", ln.Addr())
	if n, err := st.users.Active(ctx); err == nil && n == 0 {
		fmt.Fprintln(e.stdout, "foidesk: nobody can sign in yet; add a user with 'foidesk users add NAME --admin'")
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve on %s: %w", addr, err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return fmt.Errorf("stop serving: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(e.stdout, "foidesk: stopped")
	return nil
}

// newWebApp builds the review app as [web] configures it, over st. serve
// runs it on its own server; run mounts app.Handler() at "/" beside
// /healthz and /metrics.
func newWebApp(cfg *Config, st *stores, log *slog.Logger) (*web.App, error) {
	opts := web.Options{
		Store:       st.Store,
		Log:         log,
		BehindProxy: cfg.Web.BehindProxy,
		Sessions:    sessionPolicy(cfg),
		Originals:   blob.Store{Dir: cfg.Store.DataDir},
		Labels:      st.coding,
		Thresholds:  cfg.thresholds(),
		Codes:       resultCodes{st.coding},
	}
	// The timeline's internal-review form needs a letter to send: without
	// [requester] email there is none, and the form is left out.
	if cfg.Requester.Email != "" {
		comp, err := campaignComposer(cfg)
		if err != nil {
			return nil, err
		}
		opts.Reviews = reviewLetters{campaigns: st.campaigns, fu: mailer.FollowUps{Store: st.campaigns, Composer: comp, Rule: st.Lifecycle(), Log: log}, now: st.CampaignNow}
	}
	return web.New(opts)
}
