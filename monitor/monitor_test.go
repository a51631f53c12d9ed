package monitor

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"foidesk/lifecycle"
	"foidesk/store"
	"foidesk/store/storetest"
	"foidesk/store/tally"
	"foidesk/supervise"
)

func get(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// hasLine reports whether the exposition text has exactly this sample line.
func hasLine(body, line string) bool {
	for _, l := range strings.Split(body, "\n") {
		if l == line {
			return true
		}
	}
	return false
}

func TestMetricsCountTheDatabaseOnTheDayOfTheScrape(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Sent on Monday 2 November 2026: due on 30 November (20 working days).
	for _, who := range []string{"a", "b"} {
		if _, err := storetest.Send(ctx, st, storetest.SentRequest{AuthorityName: "Council " + who, AuthorityEmail: "foi@" + who + ".example"}); err != nil {
			t.Fatal(err)
		}
	}
	// Sent on 10 December: due in January, not late on the 15th.
	if _, err := storetest.Send(ctx, st, storetest.SentRequest{AuthorityName: "Council c", AuthorityEmail: "foi@c.example", SentAt: time.Date(2026, 12, 10, 10, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if _, err := storetest.Unknown(ctx, st, storetest.SentRequest{AuthorityName: "Council d", AuthorityEmail: "foi@d.example"}); err != nil {
		t.Fatal(err)
	}
	loops := func() []supervise.Health {
		return []supervise.Health{{Name: "dispatch", Running: true}, {Name: "imap", FailingSince: time.Unix(1, 0), Errors: 2, Panics: 1, Restarts: 3}}
	}
	m := NewMetrics(MetricsOptions{
		Counts: tally.New(st), Rule: st.Lifecycle(), Thresholds: lifecycle.Thresholds{DueSoon: 3},
		Now: func() time.Time { return time.Date(2026, 12, 15, 12, 0, 0, 0, time.UTC) },
	})
	m.WatchLoops(loops)
	m.IMAPSynced(time.Unix(1765000000, 0))
	srv := httptest.NewServer(NewMux(loops, m))
	defer srv.Close()

	code, body := get(t, srv, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d\n%s", code, body)
	}
	for _, want := range []string{
		`foidesk_outbox_requests{state="sent"} 3`,
		`foidesk_outbox_requests{state="unknown"} 1`,
		`foidesk_requests_stored{status="awaiting-response"} 3`,
		`foidesk_requests{status="overdue"} 2`,
		`foidesk_requests{status="awaiting-response"} 1`,
		`foidesk_requests{status="unknown"} 1`,
		`foidesk_requests_overdue 2`,
		`foidesk_replies_unmatched 0`,
		`foidesk_imap_last_sync_timestamp_seconds 1.765e+09`,
		`foidesk_loop_up{loop="dispatch"} 1`,
		`foidesk_loop_up{loop="imap"} 0`,
		`foidesk_loop_errors_total{loop="imap"} 3`,
		`foidesk_loop_panics_total{loop="imap"} 1`,
		`foidesk_loop_restarts_total{loop="imap"} 3`,
	} {
		if !hasLine(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if !strings.Contains(body, "process_resident_memory_bytes") {
		t.Errorf("metrics lack the process's resident memory")
	}
}

func TestHealthz(t *testing.T) {
	since := time.Date(2026, 12, 4, 9, 30, 0, 0, time.UTC)
	var loops []supervise.Health
	srv := httptest.NewServer(HealthHandler(func() []supervise.Health { return loops }))
	defer srv.Close()

	loops = []supervise.Health{{Name: "dispatch", Running: true}, {Name: "imap", Running: true}}
	if code, body := get(t, srv, "/"); code != 200 || body != "ok\n" {
		t.Errorf("healthy: %d %q", code, body)
	}
	loops[1] = supervise.Health{Name: "imap", FailingSince: since, LastError: "dial tcp: connection\nrefused", Errors: 4, Restarts: 4}
	code, body := get(t, srv, "/")
	if want := "imap: failing since 2026-12-04T09:30:00Z: dial tcp: connection refused (4 restarts)\n"; code != 503 || body != want {
		t.Errorf("failing: %d %q, want 503 %q", code, body, want)
	}
	code, body = get(t, srv, "/?format=json")
	var got struct {
		OK    bool
		Loops []struct {
			Name         string
			OK           bool
			FailingSince *time.Time `json:"failing_since"`
			LastError    string     `json:"last_error"`
			Restarts     int
		}
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("json: %v\n%s", err, body)
	}
	if code != 503 || got.OK || len(got.Loops) != 2 || !got.Loops[0].OK || got.Loops[1].OK ||
		got.Loops[1].FailingSince == nil || !got.Loops[1].FailingSince.Equal(since) || got.Loops[1].Restarts != 4 {
		t.Errorf("json: %d %s", code, body)
	}
}
