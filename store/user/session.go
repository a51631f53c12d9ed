package user

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"foidesk/store"
)

// Policy is how long a session lives: it ends after Idle without a
// request, and at Max after sign-in whatever the activity.
type Policy struct {
	Idle time.Duration
	Max  time.Duration
}

// Default session lifetimes: a working day idle, a week at most.
const (
	DefaultIdle = 12 * time.Hour
	DefaultMax  = 7 * 24 * time.Hour
)

func (p Policy) idle() time.Duration {
	if p.Idle <= 0 {
		return DefaultIdle
	}
	return p.Idle
}

func (p Policy) max() time.Duration {
	if p.Max <= 0 {
		return DefaultMax
	}
	return p.Max
}

// Session is one signed-in browser. The token that names it lives only in
// the browser's cookie; the database keeps its sha256.
type Session struct {
	ID        int64
	UserID    int64
	User      string
	Admin     bool
	Address   string
	UserAgent string
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time
}

// ErrNoSession is returned for a token that names no live session: never
// issued, signed out, revoked, or expired.
var ErrNoSession = errors.New("no such session")

// ErrBadLogin is the one answer to a wrong name or a wrong password, so a
// guesser cannot tell which names exist.
var ErrBadLogin = errors.New("that name and password do not match")

// touchEvery is how stale last_seen_at may get before a request writes
// it again: idle expiry needs minutes, not every request's write.
const touchEvery = time.Minute

// newToken draws a session token: 256 random bits, URL-safe base64.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Attempt is one sign-in: what was typed, and where it came from.
type Attempt struct {
	Name      string
	Password  string
	Address   string // client IP, without port
	UserAgent string
}

// Login checks a sign-in and, when it is right, starts a new session and
// returns its token (for the cookie) and the session. A name or address
// with too many recent failures gets a *LockedError without the password
// being looked at; a wrong name or password gets ErrBadLogin and counts
// as a failure.
func (s *Store) Login(ctx context.Context, a Attempt, p Policy) (string, Session, error) {
	name := normalName(a.Name)
	if err := s.checkLocked(ctx, name, a.Address); err != nil {
		return "", Session{}, err
	}
	var id int64
	hash := dummyHash()
	err := s.core.DB().QueryRowContext(ctx, `SELECT id, password_hash FROM users
		WHERE name = ? AND disabled_at IS NULL AND removed_at IS NULL`, a.Name).Scan(&id, &hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", Session{}, fmt.Errorf("sign in: %w", err)
	}
	ok, verr := verifyPassword(a.Password, hash)
	if verr != nil {
		return "", Session{}, fmt.Errorf("sign in %q: %w", a.Name, verr)
	}
	if !ok || id == 0 {
		if err := s.recordFailure(ctx, name, a.Address); err != nil {
			return "", Session{}, err
		}
		if err := s.checkLocked(ctx, name, a.Address); err != nil {
			return "", Session{}, err
		}
		return "", Session{}, ErrBadLogin
	}
	token, err := newToken()
	if err != nil {
		return "", Session{}, err
	}
	var sess Session
	err = s.core.Tx(ctx, func(tx *sql.Tx) error {
		now := s.core.Now()
		if err := prune(ctx, tx, now, p); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE name = ?`, name); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET last_login_at = ? WHERE id = ?`, ts(now), id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_sha256, user_id, address, user_agent, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, tokenHash(token), id, a.Address, truncate(a.UserAgent, 300), ts(now), ts(now), ts(now.Add(p.max())))
		if err != nil {
			return err
		}
		sid, _ := res.LastInsertId()
		if sess, err = getSession(ctx, tx, "s.id = ?", sid); err != nil {
			return err
		}
		return s.core.AppendEvent(ctx, tx, "user.signed_in", store.Subject{}, map[string]any{"user": sess.User, "session": sid})
	})
	if err != nil {
		return "", Session{}, fmt.Errorf("sign in: %w", err)
	}
	return token, sess, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// prune deletes what can no longer matter: sessions past their end and
// failures older than a day.
func prune(ctx context.Context, tx *sql.Tx, now time.Time, p Policy) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?`,
		ts(now), ts(now.Add(-p.idle()))); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE at <= ?`, ts(now.Add(-24*time.Hour)))
	return err
}

const sessionQuery = `SELECT s.id, s.user_id, u.name, u.admin, s.address, s.user_agent, s.created_at, s.last_seen_at, s.expires_at
	FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.disabled_at IS NULL AND u.removed_at IS NULL AND `

