package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"foidesk/ingest/imaptest"
	"foidesk/mailer/smtptest"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/mail"
)

// The soak: 'foidesk run' as a process for a stretch of wall time against
// loopback SMTP and IMAP servers behind proxies that drop connections and
// go down for a while (a server restart), with temporary rejections from
// the SMTP server, while replies keep arriving in ten mailboxes. Then the
// faults stop, everything settles, and the soak counts messages lost or
// duplicated, replies lost, requests left unknown, and resident memory at
// the start and the end; finally it measures the CPU that watching the ten
// mailboxes costs when nothing arrives.

var soakWall = flag.Duration("soak.wall", 10*time.Minute, "how long BenchmarkSoak injects faults")

// soakReport is what a soak measured.
type soakReport struct {
	Requests, Sent, Unknown, Failed int
	Lost, Duplicated                int // sent per the database but not received / received more than once
	Replies, RepliesStored          int
	RSSStartKB, RSSEndKB            int
	RSSSamplesKB                    []int   // every tenth of the wall time
	HeapSamplesKB                   []int   // the Go heap in use, from /metrics, at the same moments
	IdleCPU                         float64 // fraction of one core, watching idle mailboxes
}

// flakyProxy forwards TCP connections to a server, and on demand drops
// them all and refuses new ones for a while.
type flakyProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  map[net.Conn]bool
	down   bool
}

func newFlakyProxy(t testing.TB, target string) *flakyProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &flakyProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.drop() })
	go p.serve()
	return p
}

func (p *flakyProxy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

func (p *flakyProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[s] = true, true
		p.mu.Unlock()
		go p.pipe(c, s)
		go p.pipe(s, c)
	}
}

func (p *flakyProxy) pipe(dst, src net.Conn) {
	io.Copy(dst, src)
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

// drop closes every connection in progress.
func (p *flakyProxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

// restart drops every connection and refuses new ones for d.
func (p *flakyProxy) restart(d time.Duration) {
	p.mu.Lock()
	p.down = true
	p.mu.Unlock()
	p.drop()
	time.Sleep(d)
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// rssKB is a process's resident set size.
func rssKB(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return n
		}
	}
	return 0
}

// cpuTicks is a process's user and system time in clock ticks.
func cpuTicks(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.Atoi(f[11])
	k, _ := strconv.Atoi(f[12])
	return u + k
}

func soak(t testing.TB, wall, idleFor time.Duration, requests int) soakReport {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	var rngMu sync.Mutex
	chance := func(p float64) bool { rngMu.Lock(); defer rngMu.Unlock(); return rng.Float64() < p }
	between := func(lo, hi time.Duration) time.Duration {
		rngMu.Lock()
		defer rngMu.Unlock()
		return lo + time.Duration(rng.Int64N(int64(hi-lo)))
	}
	var faulty sync.Mutex
	faults := true
	faultsOn := func() bool { faulty.Lock(); defer faulty.Unlock(); return faults }

	boxes := []string{"INBOX"}
	for i := 1; i < 10; i++ {
		boxes = append(boxes, fmt.Sprintf("Box%d", i))
	}
	imap := imaptest.Start(t, true, boxes...)
	imapProxy := newFlakyProxy(t, imap.Addr())
	f := newCampaignFixture(t, requests+1, smtptest.Hooks{Rcpt: func(string) error {
		if faultsOn() && chance(0.1) {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
		}
		return nil
	}}, "")
	smtpProxy := newFlakyProxy(t, f.srv.Addr)
	quoted := make([]string, len(boxes))
	for i, b := range boxes {
		quoted[i] = strconv.Quote(b)
	}
	cfg := fmt.Sprintf(`[requester]
name = "Ann Example"
email = "ann@example.org"
reply_plus_addressing = true

[store]
data_dir = %q

[smtp]
host = "127.0.0.1"
port = %d
tls = "none"
timeout = "5s"
retry_base = "50ms"
retry_max = "500ms"
max_attempts = 30

[imap]
host = "127.0.0.1"
port = %d
tls = "none"
username = %q
mailboxes = [%s]
poll_interval = "1s"
timeout = "5s"

[web]
listen = "127.0.0.1:0"
`, f.dir+"/data", smtpProxy.port(), imapProxy.port(), imaptest.User, strings.Join(quoted, ", "))
	if err := os.WriteFile(f.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FOIDESK_IMAP_PASSWORD", imaptest.Password)
	if out, errOut, code := f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all"); code != 0 {
		t.Fatalf("create: %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := f.cli(t, "campaign", "send", "survey", "--queue-only"); code != 0 {
		t.Fatalf("queue: %d\n%s%s", code, out, errOut)
	}
	bin := buildFoidesk(t)
	cmd, out, exited := startRun(t, bin, f)
	web := servingAddr(t, out)
	time.Sleep(time.Second) // past start-up, for the first memory figure
	rep := soakReport{Requests: requests, RSSStartKB: rssKB(cmd.Process.Pid)}

	// Faults and replies for the wall time.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(between(200*time.Millisecond, time.Second)):
			}
			switch {
			case chance(0.15):
				smtpProxy.restart(between(100*time.Millisecond, time.Second))
			case chance(0.15):
				imapProxy.restart(between(100*time.Millisecond, time.Second))
			case chance(0.3):
				smtpProxy.drop()
			case chance(0.3):
				imapProxy.drop()
			}
		}
	}()
	replies := 0
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			raw := fmt.Sprintf("From: someone%d@council.example\r\nTo: ann@example.org\r\nSubject: Reply %d\r\n"+
				"Message-ID: <soak-%d@council.example>\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\n"+
				"Content-Type: text/plain; charset=utf-8\r\n\r\nWe do not hold a policy on this (%d).\r\n", i, i, i, i)
			imaptest.Append(t, imap.Addr(), boxes[i%len(boxes)], []byte(raw))
			replies++
		}
	}()
	for range 10 {
		time.Sleep(wall / 10)
		rep.RSSSamplesKB = append(rep.RSSSamplesKB, rssKB(cmd.Process.Pid))
		_, metrics := httpGet(t, "http://"+web+"/metrics")
		rep.HeapSamplesKB = append(rep.HeapSamplesKB, int(metricValue(metrics, "go_memstats_heap_inuse_bytes")/1024))
	}
	close(stop)
	wg.Wait()
	faulty.Lock()
	faults = false
	faulty.Unlock()
	rep.Replies = replies

	// Settle: every request sent (or failed, or unknown), every reply stored.
	eventually(t, "the outbox to settle and the replies to be stored", func() bool {
		if hasWork(f.requests(t, "survey")) {
			return false
		}
		st, err := store.Open(t.Context(), f.db, store.Options{ReadOnly: true})
		if err != nil {
			return false
		}
		defer st.Close()
		msgs, err := mail.New(st).Messages(t.Context(), mail.MessageFilter{})
		rep.RepliesStored = len(msgs)
		return err == nil && len(msgs) >= replies
	})
	rep.RSSEndKB = rssKB(cmd.Process.Pid)

	// Idle: nothing arrives; what does watching ten mailboxes cost?
	time.Sleep(2 * time.Second)
	t0, w0 := cpuTicks(cmd.Process.Pid), time.Now()
	time.Sleep(idleFor)
	rep.IdleCPU = float64(cpuTicks(cmd.Process.Pid)-t0) / 100 / time.Since(w0).Seconds() // USER_HZ is 100 on Linux

	cmd.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, exited, out); code != 0 {
		t.Errorf("run exited %d after SIGTERM:\n%s", code, out.String())
	}
	received := receivedBy(f.srv.Messages())
	for _, r := range f.requests(t, "survey") {
		if r.ToEmail == "" {
			continue
		}
		switch r.OutboxState {
		case campaign.OutboxSent:
			rep.Sent++
			if received[r.ToEmail] == 0 {
				rep.Lost++
			}
		case campaign.OutboxUnknown:
			rep.Unknown++
		case campaign.OutboxFailed:
			rep.Failed++
		}
		if received[r.ToEmail] > 1 {
			rep.Duplicated++
		}
	}
	return rep
}

