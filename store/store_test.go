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

// foundationAt creates a database at path brought up to schema version v
// only (0: an empty file), as an older foidesk would have left it.
func foundationAt(t *testing.T, path string, v int) {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := &Store{db: db, path: path, now: time.Now}
	if err := s.migrateTo(context.Background(), v); err != nil {
		t.Fatalf("migrate to %d: %v", v, err)
	}
	if got, _ := s.userVersion(context.Background()); got != v {
		t.Fatalf("user_version %d, want %d", got, v)
	}
}

// foundationSchema is the database's schema, for comparing two databases.
func foundationSchema(t *testing.T, s *Store) string {
	t.Helper()
	rows, err := s.db.Query(`SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var typ, name, tbl, q string
		if err := rows.Scan(&typ, &name, &tbl, &q); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %s %s\n%s\n", typ, name, tbl, q)
	}
	return b.String()
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

// Every earlier version a user's database may be at must reach the current
// schema, identical to a new database's, without losing what it holds.
func TestMigrateFromEveryEarlierVersion(t *testing.T) {
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	want := foundationSchema(t, foundationOpen(t))
	versions := []int{0}
	for _, m := range ms[:len(ms)-1] {
		versions = append(versions, m.version)
	}
	for _, v := range versions {
		t.Run(fmt.Sprintf("from_%d", v), func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "old.db")
			foundationAt(t, path, v)
			if v >= 1 {
				db, err := sql.Open("sqlite", dsn(path, 5*time.Second))
				if err != nil {
					t.Fatal(err)
				}
				_, err = db.Exec(`INSERT INTO authorities (code, name, email, nation, regime, created_at, updated_at)
					VALUES ('OLD', 'Old Council', 'foi@old.gov.uk', 'Wales', 'foia', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')`)
				if err == nil {
					_, err = db.Exec(`INSERT INTO events (at, kind, authority_id) VALUES ('2024-01-01T00:00:00Z', 'authority.added', 1)`)
				}
				db.Close()
				if err != nil {
					t.Fatal(err)
				}
			}
			s, err := Open(ctx, path, Options{})
			if err != nil {
				t.Fatalf("open a database at version %d: %v", v, err)
			}
			defer s.Close()
			if got, _ := s.UserVersion(ctx); got != SchemaVersion() {
				t.Errorf("user_version %d, want %d", got, SchemaVersion())
			}
			if got := foundationSchema(t, s); got != want {
				t.Errorf("schema after migrating from %d differs from a new database's:\n%s\nwant\n%s", v, got, want)
			}
			if v >= 1 {
				list, err := s.Authorities(ctx, AuthorityFilter{})
				if err != nil || len(list) != 1 || list[0].Code != "OLD" || list[0].Email != "foi@old.gov.uk" {
					t.Errorf("authorities after migrating: %+v, %v", list, err)
				}
				ev, err := s.Events(ctx, EventFilter{})
				if err != nil || len(ev) != 1 || ev[0].Kind != "authority.added" {
					t.Errorf("events after migrating: %+v, %v", ev, err)
				}
			}
		})
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
