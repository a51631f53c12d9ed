package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"foidesk/authorities"
	"foidesk/clock"
	"foidesk/extract"
	"foidesk/internal/demo"
	"foidesk/lifecycle"
	"foidesk/mailer/smtptest"
	"foidesk/monitor"
	publish "foidesk/report"
	"foidesk/store/results"
	"foidesk/store/tally"
)

func init() {
	register(newCommand(command{
		name:    "demo",
		summary: "see foidesk work end to end: a campaign to simulated councils on a fast clock",
		help: `Runs a whole campaign in about two minutes, with nothing to configure and
no mail account: foidesk's own pipeline against simulated councils.

It makes a temporary data directory with its own database, starts an SMTP
and an IMAP server on loopback, imports the built-in UK councils (--authorities
of them, spread across the list) with addresses rewritten to
foi@CODE.demo.invalid, creates the recording-policy campaign with chasers on,
and runs what 'foidesk run' runs (dispatch, IMAP sync with triage, matching
and extraction, the deadline watcher with its alerts and daily digest, the
chasers, the review app) on a campaign clock --speed times faster than the
wall clock.

The councils answer over the following working days as real ones do:
acknowledgements with their own case references, out-of-office replies,
bounces, clarification requests, answers from a no-reply address, a policy
as a PDF (some late), a signed letter scanned to PDF that only OCR can
read, "not held" letters, refusals on cost, and silence, which goes overdue
and is alerted about and chased. Without tesseract the scanned letters wait
for OCR, and the demo says so at the end.

A progress line shows the campaign's date, the requests sent, the replies
and the requests overdue. The review app is served on --listen (a free
port if that one is taken) with a one-time login printed. Each alert
digest is printed when it is sent; at the end of the cycle, the report's
summary. Ctrl-C stops it early and cleanly. The temporary directory is
removed at the end unless --data was given.`,
	}, demoRun))
}

type demoFlags struct {
	listen      string
	authorities int
	speed       float64
	days        int
	data        string
}

// demoListen is the review app's address unless --listen says otherwise.
const demoListen = "127.0.0.1:8080"

// demoDays is how much of the campaign a demo plays by default: the 20
// working days, then enough after them for overdue requests to be alerted
// about and chased, and for the late answers to come.
const demoDays = 40

func (f *demoFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.listen, "listen", demoListen, "serve the review app on `ADDR` (a free port if the default is taken)")
	fs.IntVar(&f.authorities, "authorities", 40, "write to `N` of the built-in councils (0: all of them)")
	fs.Float64Var(&f.speed, "speed", demoDays*24*3600/120, "the campaign clock runs `X` times faster than the wall clock (the default plays the cycle in about two minutes)")
	fs.IntVar(&f.days, "days", demoDays, "play `N` days of the campaign (at least 30: the 20 working days and the overdue after them)")
	fs.StringVar(&f.data, "data", "", "keep the database and mail in `DIR` (new or empty) instead of a temporary directory")
}

// demoRequester is the campaigner the demo writes as.
const (
	demoRequester = "campaigner@foidesk.demo.invalid"
	demoDigest    = "alerts@foidesk.demo.invalid"
	demoCampaign  = "recording-policy"
	demoUser      = "demo"
)

