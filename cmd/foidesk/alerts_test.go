package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"foidesk/alerts"
	"foidesk/store/storetest"
)

// The watcher built from the config signs its webhook with the key in
// webhook_secret_file (less its final newline) and sends the digest from
// the requester to [alerts] email.
func TestAlertsWatcherFromConfig(t *testing.T) {
	var mu sync.Mutex
	var sigs, stamps []string
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		sigs, stamps, bodies = append(sigs, r.Header.Get("X-Foidesk-Signature")), append(stamps, r.Header.Get("X-Foidesk-Timestamp")), append(bodies, b)
	}))
	defer srv.Close()
	dir := t.TempDir()
	key := filepath.Join(dir, "hook.key")
	if err := os.WriteFile(key, []byte("k3y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "foidesk.toml")
	if err := os.WriteFile(cfg, []byte(`[requester]
name = "Ann Example"
email = "ann@example.org"

[alerts]
email = "desk@example.org"
digest_time = "07:30"
webhook_url = "`+srv.URL+`"
webhook_secret_file = "`+key+`"
`), 0o600); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	e := &env{globals: globals{configPath: cfg, dbPath: filepath.Join(dir, "foidesk.db")}, stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.NewTextHandler(&logs, nil))}
	defer e.close()
	ctx := context.Background()
	st, err := e.store(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := storetest.Send(ctx, st.Store, storetest.SentRequest{AuthorityName: "Barnet", AuthorityEmail: "foi@barnet.example"}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 4, 7, 30, 0, 0, time.UTC)
	x, err := e.alertsWatcher(st, st.campaigns, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.Pass(ctx); err != nil {
		t.Fatal(err)
	}
	if err := x.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 1 || sigs[0] != alerts.Sign([]byte("k3y"), stamps[0], bodies[0]) {
		t.Fatalf("webhook: %d posts, signature %v", len(bodies), sigs)
	}
	var p alerts.Payload
	if err := json.Unmarshal(bodies[0], &p); err != nil || p.To != "overdue" || p.AuthorityName != "Barnet" {
		t.Fatalf("payload %+v %v", p, err)
	}
	var to string
	var raw []byte
	if err := st.DB().QueryRowContext(ctx, `SELECT to_email, raw FROM letters WHERE kind = 'digest'`).Scan(&to, &raw); err != nil ||
		to != "desk@example.org" || !bytes.Contains(raw, []byte("From: \"Ann Example\" <ann@example.org>")) {
		t.Fatalf("the outbox's digest: to %q (%v)\n%s", to, err, raw)
	}
	if strings.Contains(logs.String(), "k3y") {
		t.Fatalf("the key was logged:\n%s", logs.String())
	}
}
