package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/registry"
)

// foundationAt creates a database at path brought up to schema version v
// only (0: an empty file), as an older foidesk would have left it.
func foundationAt(t *testing.T, path string, v int) {
	t.Helper()
	got, err := store.MigrateFileTo(context.Background(), path, v)
	if err != nil {
		t.Fatalf("migrate to %d: %v", v, err)
	}
	if got != v {
		t.Fatalf("user_version %d, want %d", got, v)
	}
}

// foundationSchema is the database's schema, for comparing two databases.
func foundationSchema(t *testing.T, s *store.Store) string {
	t.Helper()
	rows, err := s.DB().Query(`SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name`)
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

// Every earlier version a user's database may be at must reach the current
// schema, identical to a new database's, without losing what it holds.
func TestMigrateFromEveryEarlierVersion(t *testing.T) {
	ms, err := store.MigrationVersions()
	if err != nil {
		t.Fatal(err)
	}
	latest, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer latest.Close()
	want := foundationSchema(t, latest)
	versions := append([]int{0}, ms[:len(ms)-1]...)
	for _, v := range versions {
		t.Run(fmt.Sprintf("from_%d", v), func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "old.db")
			foundationAt(t, path, v)
			if v >= 1 {
				db, err := sql.Open("sqlite", store.DSN(path, 5*time.Second))
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
			s, err := store.Open(ctx, path, store.Options{})
			if err != nil {
				t.Fatalf("open a database at version %d: %v", v, err)
			}
			defer s.Close()
			if got, _ := s.UserVersion(ctx); got != store.SchemaVersion() {
				t.Errorf("user_version %d, want %d", got, store.SchemaVersion())
			}
			if got := foundationSchema(t, s); got != want {
				t.Errorf("schema after migrating from %d differs from a new database's:\n%s\nwant\n%s", v, got, want)
			}
			if v >= 1 {
				list, err := registry.New(s).Authorities(ctx, registry.AuthorityFilter{Limit: 1000})
				if err != nil || len(list) != 1 || list[0].Code != "OLD" || list[0].Email != "foi@old.gov.uk" {
					t.Errorf("authorities after migrating: %+v, %v", list, err)
				}
				ev, err := s.Events(ctx, store.EventFilter{})
				if err != nil || len(ev) != 1 || ev[0].Kind != "authority.added" {
					t.Errorf("events after migrating: %+v, %v", ev, err)
				}
			}
		})
	}
}

// Migration 70 rebuilds the messages table: every message keeps its id and
// fields, the rows that refer to it (locations, attachments, events) still
// do, and the foreign keys still hold.
func TestMigrateRebuildsMessagesKeepingReferences(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	foundationAt(t, path, 60)
	db, err := sql.Open("sqlite", store.DSN(path, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO messages (id, sha256, size, from_addr, subject, kind, kind_reason, received_at, created_at, updated_at)
			VALUES (7, 'aa', 10, 'x@stranger.example', 'Hello', 'response', 'no signs', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`,
		`INSERT INTO message_locations (mailbox, uidvalidity, uid, message_id, seen_at) VALUES ('INBOX', 1, 3, 7, '2026-01-01T00:00:00Z')`,
		`INSERT INTO attachments (message_id, seq, part, size, sha256) VALUES (7, 1, '2', 5, 'bb')`,
		`INSERT INTO events (at, kind, message_id) VALUES ('2026-01-01T00:00:00Z', 'message.recorded', 7)`,
	} {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	s, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	defer s.Close()
	var subject, kind, reason, detail string
	var dismissed sql.NullString
	if err := s.DB().QueryRow(`SELECT subject, kind, kind_reason, kind_detail, dismissed_at FROM messages WHERE id = 7`).Scan(&subject, &kind, &reason, &detail, &dismissed); err != nil {
		t.Fatal(err)
	}
	if subject != "Hello" || kind != "response" || reason != "no signs" || detail != "" || dismissed.Valid {
		t.Errorf("message after migrating: %q %q %q %q %v", subject, kind, reason, detail, dismissed)
	}
	rows, err := s.DB().Query(`PRAGMA foreign_key_check`)
	if err != nil {
		t.Fatal(err)
	}
	if rows.Next() {
		t.Error("foreign key violations after migrating")
	}
	rows.Close()
	if _, err := s.DB().Exec(`INSERT INTO attachments (message_id, seq, part, size, sha256) VALUES (8, 1, '2', 5, 'cc')`); err == nil {
		t.Error("an attachment of a message that does not exist was accepted: the foreign key is gone")
	}
	if _, err := s.DB().Exec(`UPDATE messages SET kind = 'refusal', kind_detail = 's.40 (personal information)' WHERE id = 7`); err != nil {
		t.Errorf("the new kind is refused: %v", err)
	}
	if _, err := s.DB().Exec(`UPDATE messages SET kind = 'spam' WHERE id = 7`); err == nil {
		t.Error("an unknown kind was accepted")
	}
}

// Migration 140 indexes the mail already stored, and its triggers keep
// the index in step with every later insert, change and removal.
func TestMigrateIndexesStoredMail(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	foundationAt(t, path, 120)
	db, err := sql.Open("sqlite", store.DSN(path, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`INSERT INTO messages (id, sha256, size, from_addr, from_name, subject, body_text, kind, received_at, created_at, updated_at)
		VALUES (7, 'aa', 10, 'foi@ashdown.gov.uk', 'Ashdown FOI', 'Your request', 'We hold no policy on covert recording.', 'response',
		'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	defer s.Close()
	match := func(q string) []int64 {
		t.Helper()
		rows, err := s.DB().Query(`SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid`, q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			out = append(out, id)
		}
		return out
	}
	for _, q := range []string{"covert", "ashdown", "request", `sender:"Ashdown FOI"`} {
		if got := match(q); len(got) != 1 || got[0] != 7 {
			t.Errorf("%s after migrating: %v", q, got)
		}
	}
	for _, q := range []string{
		`INSERT INTO messages (id, sha256, size, subject, body_text, kind, received_at, created_at, updated_at)
			VALUES (8, 'bb', 10, 'Prize', 'You won a zebra', 'response', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`,
		`UPDATE messages SET body_text = 'Our policy permits recording.' WHERE id = 7`,
	} {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if got := match("zebra"); len(got) != 1 || got[0] != 8 {
		t.Errorf("an inserted message is not indexed: %v", got)
	}
	if got := match("covert"); len(got) != 0 {
		t.Errorf("a changed text is still indexed as it was: %v", got)
	}
	if got := match("permits"); len(got) != 1 || got[0] != 7 {
		t.Errorf("a changed text is not indexed: %v", got)
	}
	if _, err := s.DB().Exec(`DELETE FROM messages WHERE id = 8`); err != nil {
		t.Fatal(err)
	}
	if got := match("zebra"); len(got) != 0 {
		t.Errorf("a removed message is still indexed: %v", got)
	}
}