func demoRun(ctx context.Context, e *env, f *demoFlags, _ []string) error {
	// The demo never touches a real database or config.
	if e.dbPath != "" || e.configPath != "" {
		return usagef("the demo makes its own database and config: give --data DIR to keep them, not --db or --config")
	}
	if f.authorities < 0 {
		return usagef("--authorities is a count (0: all)")
	}
	if f.days < 30 {
		return usagef("--days must be at least 30, to see the 20 working days out")
	}
	if f.speed < 1 || f.speed > clock.MaxSpeed {
		return usagef("--speed must be between 1 and %g", float64(clock.MaxSpeed))
	}
	// foidesk's own log would bury the progress line: only warnings and
	// errors are shown.
	e.log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	dir, cleanup, err := demoDir(f.data)
	if err != nil {
		return err
	}
	defer cleanup()
	// The database is closed before its directory goes.
	defer e.close()

	im, councils, err := demoCouncils(f.authorities)
	if err != nil {
		return err
	}
	sim := demo.NewCouncils(councils)
	sim.Digest = demoDigest
	smtpSrv, err := smtptest.Start(smtptest.Options{Hooks: smtptest.Hooks{Data: func(m smtptest.Message) smtptest.DataAction {
		sim.Receive(m.From, m.To, m.Data)
		return smtptest.DataAction{}
	}}})
	if err != nil {
		return fmt.Errorf("demo SMTP server: %w", err)
	}
	defer smtpSrv.Close()
	pw, err := demoPassword()
	if err != nil {
		return err
	}
	imapSrv, err := demo.StartIMAP("campaigner", pw)
	if err != nil {
		return fmt.Errorf("demo IMAP server: %w", err)
	}
	defer imapSrv.Close()
	sim.Deliver = func(raw []byte) error { return imapSrv.Deliver(raw) }

	listen, err := demoListenAddr(f.listen)
	if err != nil {
		return err
	}
	if e.cfg, err = demoConfig(dir, smtpSrv.Port, imapSrv, listen); err != nil {
		return err
	}
	// The councils' policies come within seconds of the start: the PDF
	// engine is prepared first (a notice on stderr when it is compiled),
	// before the campaign's clock starts.
	if err := preparePDFEngine(ctx, e); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		e.log.Warn("the PDF engine could not be prepared ahead; the first PDF will try again", "err", err)
	}
	start := time.Now()
	e.clock = clock.Accelerated(start, start, f.speed)
	sim.Now = e.now
	end := start.Add(time.Duration(f.days) * 24 * time.Hour)

	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	// The setup commands' own lines would bury the demo's: they go nowhere.
	out := e.stdout
	e.stdout = io.Discard
	err = demoSetup(ctx, e, im)
	e.stdout = out
	if err != nil {
		return err
	}
	loginPW, err := demoPassword()
	if err != nil {
		return err
	}
	if _, err := st.users.Add(ctx, cliActor, demoUser, loginPW, true); err != nil {
		return err
	}

	cfg := e.cfg
	mon := monitor.NewMetrics(monitor.MetricsOptions{Counts: tally.New(st.Store), Rule: st.Lifecycle(), Thresholds: cfg.thresholds(), Now: e.now})
	d, err := newDaemon(ctx, e, &runFlags{}, mon)
	if err != nil {
		return err
	}
	// Ctrl-C is caught from here on, before the login is printed.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	for _, line := range d.notes {
		e.log.Debug(line)
	}
	fmt.Fprintf(e.stdout, "foidesk demo: %d councils, the %s campaign, the clock %gx faster (%d days in about %s)\n",
		len(councils), demoCampaign, f.speed, f.days, (time.Duration(float64(end.Sub(start)) / f.speed)).Round(time.Second))
	fmt.Fprintf(e.stdout, "data: %s\n", dir)
	fmt.Fprintf(e.stdout, "review app: http://%s/  sign in as %s with password %s (this run only)\n\n", listen, demoUser, loginPW)

	p := &demoProgress{w: e.stdout, terminal: isTerminal(e.stdout), total: len(councils)}
	sim.OnDigest = p.digest
	loopCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	done := make(chan struct{})
	go func() {
		d.run(loopCtx)
		close(done)
	}()
	var simWG sync.WaitGroup
	simWG.Add(1)
	go func() {
		defer simWG.Done()
		sim.Run(loopCtx, 20*time.Millisecond)
	}()

	cycleCtx, cycleDone := context.WithCancel(ctx)
	defer cycleDone()
	finished := make(chan bool, 1)
	go func() {
		finished <- p.watch(cycleCtx, e, st, end)
		cycleDone()
	}()
	err = awaitStop(cycleCtx, e, sigs, stop, done, d.sup)
	cycleDone()
	complete := <-finished
	stop()
	simWG.Wait()
	p.end()
	if err != nil {
		return err
	}
	if errs := sim.Errors(); len(errs) > 0 {
		return fmt.Errorf("the simulated councils: %w", errors.Join(errs...))
	}
	if !complete {
		fmt.Fprintln(e.stdout, "demo stopped before the end of the cycle")
	}
	if demoFinished != nil {
		demoFinished(sim, st)
	}
	if err := demoSummary(context.WithoutCancel(ctx), e); err != nil {
		return err
	}
	if err := demoAwaitingOCR(context.WithoutCancel(ctx), e, f.data != ""); err != nil {
		return err
	}
	if f.data != "" {
		fmt.Fprintf(e.stdout, "\nThe database is %s: try 'foidesk --db %s report %s' or 'foidesk --db %s campaign status %s'.\n",
			filepath.Join(dir, "foidesk.db"), filepath.Join(dir, "foidesk.db"), demoCampaign, filepath.Join(dir, "foidesk.db"), demoCampaign)
	}
	return nil
}

// demoFinished, when set (by tests), is shown the simulated councils and
// the database once the demo's loops have stopped, before the summary.
var demoFinished func(sim *demo.Councils, st *stores)

// demoDir is the demo's data directory and what removes it afterwards
// (nothing, for one the user named).
func demoDir(data string) (string, func(), error) {
	if data == "" {
		dir, err := os.MkdirTemp("", "foidesk-demo-")
		if err != nil {
			return "", nil, err
		}
		return dir, func() { os.RemoveAll(dir) }, nil
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		return "", nil, err
	}
	ents, err := os.ReadDir(data)
	if err != nil {
		return "", nil, err
	}
	if len(ents) > 0 {
		return "", nil, usagef("--data %s: give a new or empty directory", data)
	}
	abs, err := filepath.Abs(data)
	if err != nil {
		return "", nil, err
	}
	return abs, func() {}, nil
}

