package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"foidesk/ingest/imaptest"
	"foidesk/internal/porttest"
	"foidesk/mailer/smtptest"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/mail"
)

// syncBuffer is a bytes.Buffer that a running command writes to while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// eventually polls cond until it holds; the limit only guards against a
// hang, it asserts nothing about speed.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var servingRE = regexp.MustCompile(`http: the review app on http://([^/]+)/, with /healthz and /metrics`)

// servingAddr waits for run to say where it serves HTTP.
func servingAddr(t testing.TB, out interface{ String() string }) string {
	t.Helper()
	var addr string
	eventually(t, "run to say where it listens", func() bool {
		m := servingRE.FindStringSubmatch(out.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	return addr
}

func httpGet(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
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

// metricValue is the value of the sample named exactly name (with its
// labels) in a Prometheus text exposition; -1 when absent.
func metricValue(body, name string) float64 {
	for _, l := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err == nil {
				return f
			}
		}
	}
	return -1
}

func countState(reqs []campaign.Request, state string) int {
	n := 0
	for _, r := range reqs {
		if r.OutboxState == state {
			n++
		}
	}
	return n
}

// TestRunSendsWatchesAndReports runs 'foidesk run' in-process: it sends a
// queued campaign, stores a reply that arrives meanwhile, reports both in
// /metrics as the database counts them, answers /healthz, refuses a second
// run on the same database naming this process, and stops cleanly when
// its context ends.
func TestRunSendsWatchesAndReports(t *testing.T) {
	imap := imaptest.Start(t, true, "INBOX")
	data := filepath.Join(t.TempDir(), "data")
	f := newCampaignFixture(t, 5, smtptest.Hooks{}, fmt.Sprintf(`
[store]
data_dir = %q

[imap]
host = "127.0.0.1"
port = %d
tls = "none"
username = %q
poll_interval = "100ms"

[web]
listen = "127.0.0.1:0"
`, data, imap.Port, imaptest.User))
	t.Setenv("FOIDESK_IMAP_PASSWORD", imaptest.Password)
	if out, errOut, code := f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all"); code != 0 {
		t.Fatalf("create: %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := f.cli(t, "campaign", "send", "survey", "--queue-only"); code != 0 {
		t.Fatalf("queue: %d\n%s%s", code, out, errOut)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errb := &syncBuffer{}, &syncBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"--config", f.cfg, "--db", f.db, "run"}, strings.NewReader(""), out, errb)
	}()
	addr := servingAddr(t, out)
	for _, want := range []string{"dispatch: sending queued campaigns through 127.0.0.1:", "imap: watching [INBOX] on 127.0.0.1:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("run did not say %q:\n%s", want, out.String())
		}
	}

	eventually(t, "the campaign to be sent", func() bool { return !hasWork(f.requests(t, "survey")) })
	reqs := f.requests(t, "survey")
	sent := countState(reqs, campaign.OutboxSent)
	if sent != f.n-1 || len(f.srv.Messages()) != sent {
		t.Fatalf("sent %d requests, the server received %d messages; want %d each", sent, len(f.srv.Messages()), f.n-1)
	}

	// A reply to the first request arrives while run watches.
	var first campaign.Request
	for _, r := range reqs {
		if r.OutboxState == campaign.OutboxSent {
			first = r
			break
		}
	}
	reply := fmt.Sprintf("From: FOI Team <%s>\r\nTo: ann@example.org\r\nSubject: Re: Freedom of Information request [ref: %s]\r\n"+
		"Message-ID: <reply-1@council.example>\r\nIn-Reply-To: <%s>\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\n"+
		"Content-Type: text/plain; charset=utf-8\r\n\r\nPlease find our policy below. We do not hold a written policy.\r\n", first.ToEmail, first.Ref, first.MessageID)
	imaptest.Append(t, imap.Addr(), "INBOX", []byte(reply))
	eventually(t, "the reply to be stored", func() bool {
		st, err := store.Open(ctx, f.db, store.Options{ReadOnly: true})
		if err != nil {
			return false
		}
		defer st.Close()
		msgs, err := mail.New(st).Messages(ctx, mail.MessageFilter{Limit: 1000})
		return err == nil && len(msgs) == 1 && msgs[0].RequestRef != nil && *msgs[0].RequestRef == first.Ref
	})

	eventually(t, "/healthz to be ok", func() bool {
		code, body := httpGet(t, "http://"+addr+"/healthz")
		return code == 200 && body == "ok\n"
	})
	var metrics string
	eventually(t, "the metrics to count the reply and the sync", func() bool {
		_, metrics = httpGet(t, "http://"+addr+"/metrics")
		return metricValue(metrics, `foidesk_replies_unmatched`) == 0 && metricValue(metrics, `foidesk_imap_last_sync_timestamp_seconds`) > 0 &&
			strings.Contains(metrics, "foidesk_replies_ingested{")
	})
	for name, want := range map[string]int{
		`foidesk_outbox_requests{state="sent"}`:  sent,
		`foidesk_loop_up{loop="dispatch"}`:       1,
		`foidesk_loop_up{loop="imap"}`:           1,
		`foidesk_loop_up{loop="http"}`:           1,
		`foidesk_loop_errors_total{loop="imap"}`: 0,
	} {
		if got := metricValue(metrics, name); got != float64(want) {
			t.Errorf("%s = %v, want %d", name, got, want)
		}
	}
	ingested := 0.0
	for _, l := range strings.Split(metrics, "\n") {
		if strings.HasPrefix(l, "foidesk_replies_ingested{") {
			v, _ := strconv.ParseFloat(l[strings.LastIndexByte(l, ' ')+1:], 64)
			ingested += v
		}
	}
	if ingested != 1 {
		t.Errorf("replies ingested = %v, want 1\n%s", ingested, metrics)
	}

	// A second run on the same database is refused, naming this process.
	second, secondErr, code := f.cli(t, "run")
	if want := fmt.Sprintf("foidesk run is already running for %s (pid %d)", f.db, os.Getpid()); code != 1 || !strings.Contains(secondErr, want) {
		t.Errorf("second run: exit %d, stderr %q, want 1 and %q (stdout %q)", code, secondErr, want, second)
	}

	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("run exited %d on a clean stop:\n%s", code, errb.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatal("run did not stop")
	}
	if !strings.Contains(out.String(), "foidesk run stopped") {
		t.Errorf("run did not say it stopped:\n%s", out.String())
	}
}

