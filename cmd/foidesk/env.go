package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"

	"foidesk/clock"
	"foidesk/deadline"
	"foidesk/extract"
	"foidesk/lifecycle"
	"foidesk/store"
	"foidesk/store/alert"
	"foidesk/store/campaign"
	"foidesk/store/coding"
	"foidesk/store/document"
	"foidesk/store/mail"
	"foidesk/store/registry"
	"foidesk/store/user"
)

// globals are the flags every command accepts.
type globals struct {
	configPath string
	dbPath     string
	logFormat  string
}

// env is what a command runs with: its streams, logger, and lazily loaded
// config and store.
type env struct {
	globals
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
	// clock is the campaign's clock: the wall clock, or the accelerated
	// one FOIDESK_CLOCK sets (readClock). Everything that dates or judges
	// a campaign asks e.now(); waits, retries, leases and sessions stay on
	// the wall clock.
	clock clock.Clock

	cfg *Config
	st  *stores            // opened by store() or readStore(), closed after the command
	x   *extract.Extractor // built by extractor(), closed after the command
	// stReadOnly: st was opened by readStore, for reading only.
	stReadOnly bool
	// noticesToLog: what the extractors say about the PDF engine goes to
	// the log (run), not to stderr as a line of its own (pdfNotice).
	noticesToLog bool
	noticeMu     sync.Mutex
	noticed      map[string]bool
}

// now is the campaign's time now (e.clock).
func (e *env) now() time.Time { return e.clock.Now() }

// readClock sets e.clock from $FOIDESK_CLOCK, the one place it is read:
// unset is the wall clock; a malformed value is refused. An accelerated
// clock is said loudly, since every date foidesk records follows it.
func (e *env) readClock() error {
	c, err := clock.Parse(os.Getenv(clock.Env), time.Now())
	if err != nil {
		return err
	}
	e.clock = c
	if !c.IsWall() {
		e.log.Warn("clock accelerated: "+c.String()+"; deadlines, deliveries, replies, alerts and chasers are dated by it (unset "+clock.Env+" for the real time)", "campaign_now", c.Now().UTC().Format(time.RFC3339))
	}
	return nil
}

// config loads the config file once: --config, else $FOIDESK_CONFIG, else
// ./foidesk.toml if it exists, else defaults.
func (e *env) config() (*Config, error) {
	if e.cfg != nil {
		return e.cfg, nil
	}
	path, explicit := e.configPath, e.configPath != ""
	if path == "" {
		if p := os.Getenv("FOIDESK_CONFIG"); p != "" {
			path, explicit = p, true
		} else {
			path = "foidesk.toml"
		}
	}
	cfg, err := LoadConfig(path, explicit)
	if err != nil {
		return nil, err
	}
	e.cfg = cfg
	return cfg, nil
}

// stores is an open database with a handle on each concern kept in it
// (package store lists them). The core's own methods (the event log, the
// request lifecycle, Close) are promoted; each concern is a field.
type stores struct {
	*store.Store
	register  *registry.Store
	campaigns *campaign.Store
	mail      *mail.Store
	documents *document.Store
	users     *user.Store
	alerts    *alert.Store
	coding    *coding.Store
}

// openStore opens the database named by --db, else [store] path, else
// foidesk.db in the working directory, with the request lifecycle that
// [deadline] configures: every command that records a fact derives the
// request's clock from the same holidays and receipt rule.
func (e *env) openStore(ctx context.Context) (*stores, error) {
	return e.openStores(ctx, false)
}

// openStores is openStore, for reading only when readOnly.
func (e *env) openStores(ctx context.Context, readOnly bool) (*stores, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	rule, err := e.lifecycle()
	if err != nil {
		return nil, err
	}
	path := e.dbPath
	if path == "" {
		path = cfg.Store.Path
	}
	st, err := store.Open(ctx, path, store.Options{Lifecycle: rule, ReadOnly: readOnly, Campaign: e.now})
	if readOnly && errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%v; check --db or [store] path (a new database is made by 'foidesk authorities import')", err)
	}
	if err != nil {
		return nil, err
	}
	return &stores{Store: st, register: registry.New(st), campaigns: campaign.New(st), mail: mail.New(st), documents: document.New(st),
		users: user.New(st), alerts: alert.New(st), coding: coding.New(st)}, nil
}

// lifecycle builds the request lifecycle's rule from [deadline]:
// the embedded holidays merged with holidays_file, and receipt_rule.
func (e *env) lifecycle() (*lifecycle.Rule, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	h, err := loadHolidays(cfg.Deadline.HolidaysFile)
	if err != nil {
		return nil, fmt.Errorf("[deadline] %w", err)
	}
	rule, err := deadline.ParseReceiptRule(cfg.Deadline.ReceiptRule)
	if err != nil {
		return nil, fmt.Errorf("[deadline] receipt_rule: %w", err)
	}
	return lifecycle.New(h, rule), nil
}