// demoCouncils is the built-in council list, n of them spread across it
// (all for 0), with addresses at CODE.demo.invalid given through the
// import's own --emails path, and the councils' behaviours.
func demoCouncils(n int) (*authorities.Import, []demo.Council, error) {
	all, err := authorities.UKCouncils(nil)
	if err != nil {
		return nil, nil, err
	}
	rows := all.Rows
	if n == 0 || n > len(rows) {
		n = len(rows)
	}
	var csv strings.Builder
	csv.WriteString("code,email\n")
	picked := map[string]bool{}
	for i := 0; i < n; i++ {
		r := rows[i*len(rows)/n]
		picked[r.Code] = true
		fmt.Fprintf(&csv, "%s,%s\n", r.Code, demoAddress(r.Code))
	}
	emails, err := authorities.ParseEmails("demo-addresses.csv", strings.NewReader(csv.String()))
	if err != nil {
		return nil, nil, err
	}
	im, err := authorities.UKCouncils(emails)
	if err != nil {
		return nil, nil, err
	}
	kept := im.Rows[:0]
	var councils []demo.Council
	for _, r := range im.Rows {
		if !picked[r.Code] || r.Email == nil {
			continue
		}
		kept = append(kept, r)
		councils = append(councils, demo.Council{Code: r.Code, Name: r.Name, Email: *r.Email, Does: demo.BehaviourFor(len(councils))})
	}
	im.Rows = kept
	im.Notes = nil
	return im, councils, nil
}

func demoAddress(code string) string { return "foi@" + strings.ToLower(code) + ".demo.invalid" }

// demoSetup imports the councils, creates the campaign with chasers on
// and queues it for the dispatcher, through the commands' own paths.
func demoSetup(ctx context.Context, e *env, im *authorities.Import) error {
	if err := importAuthorities(ctx, e, im); err != nil {
		return fmt.Errorf("import the councils: %w", err)
	}
	if err := campaignCreate(ctx, e, &campaignCreateFlags{template: demoCampaign, all: true}, []string{demoCampaign}); err != nil {
		return fmt.Errorf("create the campaign: %w", err)
	}
	if err := campaignChasers(ctx, e, &campaignChasersFlags{after: 1, every: 3, max: 2}, []string{demoCampaign}); err != nil {
		return fmt.Errorf("turn chasers on: %w", err)
	}
	if err := campaignSend(ctx, e, &campaignSendFlags{queueOnly: true}, []string{demoCampaign}); err != nil {
		return fmt.Errorf("queue the campaign: %w", err)
	}
	return nil
}

// demoListenAddr is the review app's address: the one asked for, or a
// free loopback port when the default is taken.
func demoListenAddr(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil && addr == demoListen {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return "", fmt.Errorf("--listen: %w", err)
	}
	a := ln.Addr().String()
	ln.Close()
	return a, nil
}

// demoConfig is the configuration a demo runs with, built here rather than
// read from a file: loopback servers, and the campaigner's address.
func demoConfig(dir string, smtpPort int, imapSrv *demo.IMAP, listen string) (*Config, error) {
	pwFile := filepath.Join(dir, "imap-password")
	if err := os.WriteFile(pwFile, []byte(imapSrv.Password+"\n"), 0o600); err != nil {
		return nil, err
	}
	cfg := &Config{}
	cfg.Store = StoreConfig{Path: filepath.Join(dir, "foidesk.db"), DataDir: filepath.Join(dir, "data")}
	cfg.Requester = RequesterConfig{Name: "Ann Example", Email: demoRequester, ReplyPlusAddressing: true}
	cfg.SMTP = SMTPConfig{Host: "127.0.0.1", Port: smtpPort, TLS: "none", Timeout: Duration{5 * time.Second},
		RetryBase: Duration{100 * time.Millisecond}, RetryMax: Duration{time.Second}, MaxAttempts: 20}
	cfg.IMAP = IMAPConfig{Host: imapSrv.Host, Port: imapSrv.Port, TLS: "none", Username: imapSrv.User, PasswordFile: pwFile,
		Mailboxes: []string{"INBOX"}, Timeout: Duration{5 * time.Second}}
	cfg.Alerts = AlertsConfig{Email: demoDigest}
	cfg.Web = WebConfig{Listen: listen}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.applyDefaults()
	return cfg, nil
}

func demoPassword() (string, error) {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)), nil
}

