package user

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Sign-in rate limits. A name is locked after NameFailures failures
// within LockWindow, whoever typed them; an address after AddressFailures,
// whatever names it tried (higher, since an office may share one address).
// A success clears the name's count. The counts are in the database, so a
// restart does not reset them.
const (
	LockWindow      = 15 * time.Minute
	NameFailures    = 5
	AddressFailures = 20
)

// LockedError is the answer while a name or address is locked: it says
// when to try again.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return fmt.Sprintf("too many failed sign-ins; try again after %s", e.Until.UTC().Format("15:04 MST"))
}

// checkLocked returns a *LockedError while name or address is locked.
func (s *Store) checkLocked(ctx context.Context, name, address string) error {
	now := s.core.Now()
	var until time.Time
	for _, c := range []struct {
		col   string
		value string
		limit int
	}{{"name", name, NameFailures}, {"address", address, AddressFailures}} {
		if c.value == "" {
			continue
		}
		// The lock lasts until the limit-th most recent failure leaves the
		// window.
		var at sql.NullString
		err := s.core.DB().QueryRowContext(ctx, `SELECT at FROM login_failures WHERE `+c.col+` = ? AND at > ?
			ORDER BY at DESC LIMIT 1 OFFSET ?`, c.value, ts(now.Add(-LockWindow)), c.limit-1).Scan(&at)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("sign in: %w", err)
		}
		if u := parseTS(at).Add(LockWindow); u.After(until) {
			until = u
		}
	}
	if !until.IsZero() {
		return &LockedError{Until: until}
	}
	return nil
}

// recordFailure counts one failed sign-in.
func (s *Store) recordFailure(ctx context.Context, name, address string) error {
	return s.core.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO login_failures (at, name, address) VALUES (?, ?, ?)`, ts(s.core.Now()), name, address)
		return err
	})
}
