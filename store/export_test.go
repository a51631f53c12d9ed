package store

import (
	"context"
	"database/sql"
	"time"
)

// DSN is the connection string Open uses.
var DSN = dsn

// MigrateFileTo brings the database at path (created if need be) up to
// schema version v only (0: an empty file), as an older foidesk would have
// left it, and reports the version it is at afterwards.
func MigrateFileTo(ctx context.Context, path string, v int) (int, error) {
	db, err := sql.Open("sqlite", dsn(path, 5*time.Second))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	s := &Store{db: db, path: path, now: time.Now}
	if err := s.migrateTo(ctx, v); err != nil {
		return 0, err
	}
	return s.userVersion(ctx)
}

// MigrationVersions lists the embedded migrations' versions in order.
func MigrationVersions() ([]int, error) {
	ms, err := loadMigrations()
	var vs []int
	for _, m := range ms {
		vs = append(vs, m.version)
	}
	return vs, err
}

// EventsQuery is the SQL and arguments Events runs, for the tests of its
// query plan.
var EventsQuery = eventsQuery

// SetRecomputeBatch makes RecomputeClocks's batches n requests long until
// the returned function restores them.
func SetRecomputeBatch(n int) (restore func()) {
	old := recomputeBatch
	recomputeBatch = n
	return func() { recomputeBatch = old }
}

// RecomputeQueries are the queries of one recompute batch, each with
// arguments of the right shape and, where it matters, the index its plan
// must use.
var RecomputeQueries = []struct {
	SQL   string
	Args  []any
	Index string
}{
	{recomputeRequests, []any{0, 500}, ""},
	{recomputeReplies, []any{1, 500}, ""},
	{recomputeFacts, []any{1, 500}, "events_request_facts"},
}
