// Package user keeps the people who use the review app: their accounts
// and password hashes (argon2id, password.go), their server-side sign-in
// sessions (session.go), and the failed sign-ins that rate-limit
// guessing (limit.go).
//
// Every change is an event naming the user and, as "by", who made it: an
// admin's name from the web app, or "command line". Sign-in failures are
// not events: anyone can cause them, and the event log is append-only.
package user

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"foidesk/store"
)

// Store is the users and sessions of an open database.
type Store struct {
	core   *store.Store
	params Params
}

// New returns the users kept in st. New passwords are hashed with
// DefaultParams.
func New(st *store.Store) *Store { return &Store{core: st, params: DefaultParams} }

// User is one account.
type User struct {
	ID        int64
	Name      string
	Admin     bool
	Disabled  bool
	Removed   bool
	LastLogin time.Time // zero: never signed in
	CreatedAt time.Time
	UpdatedAt time.Time
	// Sessions is how many live sessions the user has (List fills it in).
	Sessions int
}

// Errors a caller can tell apart.
var (
	ErrExists    = errors.New("a user with that name already exists")
	ErrBadName   = errors.New("a user name is 1 to 64 letters, digits or . _ @ - (no spaces)")
	ErrLastAdmin = errors.New("this is the last active admin; make another admin first")
)

var validName = regexp.MustCompile(`^[\p{L}\p{N}._@-]{1,64}$`)

// tsFormat is a fixed-width UTC timestamp, so text comparison in SQL orders
// times correctly.
const tsFormat = "2006-01-02T15:04:05.000000Z"

func ts(t time.Time) string { return t.UTC().Format(tsFormat) }

func parseTS(s sql.NullString) time.Time {
	if !s.Valid {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339Nano, s.String)
	return t
}

// Add creates a user with password pw. by is who did it (an admin's name,
// or "command line"), for the event.
func (s *Store) Add(ctx context.Context, by, name, pw string, admin bool) (User, error) {
	if !validName.MatchString(name) {
		return User{}, fmt.Errorf("user %q: %w", name, ErrBadName)
	}
	if err := CheckPassword(pw); err != nil {
		return User{}, err
	}
	hash, err := hashPassword(pw, s.params)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.core.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE name = ?`, name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("user %q: %w (a removed user's name stays taken, so the coding history stays unambiguous)", name, ErrExists)
		}
		now := ts(s.core.Now())
		res, err := tx.ExecContext(ctx, `INSERT INTO users (name, admin, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			name, admin, hash, now, now)
		if err != nil {
			return fmt.Errorf("add user %q: %w", name, err)
		}
		id, _ := res.LastInsertId()
		if err := s.core.AppendEvent(ctx, tx, "user.added", store.Subject{}, map[string]any{"user": name, "admin": admin, "by": by}); err != nil {
			return err
		}
		u, err = getUser(ctx, tx, "id = ?", id)
		return err
	})
	return u, err
}

const userColumns = `id, name, admin, disabled_at IS NOT NULL, removed_at IS NOT NULL, last_login_at, created_at, updated_at`

func scanUser(row interface{ Scan(...any) error }) (User, error) {
	var u User
	var last, created, updated sql.NullString
	if err := row.Scan(&u.ID, &u.Name, &u.Admin, &u.Disabled, &u.Removed, &last, &created, &updated); err != nil {
		return User{}, err
	}
	u.LastLogin, u.CreatedAt, u.UpdatedAt = parseTS(last), parseTS(created), parseTS(updated)
	return u, nil
}

func getUser(ctx context.Context, q store.Querier, where string, args ...any) (User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, store.ErrNotFound
	}
	return u, err
}

// ByName finds a user, removed or not, by name in any case.
func (s *Store) ByName(ctx context.Context, name string) (User, error) {
	u, err := getUser(ctx, s.core.DB(), "name = ?", name)
	if errors.Is(err, store.ErrNotFound) {
		return User{}, fmt.Errorf("no user named %q: %w", name, store.ErrNotFound)
	}
	return u, err
}

