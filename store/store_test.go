package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// foundationOpen opens a new database in a temporary directory.
func foundationOpen(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "foidesk.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestMigrateEmptyDatabase(t *testing.T) {
	s := foundationOpen(t)
	v, err := s.UserVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v != SchemaVersion() || v == 0 {
		t.Fatalf("user_version %d, want %d", v, SchemaVersion())
	}
	for _, table := range []string{"authorities", "events"} {
		var n int
		if err := s.db.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s: %d, %v", table, n, err)
		}
	}
}

func TestOpenRefusesNewerDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "newer.db")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	newer := SchemaVersion() + 1
	if _, err := s.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", newer)); err != nil {
		t.Fatal(err)
	}
	s.Close()

	_, err = Open(ctx, path, Options{})
	var ns *ErrNewerSchema
	if !errors.As(err, &ns) {
		t.Fatalf("Open: %v, want ErrNewerSchema", err)
	}
	if ns.DBVersion != newer || ns.BinaryVersion != SchemaVersion() || !strings.Contains(err.Error(), "newer foidesk") || !strings.Contains(err.Error(), path) {
		t.Errorf("error %q", err)
	}
	db, err := sql.Open("sqlite", dsn(path, time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != newer {
		t.Errorf("user_version after refusal %d (%v), want it untouched at %d", v, err, newer)
	}
}

func TestEventsAreAppendOnly(t *testing.T) {
	ctx := context.Background()
	s := foundationOpen(t)
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		return s.AppendEvent(ctx, tx, "authority.added", Subject{Authority: 7}, map[string]string{"name": "Leeds"})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE events SET kind = 'authority.removed'`,
		`UPDATE events SET detail = '{}' WHERE id = 1`,
		`DELETE FROM events`,
		`DELETE FROM events WHERE id = 1`,
	} {
		if _, err := s.db.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err %v, want it refused as append-only", q, err)
		}
	}
	ev, err := s.Events(ctx, EventFilter{Kind: "authority."})
	if err != nil || len(ev) != 1 || ev[0].Subject.Authority != 7 || string(ev[0].Detail) != `{"name":"Leeds"}` {
		t.Errorf("events %+v, %v", ev, err)
	}
}

func TestEveryConnectionHasWALForeignKeysAndBusyTimeout(t *testing.T) {
	ctx := context.Background()
	s := foundationOpen(t)
	var conns []*sql.Conn
	for range 3 { // held at once, so each is a distinct connection
		c, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for i, c := range conns {
		var mode string
		var fk, busy int
		if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("conn %d: journal_mode %q %v", i, mode, err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
			t.Errorf("conn %d: foreign_keys %d %v", i, fk, err)
		}
		if err := c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil || busy != 10000 {
			t.Errorf("conn %d: busy_timeout %d %v", i, busy, err)
		}
	}
}

// Two read-then-write transactions at once must both succeed: BEGIN takes
// the write lock, so the second waits instead of failing with
// SQLITE_BUSY_SNAPSHOT after the first commits.
func TestConcurrentReadThenWriteTransactions(t *testing.T) {
	ctx := context.Background()
	s := foundationOpen(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Tx(ctx, func(tx *sql.Tx) error {
				var n int
				if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM events").Scan(&n); err != nil {
					return err
				}
				time.Sleep(20 * time.Millisecond)
				return s.AppendEvent(ctx, tx, "test.counted", Subject{}, map[string]int{"seen": n})
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("transaction %d: %v", i, err)
		}
	}
	ev, _ := s.Events(ctx, EventFilter{Kind: "test.counted"})
	for i, e := range ev { // serialised: each saw all the ones before it
		if want := fmt.Sprintf(`{"seen":%d}`, i); string(e.Detail) != want {
			t.Errorf("event %d detail %s, want %s", i, e.Detail, want)
		}
	}
}