func checkSoak(t testing.TB, rep soakReport) {
	t.Logf("soak: %+v", rep)
	if rep.Lost != 0 || rep.Duplicated != 0 {
		t.Errorf("%d messages lost, %d duplicated; want none", rep.Lost, rep.Duplicated)
	}
	if rep.RepliesStored != rep.Replies {
		t.Errorf("%d replies stored of %d delivered", rep.RepliesStored, rep.Replies)
	}
	if rep.Sent+rep.Unknown+rep.Failed != rep.Requests {
		t.Errorf("%d sent, %d unknown, %d failed of %d requests", rep.Sent, rep.Unknown, rep.Failed, rep.Requests)
	}
}

// TestSoakShort is the soak for a few seconds: no message lost or
// duplicated and no reply lost under dropped connections, restarts and
// temporary rejections.
func TestSoakShort(t *testing.T) {
	checkSoak(t, soak(t, 5*time.Second, time.Second, 60))
}

// BenchmarkSoak is the soak for -soak.wall (default ten minutes):
//
//	go test ./cmd/foidesk -run '^$' -bench Soak -benchtime 1x -soak.wall 10m
func BenchmarkSoak(b *testing.B) {
	for b.Loop() {
		rep := soak(b, *soakWall, 30*time.Second, 400)
		checkSoak(b, rep)
		b.ReportMetric(float64(rep.Lost), "lost")
		b.ReportMetric(float64(rep.Duplicated), "duplicated")
		b.ReportMetric(float64(rep.Unknown), "unknown")
		b.ReportMetric(float64(rep.RSSStartKB), "rss-start-kB")
		b.ReportMetric(float64(rep.RSSEndKB), "rss-end-kB")
		b.ReportMetric(100*rep.IdleCPU, "idle-cpu-%")
	}
}
