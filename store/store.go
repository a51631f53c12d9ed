// Package store is foidesk's database. It opens the SQLite file and owns
// what every stored concern shares: the schema and its migrations
// (migrate.go; migrations/ is the one place the schema is written), the
// write transaction every change goes through (Tx), the append-only event
// log that is the audit trail users publish from (events.go), and the
// request lifecycle (lifecycle.go, facts.go): each sent request's status
// and due date, derived from its facts inside every transaction that
// records one.
//
// What is stored is kept by one package per concern, each a handle built
// from an open Store with New, each recording its changes through Tx and
// AppendEvent in the same transaction:
//
//	store/registry  the authority register
//	store/campaign  campaigns, their requests, and the outbox that sends them
//	store/mail      the mail read from IMAP: messages, decisions, mailboxes
//	store/document  documents extracted from the mail, search, review queue
//	store/user      the review app's users, their sessions, sign-in limits
//	store/alert     the deadline watcher's alert states, transitions and digests
//
// Only this package and those speak SQL. Raw mail and attachments are
// files, in package blob; request references are package ref.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"time"

	"foidesk/lifecycle"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DefaultPath is the database file used when neither config nor --db names one.
const DefaultPath = "foidesk.db"

// Store is an open foidesk database. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
	now  func() time.Time
	// campaign is the campaign's clock (Options.Campaign).
	campaign func() time.Time
	rule     *lifecycle.Rule
}

// Options tunes Open. The zero value is what production uses.
type Options struct {
	// BusyTimeout is how long a connection waits for another writer's lock
	// before giving up with SQLITE_BUSY. Zero means 10 seconds.
	BusyTimeout time.Duration
	// Now replaces the clock used to stamp events; tests set it.
	Now func() time.Time
	// Campaign is the campaign's clock: the time a reply is received
	// (messages.received_at, which starts and stops request clocks) and
	// the latest a recorded fact may be. Nil means Now. foidesk sets it
	// from FOIDESK_CLOCK (package clock) for soaks and demonstrations;
	// event stamps, sessions and leases stay on Now.
	Campaign func() time.Time
	// Lifecycle derives each sent request's status and due date from its
	// facts, in every transaction that records one (lifecycle.go). Nil
	// means lifecycle.Statutory(): the embedded holidays and the statutory
	// receipt rule. foidesk passes the one [deadline] configures.
	Lifecycle *lifecycle.Rule
	// ReadOnly opens an existing database for reading only, for commands
	// that only look (a database the user may read but not write, such as
	// a colleague's copy, can still be listed). Nothing is created or
	// migrated: a database whose schema is older than this foidesk is
	// refused with a sentence saying how to bring it up to date.
	ReadOnly bool
}

// dsn builds the connection string. Every connection gets WAL, foreign keys
// and a busy timeout, and BEGIN takes the write lock at once
// (_txlock=immediate) so a read-then-write transaction cannot fail half way
// with SQLITE_BUSY_SNAPSHOT when another writer commits in between.
func dsn(path string, busy time.Duration) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_txlock", "immediate")
	return "file:" + path + "?" + q.Encode()
}

// dsnReadOnly is dsn for reading only: SQLite's read-only mode, no pragma
// that writes, and no write lock taken by BEGIN. immutable says no one can
// be writing the file (see openReadOnly).
func dsnReadOnly(path string, busy time.Duration, immutable bool) string {
	q := url.Values{}
	q.Add("mode", "ro")
	if immutable {
		q.Add("immutable", "1")
	}
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database at path and brings its schema
// up to date. A database written by a newer foidesk is refused.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" {
		path = DefaultPath
	}
	if opts.BusyTimeout == 0 {
		opts.BusyTimeout = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Campaign == nil {
		opts.Campaign = opts.Now
	}
	if opts.Lifecycle == nil {
		opts.Lifecycle = lifecycle.Statutory()
	}
	if opts.ReadOnly {
		return openReadOnly(ctx, path, opts)
	}
	db, err := sql.Open("sqlite", dsn(path, opts.BusyTimeout))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s := &Store{db: db, path: path, now: opts.Now, campaign: opts.Campaign, rule: opts.Lifecycle}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// openReadOnly opens an existing database for reading. A WAL database is
// read through its -shm index, which SQLite creates when it is missing;
// where it is missing and the directory is not ours to write, no writer
// can be at work (a writer would have made it), so the file is read as
// immutable instead.
func openReadOnly(ctx context.Context, path string, opts Options) (*Store, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("there is no database at %s: %w", path, fs.ErrNotExist)
	} else if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	open := func(immutable bool) (*Store, error) {
		db, err := sql.Open("sqlite", dsnReadOnly(path, opts.BusyTimeout, immutable))
		if err != nil {
			return nil, err
		}
		s := &Store{db: db, path: path, now: opts.Now, campaign: opts.Campaign, rule: opts.Lifecycle}
		if err := s.checkVersion(ctx); err != nil {
			db.Close()
			return nil, err
		}
		return s, nil
	}
	s, err := open(false)
	if err == nil {
		return s, nil
	}
	_, shmErr := os.Stat(path + "-shm")
	if !os.IsNotExist(shmErr) {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s, err2 := open(true)
	if err2 != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return s, nil
}

// Close releases the database.
func (s *Store) Close() error { return s.db.Close() }

// Lifecycle is the rule the store derives request clocks with, for showing
// a request's status on a given date (lifecycle.Rule.Show).
func (s *Store) Lifecycle() *lifecycle.Rule { return s.rule }

// Path is the file the store was opened from.
func (s *Store) Path() string { return s.path }

// DB is the database, for the reads of the packages that own each stored
// concern (store/registry, store/campaign, store/mail, store/document).
// Every write goes through Tx.
func (s *Store) DB() *sql.DB { return s.db }

// Now is the clock the store stamps events and rows with (Options.Now).
func (s *Store) Now() time.Time { return s.now() }

// CampaignNow is the campaign's clock (Options.Campaign): the time a reply
// is received and a fact may be recorded up to.
func (s *Store) CampaignNow() time.Time { return s.campaign() }

// Tx runs fn inside one write transaction, committing when fn returns nil
// and rolling back otherwise, so callers never half-write. A change and the
// events that record it (AppendEvent) are written in the same Tx.
func (s *Store) Tx(ctx context.Context, fn func(*sql.Tx) error) (err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// Querier is what the event log and the lifecycle need of a connection: a
// *sql.Tx inside Tx, or the outbox's own connection inside its own BEGIN
// (store/campaign).
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
