package alerts

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"foidesk/store/alert"
	"foidesk/store/storetest"
)

// hook is a webhook receiver answering from a script, one status per
// POST (the last repeats), that checks each signature as a receiver
// would.
type hook struct {
	t      *testing.T
	secret []byte
	mu     sync.Mutex
	script []int
	retry  string // Retry-After on non-2xx answers
	got    []Payload
	bad    []string
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	stamp, sig := r.Header.Get("X-Foidesk-Timestamp"), r.Header.Get("X-Foidesk-Signature")
	// What a receiver does: recompute the HMAC over timestamp "." body
	// and compare in constant time.
	if h.secret != nil && !hmac.Equal([]byte(sig), []byte(Sign(h.secret, stamp, body))) {
		h.bad = append(h.bad, sig)
	}
	if h.secret == nil && sig != "" {
		h.bad = append(h.bad, "signed without a secret")
	}
	var p Payload
	if err := json.Unmarshal(body, &p); err != nil {
		h.bad = append(h.bad, err.Error())
	}
	h.got = append(h.got, p)
	code := h.script[min(len(h.got), len(h.script))-1]
	if code >= 300 && h.retry != "" {
		w.Header().Set("Retry-After", h.retry)
	}
	w.WriteHeader(code)
	io.WriteString(w, "answer\n")
}

func (h *hook) posts() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.got)
}

// hookWorld is an overdue Barnet request, judged on 2 December 2026, and
// a watcher posting to h.
func hookWorld(t *testing.T, h *hook, mod func(*Webhook)) (*world, *Watcher) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	w := newWorld(t)
	w.send(t, storetest.SentRequest{AuthorityName: "Barnet <Council> & co", AuthorityEmail: "foi@barnet.example", Ref: "C2ABCDEF"})
	w.clk.on(t, "2026-12-04")
	wh := &Webhook{URL: srv.URL, Secret: h.secret, Jitter: func(time.Duration) time.Duration { return 0 }}
	if mod != nil {
		mod(wh)
	}
	x := w.watcher(t, func(c *Config) { c.Webhook = wh })
	if tr := pass(t, x); len(tr.Alerts) != 1 {
		t.Fatalf("alerts %v", tr.Alerts)
	}
	return w, x
}

func deliver(t *testing.T, x *Watcher) {
	t.Helper()
	if err := x.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func onlyAlert(t *testing.T, w *world) alert.Alert {
	t.Helper()
	as := w.alerts(t)
	if len(as) != 1 {
		t.Fatalf("%d alerts", len(as))
	}
	return as[0]
}

func TestWebhookRetriesA500ThenDelivers(t *testing.T) {
	h := &hook{t: t, secret: []byte("s3cret"), script: []int{500, 200}}
	w, x := hookWorld(t, h, nil)
	deliver(t, x)
	a := onlyAlert(t, w)
	if a.Webhook != alert.WebhookPending || a.Attempts != 1 || !a.NextAttemptAt.Equal(w.clk.t.Add(30*time.Second)) || !strings.HasPrefix(a.LastError, "HTTP 500") {
		t.Fatalf("after a 500: %+v", a)
	}
	deliver(t, x) // not yet due
	if h.posts() != 1 {
		t.Fatalf("%d posts before the retry was due", h.posts())
	}
	w.clk.t = w.clk.t.Add(30 * time.Second)
	deliver(t, x)
	if a := onlyAlert(t, w); a.Webhook != alert.WebhookDelivered || a.Attempts != 2 {
		t.Fatalf("after the retry: %+v", a)
	}
	w.clk.t = w.clk.t.Add(time.Hour)
	deliver(t, x)
	if h.posts() != 2 || len(h.bad) != 0 {
		t.Fatalf("%d posts, bad signatures %v", h.posts(), h.bad)
	}
	p := h.got[1]
	late := 3
	want := Payload{Text: "Barnet &lt;Council&gt; &amp; co (C2ABCDEF) is overdue: due 2026-12-01, 3 working days late", AlertID: a.ID,
		AuthorityName: "Barnet <Council> & co", Reference: "C2ABCDEF", Campaign: "fixture-c2abcdef", From: "", To: "overdue",
		On: "2026-12-04", Sent: "2026-11-02", Due: "2026-12-01", WorkingDaysLate: &late}
	gotJSON, _ := json.Marshal(p)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Fatalf("payload\n%s\nwant\n%s", gotJSON, wantJSON)
	}
}