func scanSession(row interface{ Scan(...any) error }) (Session, error) {
	var x Session
	var c, l, e sql.NullString
	if err := row.Scan(&x.ID, &x.UserID, &x.User, &x.Admin, &x.Address, &x.UserAgent, &c, &l, &e); err != nil {
		return Session{}, err
	}
	x.CreatedAt, x.LastSeen, x.ExpiresAt = parseTS(c), parseTS(l), parseTS(e)
	return x, nil
}

func getSession(ctx context.Context, q store.Querier, where string, args ...any) (Session, error) {
	x, err := scanSession(q.QueryRowContext(ctx, sessionQuery+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	return x, err
}

// Session returns the live session token names and notes that it was
// just used. An expired session is deleted and reported as ErrNoSession,
// as is one whose user has been disabled or removed.
func (s *Store) Session(ctx context.Context, token string, p Policy) (Session, error) {
	if token == "" {
		return Session{}, ErrNoSession
	}
	x, err := getSession(ctx, s.core.DB(), "s.token_sha256 = ?", tokenHash(token))
	if err != nil {
		return Session{}, err
	}
	now := s.core.Now()
	if !now.Before(x.ExpiresAt) || !now.Before(x.LastSeen.Add(p.idle())) {
		err := s.core.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, x.ID)
			return err
		})
		if err != nil {
			return Session{}, err
		}
		return Session{}, ErrNoSession
	}
	if now.Sub(x.LastSeen) >= touchEvery {
		err := s.core.Tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ?`, ts(now), x.ID)
			return err
		})
		if err != nil {
			return Session{}, err
		}
		x.LastSeen = now
	}
	return x, nil
}

// Logout ends the session token names, if it is live.
func (s *Store) Logout(ctx context.Context, token string) error {
	return s.core.Tx(ctx, func(tx *sql.Tx) error {
		x, err := getSession(ctx, tx, "s.token_sha256 = ?", tokenHash(token))
		if errors.Is(err, ErrNoSession) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, x.ID); err != nil {
			return err
		}
		return s.core.AppendEvent(ctx, tx, "user.signed_out", store.Subject{}, map[string]any{"user": x.User, "session": x.ID})
	})
}

// Sessions lists the live sessions of user userID, newest first.
func (s *Store) Sessions(ctx context.Context, userID int64, p Policy) ([]Session, error) {
	now := s.core.Now()
	rows, err := s.core.DB().QueryContext(ctx, sessionQuery+`s.user_id = ? AND s.expires_at > ? AND s.last_seen_at > ? ORDER BY s.id DESC`,
		userID, ts(now), ts(now.Add(-p.idle())))
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		x, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// RevokeSession ends session id of user name; a session that is not
// theirs is store.ErrNotFound, so nobody can end another's by number.
func (s *Store) RevokeSession(ctx context.Context, by, name string, id int64) error {
	return s.change(ctx, by, name, "user.session_revoked", map[string]any{"session": id}, func(tx *sql.Tx, u User, _ string) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ? AND user_id = ?`, id, u.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("session %d of %s: %w", id, u.Name, store.ErrNotFound)
		}
		return nil
	})
}

// RevokeSessions ends every session of user name and returns how many.
func (s *Store) RevokeSessions(ctx context.Context, by, name string) (int, error) {
	var ended int
	detail := map[string]any{}
	err := s.change(ctx, by, name, "user.sessions_revoked", detail, func(tx *sql.Tx, u User, _ string) error {
		var err error
		ended, err = endSessions(ctx, tx, u.ID, 0)
		detail["sessions_ended"] = ended
		return err
	})
	return ended, err
}

// endSessions deletes every session of userID but keep.
func endSessions(ctx context.Context, tx *sql.Tx, userID, keep int64) (int, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id != ?`, userID, keep)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Verify checks a signed-in user's password again before a sensitive
// change (their own password). It counts and limits failures as Login
// does, so a stolen session cannot be used to guess the password.
func (s *Store) Verify(ctx context.Context, name, pw, address string) error {
	n := normalName(name)
	if err := s.checkLocked(ctx, n, address); err != nil {
		return err
	}
	hash := dummyHash()
	err := s.core.DB().QueryRowContext(ctx, `SELECT password_hash FROM users
		WHERE name = ? AND disabled_at IS NULL AND removed_at IS NULL`, name).Scan(&hash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	ok, err := verifyPassword(pw, hash)
	if err != nil {
		return err
	}
	if !ok {
		if err := s.recordFailure(ctx, n, address); err != nil {
			return err
		}
		return ErrBadLogin
	}
	return nil
}
