package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/user"
)

func TestUsersAddListPasswdRemove(t *testing.T) {
	db := filepath.Join(t.TempDir(), "f.db")
	pwFile := writeFile(t, "pw", "a long enough password\n")
	out, errOut, code := runCLI(t, "--db", db, "users", "add", "ana", "--admin", "--password-file", pwFile)
	if code != 0 || !strings.Contains(out, "added admin ana") {
		t.Fatalf("add: %d %s %s", code, out, errOut)
	}
	short := writeFile(t, "short", "tooshort\n")
	_, errOut, code = runCLI(t, "--db", db, "users", "add", "bob", "--password-file", short)
	if code != exitFailure || !strings.Contains(errOut, "at least 12 characters") {
		t.Fatalf("short password: %d %s", code, errOut)
	}
	// Without a file or a terminal, it says how to give the password.
	_, errOut, code = runCLI(t, "--db", db, "users", "add", "bob")
	if code != exitUsage || !strings.Contains(errOut, "--password-file") {
		t.Fatalf("no terminal: %d %s", code, errOut)
	}
	var o, e bytes.Buffer
	if code := run(context.Background(), []string{"--db", db, "users", "add", "bob", "--password-file", "-"},
		strings.NewReader("bob's long password\n"), &o, &e); code != 0 {
		t.Fatalf("password from stdin: %d %s", code, e.String())
	}
	_, errOut, code = runCLI(t, "--db", db, "users", "add", "BOB", "--password-file", pwFile)
	if code != exitFailure || !strings.Contains(errOut, "already exists") {
		t.Fatalf("duplicate: %d %s", code, errOut)
	}

	// bob signs in twice (as the app would), then his password is reset.
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	us := user.New(st)
	for i := 0; i < 2; i++ {
		if _, _, err := us.Login(context.Background(), user.Attempt{Name: "bob", Password: "bob's long password"}, user.Policy{}); err != nil {
			t.Fatal(err)
		}
	}
	out, _, _ = runCLI(t, "--db", db, "users", "list")
	if !regexp.MustCompile(`(?m)^\d+\s+ana\s+admin\s+\S+ \S+\s+never\s+0$`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^\d+\s+bob\s+user\s+\S+ \S+\s+\S+ \S+\s+2$`).MatchString(out) {
		t.Fatalf("list:\n%s", out)
	}
	out, errOut, _ = runCLI(t, "--db", db, "users", "list", "--limit", "1")
	if !strings.Contains(out, "ana") || strings.Contains(out, "bob") || errOut != "showing 1; more: --after 1\n" {
		t.Errorf("first page:\n%s\nstderr %q", out, errOut)
	}
	if out, _, _ = runCLI(t, "--db", db, "users", "list", "--after", "1"); strings.Contains(out, "ana") || !strings.Contains(out, "bob") {
		t.Errorf("second page:\n%s", out)
	}
	out, errOut, code = runCLI(t, "--db", db, "users", "passwd", "bob", "--password-file", pwFile)
	if code != 0 || !strings.Contains(out, "2 sessions ended") {
		t.Fatalf("passwd: %d %s %s", code, out, errOut)
	}
	if _, _, err := us.Login(context.Background(), user.Attempt{Name: "bob", Password: "a long enough password"}, user.Policy{}); err != nil {
		t.Fatalf("new password: %v", err)
	}
	out, _, code = runCLI(t, "--db", db, "users", "sessions", "revoke", "bob")
	if code != 0 || !strings.Contains(out, "1 session ended for bob") {
		t.Fatalf("sessions revoke: %d %s", code, out)
	}
	_, errOut, code = runCLI(t, "--db", db, "users", "remove", "ana")
	if code != exitFailure || !strings.Contains(errOut, "last active admin") {
		t.Fatalf("removing the last admin: %d %s", code, errOut)
	}
	out, _, code = runCLI(t, "--db", db, "users", "remove", "bob")
	if code != 0 || !strings.Contains(out, "removed bob") {
		t.Fatalf("remove: %d %s", code, out)
	}
	_, errOut, code = runCLI(t, "--db", db, "users", "passwd", "nobody", "--password-file", pwFile)
	if code != exitFailure || !strings.Contains(errOut, "users list") {
		t.Fatalf("unknown user: %d %s", code, errOut)
	}
	// bob's history keeps his name.
	evs, _ := st.Events(context.Background(), store.EventFilter{Kind: "user."})
	var bobs []string
	for _, ev := range evs {
		if strings.Contains(string(ev.Detail), `"user":"bob"`) {
			bobs = append(bobs, ev.Kind)
		}
	}
	if strings.Join(bobs, " ") != "user.added user.signed_in user.signed_in user.password_changed user.signed_in user.sessions_revoked user.removed" {
		t.Fatalf("bob's events: %v", bobs)
	}
	st.Close()
}

func TestConfigWebSessionsAndProxy(t *testing.T) {
	cfg, err := LoadConfig(writeFile(t, "foidesk.toml", "[web]\nbehind_proxy = true\nsession_idle = \"2h\"\n"), true)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Web.BehindProxy || cfg.Web.SessionIdle.Duration != 2*time.Hour || cfg.Web.SessionMax.Duration != user.DefaultMax {
		t.Fatalf("%+v", cfg.Web)
	}
	_, err = LoadConfig(writeFile(t, "foidesk.toml", "[web]\nlisten = \"8080\"\nsession_idle = \"30s\"\n\nsession_max = \"1h\"\n"), true)
	if err == nil || !strings.Contains(err.Error(), "foidesk.toml:2: web.listen: must be HOST:PORT") ||
		!strings.Contains(err.Error(), "foidesk.toml:3: web.session_idle: must be at least 1m0s") {
		t.Fatalf("bad values: %v", err)
	}
	_, err = LoadConfig(writeFile(t, "foidesk.toml", "[web]\nsession_idle = \"8h\"\nsession_max = \"1h\"\n"), true)
	if err == nil || !strings.Contains(err.Error(), ":2: web.session_idle: must not be longer than web.session_max") {
		t.Fatalf("idle past max: %v", err)
	}
}

func TestServePrintsItsAddressServesAndStops(t *testing.T) {
	db := filepath.Join(t.TempDir(), "f.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"--db", db, "serve", "--listen", "127.0.0.1:0"}, strings.NewReader(""), &out, &errOut)
	}()
	addr := regexp.MustCompile(`foidesk: serving on (http://127\.0\.0\.1:\d+)\n`)
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := addr.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("no address printed: %q %q", out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "foidesk users add NAME --admin") {
		t.Fatalf("no hint about adding a user: %q", out.String())
	}
	resp, err := http.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Sign in") || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("sign-in page: %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
	last, _ := bufio.NewReader(strings.NewReader(out.String())).ReadString('\n')
	if !strings.HasPrefix(last, "foidesk: serving on") || !strings.HasSuffix(out.String(), "foidesk: stopped\n") {
		t.Fatalf("output: %q", out.String())
	}
}
