package user

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"foidesk/store"
)

// clock is a settable time for the store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func open(t *testing.T) (*Store, *store.Store, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "f.db"), store.Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return New(st), st, c
}

const pw = "correct horse battery"

func TestPasswordHashIsPHCAndVerifies(t *testing.T) {
	h, err := hashPassword(pw, DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("not PHC argon2id: %s", h)
	}
	if ok, err := verifyPassword(pw, h); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, _ := verifyPassword(pw+"x", h); ok {
		t.Fatal("wrong password verified")
	}
	// Parameters come from the hash, not from the current defaults.
	h2, _ := hashPassword(pw, Params{Memory: 8 * 1024, Time: 1, Threads: 2})
	if ok, err := verifyPassword(pw, h2); !ok || err != nil {
		t.Fatalf("hash with other parameters: %v %v", ok, err)
	}
	if _, err := verifyPassword(pw, "$2a$10$bcrypt"); err == nil {
		t.Fatal("a foreign hash must be an error")
	}
}

func TestAddRefusesShortPasswordsBadAndDuplicateNames(t *testing.T) {
	us, st, _ := open(t)
	ctx := context.Background()
	if _, err := us.Add(ctx, "command line", "ana", "short", false); !errors.Is(err, ErrShortPassword) {
		t.Fatalf("short password: %v", err)
	}
	if _, err := us.Add(ctx, "command line", "ana smith", pw, false); !errors.Is(err, ErrBadName) {
		t.Fatalf("name with a space: %v", err)
	}
	u, err := us.Add(ctx, "command line", "Ana", pw, true)
	if err != nil || !u.Admin || u.Name != "Ana" {
		t.Fatalf("add: %+v %v", u, err)
	}
	if _, err := us.Add(ctx, "command line", "ANA", pw, false); !errors.Is(err, ErrExists) {
		t.Fatalf("same name in other case: %v", err)
	}
	evs, _ := st.Events(ctx, store.EventFilter{Kind: "user.added"})
	if len(evs) != 1 || !strings.Contains(string(evs[0].Detail), `"user":"Ana"`) || !strings.Contains(string(evs[0].Detail), `"by":"command line"`) {
		t.Fatalf("events: %+v", evs)
	}
	var stored string
	st.DB().QueryRow(`SELECT password_hash FROM users`).Scan(&stored)
	if strings.Contains(stored, pw) || !strings.HasPrefix(stored, "$argon2id$") {
		t.Fatalf("stored hash %q", stored)
	}
}

func TestLoginStoresOnlyTheTokensHash(t *testing.T) {
	us, st, _ := open(t)
	ctx := context.Background()
	us.Add(ctx, "t", "ana", pw, false)
	token, sess, err := us.Login(ctx, Attempt{Name: "ANA", Password: pw, Address: "192.0.2.1", UserAgent: "test"}, Policy{})
	if err != nil {
		t.Fatal(err)
	}
	if len(token) != 43 || sess.User != "ana" {
		t.Fatalf("token %q session %+v", token, sess)
	}
	var n int
	st.DB().QueryRow(`SELECT count(*) FROM sessions WHERE token_sha256 = ?`, token).Scan(&n)
	if n != 0 {
		t.Fatal("the raw token is in the database")
	}
	got, err := us.Session(ctx, token, Policy{})
	if err != nil || got.ID != sess.ID {
		t.Fatalf("session: %+v %v", got, err)
	}
	if _, err := us.Session(ctx, token+"x", Policy{}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("another token: %v", err)
	}
}

func TestWrongPasswordAndUnknownNameGetTheSameAnswer(t *testing.T) {
	us, _, _ := open(t)
	ctx := context.Background()
	us.Add(ctx, "t", "ana", pw, false)
	_, _, e1 := us.Login(ctx, Attempt{Name: "ana", Password: "wrong password!", Address: "a"}, Policy{})
	_, _, e2 := us.Login(ctx, Attempt{Name: "bob", Password: "wrong password!", Address: "b"}, Policy{})
	if !errors.Is(e1, ErrBadLogin) || !errors.Is(e2, ErrBadLogin) || e1.Error() != e2.Error() {
		t.Fatalf("%v / %v", e1, e2)
	}
}

func TestLoginLocksANameAfterFiveFailuresUntilTheWindowPasses(t *testing.T) {
	us, _, c := open(t)
	ctx := context.Background()
	us.Add(ctx, "t", "ana", pw, false)
	var err error
	for i := 0; i < NameFailures; i++ {
		_, _, err = us.Login(ctx, Attempt{Name: "ana", Password: "not the password", Address: "192.0.2." + string(rune('1'+i))}, Policy{})
		c.add(time.Minute)
	}
	var locked *LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("fifth failure: %v", err)
	}
	if want := time.Date(2026, 12, 1, 9, 15, 0, 0, time.UTC); !locked.Until.Equal(want) {
		t.Fatalf("locked until %v, want %v", locked.Until, want)
	}
	// The right password does not get in while locked, from anywhere.
	if _, _, err := us.Login(ctx, Attempt{Name: "ana", Password: pw, Address: "198.51.100.7"}, Policy{}); !errors.As(err, &locked) {
		t.Fatalf("right password while locked: %v", err)
	}
	c.t = locked.Until.Add(time.Second)
	if _, _, err := us.Login(ctx, Attempt{Name: "ana", Password: pw, Address: "198.51.100.7"}, Policy{}); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

