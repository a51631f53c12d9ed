package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadOnlyOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "foidesk.db")

	// Nothing is created: a mistyped path is an error, not a new database.
	if _, err := Open(ctx, path, Options{ReadOnly: true}); err == nil {
		t.Fatal("a missing database was opened for reading")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("opening for reading created %s (%v)", path, err)
	}

	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AppendEvent(ctx, s.db, "test.before", Subject{}, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()

	r, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open for reading: %v", err)
	}
	evs, err := r.Events(ctx, EventFilter{Kind: "test.before"})
	if err != nil || len(evs) != 1 {
		t.Errorf("read %d events (%v)", len(evs), err)
	}
	if err := r.AppendEvent(ctx, r.db, "test.after", Subject{}, nil); err == nil {
		t.Error("a read-only store wrote an event")
	}
	r.Close()

	// An older schema is not migrated by a reader: it says what to do.
	s, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion()-1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, path, Options{ReadOnly: true}); err == nil || !strings.Contains(err.Error(), "write access") {
		t.Errorf("an older schema opened for reading: %v", err)
	}
}
