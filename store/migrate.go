package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Migrations are embedded, numbered .sql files (NNNN_name.sql). Each is
// applied in its own transaction together with the PRAGMA user_version bump,
// so a crash leaves the database at the previous version, never between two.
// Numbers need not be contiguous; user_version records the last applied one.
// An applied migration is never edited: schema changes are new files.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 || !strings.HasSuffix(name, ".sql") {
			return nil, fmt.Errorf("migration %q: name must be NNNN_description.sql", name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %q and %q share number %d", prev, name, v)
		}
		seen[v] = name
		body, err := fs.ReadFile(migrationFS, "migrations/"+name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// SchemaVersion is the newest schema version this binary knows.
func SchemaVersion() int {
	ms, err := loadMigrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// ErrNewerSchema reports a database written by a newer foidesk.
type ErrNewerSchema struct {
	Path          string
	DBVersion     int
	BinaryVersion int
}

func (e *ErrNewerSchema) Error() string {
	return fmt.Sprintf("database %s has schema version %d but this foidesk knows only up to %d: it was written by a newer foidesk; upgrade foidesk rather than risk damaging it",
		e.Path, e.DBVersion, e.BinaryVersion)
}

func (s *Store) userVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// UserVersion reports the schema version the database is at.
func (s *Store) UserVersion(ctx context.Context) (int, error) { return s.userVersion(ctx) }

// checkVersion is what a read-only open does instead of migrating: the
// schema must be this foidesk's.
func (s *Store) checkVersion(ctx context.Context) error {
	cur, err := s.userVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version of %s: %w", s.path, err)
	}
	switch latest := SchemaVersion(); {
	case cur > latest:
		return &ErrNewerSchema{Path: s.path, DBVersion: cur, BinaryVersion: latest}
	case cur < latest:
		return fmt.Errorf("the database %s has schema version %d and this foidesk needs %d; it can only be read once a command that writes (for instance 'foidesk requests recompute') has brought it up to date, which needs write access to it", s.path, cur, latest)
	}
	return nil
}

func (s *Store) migrate(ctx context.Context) error {
	return s.migrateTo(ctx, -1)
}

// migrateTo applies migrations up to and including version target (-1: all).
func (s *Store) migrateTo(ctx context.Context, target int) error {
	ms, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	cur, err := s.userVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version of %s: %w", s.path, err)
	}
	if latest := SchemaVersion(); cur > latest {
		return &ErrNewerSchema{Path: s.path, DBVersion: cur, BinaryVersion: latest}
	}
	for _, m := range ms {
		if m.version <= cur || (target >= 0 && m.version > target) {
			continue
		}
		err := s.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version))
			return err
		})
		if err != nil {
			return fmt.Errorf("apply migration %s to %s: %w", m.name, s.path, err)
		}
	}
	return nil
}