func TestLoginLocksAnAddressTryingManyNames(t *testing.T) {
	us, _, _ := open(t)
	ctx := context.Background()
	us.Add(ctx, "t", "ana", pw, false)
	for i := 0; i < AddressFailures; i++ {
		us.Login(ctx, Attempt{Name: "guess" + string(rune('a'+i)), Password: "not the password", Address: "203.0.113.9"}, Policy{})
	}
	var locked *LockedError
	if _, _, err := us.Login(ctx, Attempt{Name: "ana", Password: pw, Address: "203.0.113.9"}, Policy{}); !errors.As(err, &locked) {
		t.Fatalf("from the locked address: %v", err)
	}
	if _, _, err := us.Login(ctx, Attempt{Name: "ana", Password: pw, Address: "192.0.2.1"}, Policy{}); err != nil {
		t.Fatalf("from elsewhere: %v", err)
	}
}

func TestSessionsExpireIdleAndAbsolute(t *testing.T) {
	us, _, c := open(t)
	ctx := context.Background()
	us.Add(ctx, "t", "ana", pw, false)
	p := Policy{Idle: time.Hour, Max: 3 * time.Hour}
	token, _, err := us.Login(ctx, Attempt{Name: "ana", Password: pw}, p)
	if err != nil {
		t.Fatal(err)
	}
	// Used every 50 minutes it outlives the idle limit, but not the absolute one.
	for i := 0; i < 3; i++ {
		c.add(50 * time.Minute)
		if _, err := us.Session(ctx, token, p); err != nil {
			t.Fatalf("after %d uses: %v", i+1, err)
		}
	}
	c.add(50 * time.Minute) // 3h20 after sign-in
	if _, err := us.Session(ctx, token, p); !errors.Is(err, ErrNoSession) {
		t.Fatalf("past the absolute limit: %v", err)
	}
	token2, _, _ := us.Login(ctx, Attempt{Name: "ana", Password: pw}, p)
	c.add(61 * time.Minute)
	if _, err := us.Session(ctx, token2, p); !errors.Is(err, ErrNoSession) {
		t.Fatalf("idle past the limit: %v", err)
	}
}

func TestPasswordChangeEndsOtherSessionsAndRemoveKeepsHistory(t *testing.T) {
	us, st, _ := open(t)
	ctx := context.Background()
	us.Add(ctx, "t", "root", pw, true)
	us.Add(ctx, "t", "ana", pw, false)
	t1, s1, _ := us.Login(ctx, Attempt{Name: "ana", Password: pw}, Policy{})
	t2, _, _ := us.Login(ctx, Attempt{Name: "ana", Password: pw}, Policy{})
	n, err := us.SetPassword(ctx, "ana", "ana", "a new long password", s1.ID)
	if err != nil || n != 1 {
		t.Fatalf("set password: %d %v", n, err)
	}
	if _, err := us.Session(ctx, t1, Policy{}); err != nil {
		t.Fatalf("the session it was changed from: %v", err)
	}
	if _, err := us.Session(ctx, t2, Policy{}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("another session: %v", err)
	}
	if _, _, err := us.Login(ctx, Attempt{Name: "ana", Password: pw}, Policy{}); !errors.Is(err, ErrBadLogin) {
		t.Fatalf("old password: %v", err)
	}
	if _, err := us.Remove(ctx, "root", "ana"); err != nil {
		t.Fatal(err)
	}
	if _, err := us.Session(ctx, t1, Policy{}); !errors.Is(err, ErrNoSession) {
		t.Fatalf("session of a removed user: %v", err)
	}
	if _, err := us.Add(ctx, "t", "ana", pw, false); !errors.Is(err, ErrExists) {
		t.Fatalf("a removed user's name must stay taken: %v", err)
	}
	list, _ := us.List(ctx, Policy{})
	if len(list) != 1 || list[0].Name != "root" {
		t.Fatalf("list: %+v", list)
	}
	evs, _ := st.Events(ctx, store.EventFilter{Kind: "user."})
	var kinds []string
	for _, e := range evs {
		if strings.Contains(string(e.Detail), `"user":"ana"`) {
			kinds = append(kinds, e.Kind)
		}
	}
	if got := strings.Join(kinds, " "); got != "user.added user.signed_in user.signed_in user.password_changed user.removed" {
		t.Fatalf("ana's history: %s", got)
	}
	if _, err := us.Remove(ctx, "root", "root"); err != nil {
		t.Fatalf("the only user may remove themselves: %v", err)
	}
}

func TestTheLastAdminStays(t *testing.T) {
	us, _, _ := open(t)
	ctx := context.Background()
	us.Add(ctx, "t", "root", pw, true)
	us.Add(ctx, "t", "ana", pw, false)
	if err := us.SetDisabled(ctx, "root", "root", true); !errors.Is(err, ErrLastAdmin) {
		t.Fatalf("disable last admin: %v", err)
	}
	if err := us.SetDisabled(ctx, "root", "ana", true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := us.Login(ctx, Attempt{Name: "ana", Password: pw}, Policy{}); !errors.Is(err, ErrBadLogin) {
		t.Fatalf("disabled user signs in: %v", err)
	}
}