// TestRunSaysWhatIsOff: without [smtp] and [imap] hosts, run says that
// nothing is sent and no mail read, and still serves its health.
func TestRunSaysWhatIsOff(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "foidesk.toml")
	if err := os.WriteFile(cfg, []byte("[web]\nlisten = \"127.0.0.1:0\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errb := &syncBuffer{}, &syncBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"--config", cfg, "--db", filepath.Join(dir, "foidesk.db"), "run"}, strings.NewReader(""), out, errb)
	}()
	addr := servingAddr(t, out)
	for _, want := range []string{"dispatch: off, nothing will be sent ([smtp] host is not set)", "imap: off, no replies will be read ([imap] host is not set)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("run did not say %q:\n%s", want, out.String())
		}
	}
	eventually(t, "/healthz to be ok", func() bool { code, _ := httpGet(t, "http://"+addr+"/healthz"); return code == 200 })
	// The review app is served at / and asks for a sign-in; the
	// monitoring addresses stay outside it.
	for _, want := range []string{"alerts: watching due dates; no daily digest", "chasers: off", "nobody can sign in to the review app yet"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("run did not say %q:\n%s", want, out.String())
		}
	}
	if code, body := httpGet(t, "http://"+addr+"/"); code != 200 || !strings.Contains(body, `name="password"`) {
		t.Errorf("GET / (following the redirect to the sign-in page): %d\n%s", code, body)
	}
	if code, _ := httpGet(t, "http://"+addr+"/metrics"); code != 200 {
		t.Errorf("GET /metrics: %d", code)
	}
	cancel()
	if code := <-exited; code != 0 {
		t.Errorf("exit %d: %s", code, errb.String())
	}
}

// TestRunHealthNamesAnUnreachableSMTPServer: while the dispatcher retries
// a server that refuses connections, /healthz says dispatch is failing,
// and why, before the dispatcher gives up.
func TestRunHealthNamesAnUnreachableSMTPServer(t *testing.T) {
	f := newCampaignFixture(t, 3, smtptest.Hooks{}, `
[web]
listen = "127.0.0.1:0"
`)
	if out, errOut, code := f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all"); code != 0 {
		t.Fatalf("create: %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := f.cli(t, "campaign", "send", "survey", "--queue-only"); code != 0 {
		t.Fatalf("queue: %d\n%s%s", code, out, errOut)
	}
	// The server goes away, and its port refuses connections.
	port := porttest.Reserve(t)
	cfg, err := os.ReadFile(f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg = []byte(strings.Replace(string(cfg), fmt.Sprintf("port = %d", f.srv.Port), fmt.Sprintf("port = %d", port.Port()), 1))
	if err := os.WriteFile(f.cfg, cfg, 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errb := &syncBuffer{}, &syncBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- run(ctx, []string{"--config", f.cfg, "--db", f.db, "run"}, strings.NewReader(""), out, errb)
	}()
	addr := servingAddr(t, out)
	var body string
	// 503 alone is not enough: until the supervisor has started every
	// loop, the ones not started yet are "not running" too.
	eventually(t, "/healthz to report dispatch failing", func() bool {
		var code int
		code, body = httpGet(t, "http://"+addr+"/healthz")
		return code == 503 && strings.Contains(body, "dispatch: failing")
	})
	if !strings.HasPrefix(body, "dispatch: failing since ") || !strings.Contains(body, "cannot reach the SMTP server") {
		t.Errorf("/healthz said %q", body)
	}
	_, metrics := httpGet(t, "http://"+addr+"/metrics")
	if v := metricValue(metrics, `foidesk_loop_up{loop="dispatch"}`); v != 0 {
		t.Errorf("dispatch up = %v, want 0", v)
	}
	if v := metricValue(metrics, `foidesk_outbox_requests{state="queued"}`); v != 2 {
		t.Errorf("queued = %v, want 2", v)
	}
	cancel()
	if code := <-exited; code != 0 {
		t.Errorf("exit %d: %s", code, errb.String())
	}
	for _, r := range f.requests(t, "survey") {
		if r.ToEmail != "" && r.OutboxState != campaign.OutboxQueued {
			t.Errorf("%s is %s, want still queued", r.Ref, r.OutboxState)
		}
	}
}