// List lists every user who has not been removed, by name, with how many
// sessions each has live under p: for the web's admin page. Users are
// added by hand by an admin, dozens at most; the CLI pages them with Each.
func (s *Store) List(ctx context.Context, p Policy) ([]User, error) {
	out, err := s.users(ctx, p, "ORDER BY name COLLATE NOCASE", 0, -1)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Each calls fn with each user who has not been removed, in the order
// they were added (by id), in page pg, with how many sessions each has
// live under p, a batch at a time. It returns whether more users follow
// the last one given to fn.
func (s *Store) Each(ctx context.Context, p Policy, pg store.Page, fn func(User) error) (more bool, err error) {
	fetch := func(ctx context.Context, after int64, n int) ([]User, error) {
		return s.users(ctx, p, "ORDER BY id", after, n)
	}
	return store.Walk(ctx, pg, fetch, func(u User) int64 { return u.ID }, fn)
}

// users reads at most n (-1: all) live users with an id above after, in
// order.
func (s *Store) users(ctx context.Context, p Policy, order string, after int64, n int) ([]User, error) {
	now := s.core.Now()
	rows, err := s.core.DB().QueryContext(ctx, `SELECT `+userColumns+`,
		(SELECT count(*) FROM sessions WHERE user_id = users.id AND expires_at > ? AND last_seen_at > ?)
		FROM users WHERE removed_at IS NULL AND id > ? `+order+` LIMIT ?`,
		ts(now), ts(now.Add(-p.idle())), after, n)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	out := []User{}
	for rows.Next() {
		var u User
		var last, created, updated sql.NullString
		if err := rows.Scan(&u.ID, &u.Name, &u.Admin, &u.Disabled, &u.Removed, &last, &created, &updated, &u.Sessions); err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		u.LastLogin, u.CreatedAt, u.UpdatedAt = parseTS(last), parseTS(created), parseTS(updated)
		out = append(out, u)
	}
	return out, rows.Err()
}

// Active counts the users who can sign in: neither disabled nor removed.
func (s *Store) Active(ctx context.Context) (int, error) {
	var n int
	err := s.core.DB().QueryRowContext(ctx, `SELECT count(*) FROM users WHERE disabled_at IS NULL AND removed_at IS NULL`).Scan(&n)
	return n, err
}

// change runs fn on the live (not removed) user name inside one
// transaction, then records event kind with detail plus the user's name
// and by.
func (s *Store) change(ctx context.Context, by, name, kind string, detail map[string]any, fn func(tx *sql.Tx, u User, now string) error) error {
	return s.core.Tx(ctx, func(tx *sql.Tx) error {
		u, err := getUser(ctx, tx, "name = ? AND removed_at IS NULL", name)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no user named %q: %w", name, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if err := fn(tx, u, ts(s.core.Now())); err != nil {
			return err
		}
		if detail == nil {
			detail = map[string]any{}
		}
		detail["user"], detail["by"] = u.Name, by
		return s.core.AppendEvent(ctx, tx, kind, store.Subject{}, detail)
	})
}

// SetPassword replaces name's password and ends every session of theirs
// but keep (the one the change was made from; 0 for none). It returns how
// many sessions ended.
func (s *Store) SetPassword(ctx context.Context, by, name, pw string, keep int64) (int, error) {
	if err := CheckPassword(pw); err != nil {
		return 0, err
	}
	hash, err := hashPassword(pw, s.params)
	if err != nil {
		return 0, err
	}
	var ended int
	detail := map[string]any{}
	err = s.change(ctx, by, name, "user.password_changed", detail, func(tx *sql.Tx, u User, now string) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, now, u.ID); err != nil {
			return err
		}
		ended, err = endSessions(ctx, tx, u.ID, keep)
		detail["sessions_ended"] = ended
		return err
	})
	return ended, err
}

// SetDisabled disables or re-enables name. Disabling ends their sessions
// at once. The last active admin cannot be disabled.
func (s *Store) SetDisabled(ctx context.Context, by, name string, disabled bool) error {
	kind := "user.enabled"
	if disabled {
		kind = "user.disabled"
	}
	detail := map[string]any{}
	return s.change(ctx, by, name, kind, detail, func(tx *sql.Tx, u User, now string) error {
		if !disabled {
			_, err := tx.ExecContext(ctx, `UPDATE users SET disabled_at = NULL, updated_at = ? WHERE id = ?`, now, u.ID)
			return err
		}
		if err := keepAnAdmin(ctx, tx, u); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled_at = coalesce(disabled_at, ?), updated_at = ? WHERE id = ?`, now, now, u.ID); err != nil {
			return err
		}
		n, err := endSessions(ctx, tx, u.ID, 0)
		detail["sessions_ended"] = n
		return err
	})
}

// Remove removes name: they can no longer sign in, their sessions end,
// and they leave the list. Their row and name stay, so the history that
// names them stays theirs. The last active admin cannot be removed.
func (s *Store) Remove(ctx context.Context, by, name string) (int, error) {
	var ended int
	detail := map[string]any{}
	err := s.change(ctx, by, name, "user.removed", detail, func(tx *sql.Tx, u User, now string) error {
		if err := keepAnAdmin(ctx, tx, u); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET removed_at = ?, updated_at = ? WHERE id = ?`, now, now, u.ID); err != nil {
			return err
		}
		var err error
		ended, err = endSessions(ctx, tx, u.ID, 0)
		detail["sessions_ended"] = ended
		return err
	})
	return ended, err
}

// keepAnAdmin refuses to take away u when u is the last active admin and
// other users remain: somebody must be able to manage them from the web.
func keepAnAdmin(ctx context.Context, tx *sql.Tx, u User) error {
	if !u.Admin || u.Disabled {
		return nil
	}
	var admins, others int
	err := tx.QueryRowContext(ctx, `SELECT
		count(*) FILTER (WHERE admin = 1),
		count(*) FILTER (WHERE id != ?)
		FROM users WHERE disabled_at IS NULL AND removed_at IS NULL`, u.ID).Scan(&admins, &others)
	if err != nil {
		return err
	}
	if admins <= 1 && others > 0 {
		return fmt.Errorf("user %q: %w", u.Name, ErrLastAdmin)
	}
	return nil
}

// normalName is how a typed name is counted for rate limiting.
func normalName(name string) string { return strings.ToLower(strings.TrimSpace(name)) }