// demoSummary prints the report's summary: its heading and the table of
// figures, as 'foidesk report' writes them in Markdown.
func demoSummary(ctx context.Context, e *env) error {
	day, err := e.statusDay("")
	if err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	c, err := st.campaigns.ByName(ctx, demoCampaign)
	if err != nil {
		return err
	}
	rp, err := campaignReport(ctx, results.New(st.Store), c, day, e.codes(st))
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := rp.WriteMarkdown(&b); err != nil {
		return err
	}
	md := b.String()
	if i := strings.Index(md, "\n\n| "+publish.Columns[0]); i >= 0 {
		md = md[:i+1]
	}
	fmt.Fprintf(e.stdout, "\n%s", md)
	return nil
}

// demoAwaitingOCR says, once, what became of the scanned replies when
// they could not be read: on a newcomer's machine without tesseract the
// demo still runs to the end, and the scans wait for OCR, listed and
// queued for review without their text. kept says whether the database
// outlives the demo (--data), so that they can be read later.
func demoAwaitingOCR(ctx context.Context, e *env, kept bool) error {
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	counts, err := tally.New(st.Store).Count(ctx)
	if err != nil {
		return err
	}
	n := counts.Documents[string(extract.StatusNeedsOCR)]
	if n == 0 {
		return nil
	}
	x, err := newExtractor(e, "auto")
	if err != nil {
		return err
	}
	ocr := x.OCRAvailable()
	x.Close()
	// One scan or several: "1 scanned document waits … its text … it is".
	what, its, itIs, it := "1 scanned document waits", "its", "it is", "it"
	if n > 1 {
		what, its, itIs, it = fmt.Sprintf("%d scanned documents wait", n), "their", "they are", "them"
	}
	db := e.cfg.Store.Path
	switch {
	case ocr:
		fmt.Fprintf(e.stdout, "\n%s for OCR: tesseract could not read %s ('foidesk --db %s documents list --status needs_ocr' says why).\n", what, it, db)
	case kept:
		fmt.Fprintf(e.stdout, "\n%s for OCR: tesseract is not installed, so %s text was not read (%s listed and queued for review without it).\n"+
			"Install it (apt-get install tesseract-ocr), then run 'foidesk --db %s documents reextract --status needs_ocr'.\n", what, its, itIs, db)
	default:
		fmt.Fprintf(e.stdout, "\n%s for OCR: tesseract is not installed, so %s text was not read (%s listed and queued for review without it).\n"+
			"Install it (apt-get install tesseract-ocr) and run the demo again to see %s read.\n", what, its, itIs, it)
	}
	return nil
}

// demoProgress is the progress line, and the digests printed as they go.
type demoProgress struct {
	w        io.Writer
	terminal bool
	total    int

	mu      sync.Mutex
	line    string
	lastDay string
	dirty   bool
}

// watch redraws the progress line until the campaign's clock passes end
// (true) or ctx ends (false).
func (p *demoProgress) watch(ctx context.Context, e *env, st *stores, end time.Time) bool {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		now := e.now()
		if err := p.update(ctx, e, st, now); err != nil && ctx.Err() == nil {
			e.log.Warn("progress", "err", err)
		}
		if !now.Before(end) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
}

func (p *demoProgress) update(ctx context.Context, e *env, st *stores, now time.Time) error {
	counts, err := tally.New(st.Store).Count(ctx)
	if err != nil {
		return err
	}
	day, err := e.statusDay("")
	if err != nil {
		return err
	}
	overdue := 0
	for _, g := range counts.Requests {
		sh, err := st.Lifecycle().Show(lifecycle.Request{Regime: g.Regime, Outbox: g.Outbox, Status: g.Status, Due: g.Due, RepliedOn: g.RepliedOn}, day.on, day.th)
		if err == nil && strings.Contains(sh.Status, "overdue") {
			overdue += g.N
		}
	}
	replies := 0
	for _, n := range counts.Messages {
		replies += n
	}
	line := fmt.Sprintf("%s  sent %d/%d  replies %d  overdue %d", now.In(londonLoc()).Format("Mon 2 Jan 2006 15:04"), counts.Outbox["sent"], p.total, replies, overdue)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.dirty = true
	} else if d := now.Format(time.DateOnly); d != p.lastDay && now.Weekday() == time.Monday || p.lastDay == "" {
		// Without a terminal to redraw on, a line a week.
		fmt.Fprintln(p.w, line)
		p.lastDay = d
	}
	p.line = line
	return nil
}

// digest prints an alert digest's text as it is sent.
func (p *demoProgress) digest(text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dirty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, "--- alert digest sent to %s ---\n%s\n---\n", demoDigest, strings.TrimSpace(text))
	if p.terminal && p.line != "" {
		fmt.Fprint(p.w, p.line)
	}
}

// end finishes the progress line.
func (p *demoProgress) end() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.terminal {
		fmt.Fprintln(p.w)
	} else if p.line != "" {
		fmt.Fprintln(p.w, p.line)
	}
}