func TestWebhookHonoursRetryAfter(t *testing.T) {
	h := &hook{t: t, script: []int{429, 204}, retry: "120"}
	w, x := hookWorld(t, h, nil)
	deliver(t, x)
	a := onlyAlert(t, w)
	if a.Webhook != alert.WebhookPending || !a.NextAttemptAt.Equal(w.clk.t.Add(120*time.Second)) {
		t.Fatalf("after a 429 with Retry-After 120: %+v (now %s)", a, w.clk.t)
	}
	w.clk.t = w.clk.t.Add(119 * time.Second)
	deliver(t, x)
	if h.posts() != 1 {
		t.Fatal("retried before Retry-After")
	}
	w.clk.t = w.clk.t.Add(time.Second)
	deliver(t, x)
	if a := onlyAlert(t, w); a.Webhook != alert.WebhookDelivered || len(h.bad) != 0 {
		t.Fatalf("%+v %v", a, h.bad)
	}
}

func TestWebhookGivesUpOnA400(t *testing.T) {
	h := &hook{t: t, script: []int{400}}
	w, x := hookWorld(t, h, nil)
	deliver(t, x)
	w.clk.t = w.clk.t.Add(24 * time.Hour)
	deliver(t, x)
	a := onlyAlert(t, w)
	if h.posts() != 1 || a.Webhook != alert.WebhookFailed || !strings.Contains(a.LastError, "HTTP 400: answer") {
		t.Fatalf("%d posts, %+v", h.posts(), a)
	}
}

func TestWebhookGivesUpAfterItsAttempts(t *testing.T) {
	h := &hook{t: t, script: []int{503}}
	w, x := hookWorld(t, h, func(wh *Webhook) { wh.MaxAttempts = 3 })
	var waits []time.Duration
	for i := 0; i < 5; i++ {
		before := w.clk.t
		deliver(t, x)
		a := onlyAlert(t, w)
		if a.Webhook == alert.WebhookPending {
			waits = append(waits, a.NextAttemptAt.Sub(before))
			w.clk.t = a.NextAttemptAt
		}
	}
	a := onlyAlert(t, w)
	if h.posts() != 3 || a.Webhook != alert.WebhookFailed || !strings.Contains(a.LastError, "gave up after 3 attempts") {
		t.Fatalf("%d posts, %+v", h.posts(), a)
	}
	if len(waits) != 2 || waits[0] != 30*time.Second || waits[1] != time.Minute {
		t.Fatalf("waits %v, want 30s then 1m", waits)
	}
}

func TestBackoffGrowsToItsCapWithJitter(t *testing.T) {
	wh := &Webhook{Base: time.Second, Max: 10 * time.Second}
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 30: 10 * time.Second} {
		for i := 0; i < 20; i++ {
			if d := wh.Backoff(attempt); d < want || d >= want+want/2 {
				t.Fatalf("attempt %d: %s, want in [%s, %s)", attempt, d, want, want+want/2)
			}
		}
	}
}

func TestRetryAfterDate(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	if d := retryAfter(now.Add(90*time.Second).Format(http.TimeFormat), now); d != 90*time.Second {
		t.Fatalf("HTTP date: %s", d)
	}
	if d := retryAfter("soon", now); d != 0 {
		t.Fatalf("unreadable: %s", d)
	}
}

// A receiver that does not answer in time is retried like a network error.
func TestWebhookTimeoutIsRetried(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	w := newWorld(t)
	w.send(t, storetest.SentRequest{AuthorityName: "Barnet", AuthorityEmail: "foi@barnet.example"})
	w.clk.on(t, "2026-12-04")
	x := w.watcher(t, func(c *Config) {
		c.Webhook = &Webhook{URL: srv.URL, Client: &http.Client{Timeout: 50 * time.Millisecond}, Jitter: func(time.Duration) time.Duration { return 0 }}
	})
	pass(t, x)
	deliver(t, x)
	a := onlyAlert(t, w)
	if a.Webhook != alert.WebhookPending || a.Attempts != 1 || !strings.Contains(a.LastError, "POST") {
		t.Fatalf("after a timeout: %+v", a)
	}
}
