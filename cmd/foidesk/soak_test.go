package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	netmail "net/mail"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"foidesk/clock"
	"foidesk/ingest/imaptest"
	"foidesk/mailer/smtptest"
	"foidesk/store"
	"foidesk/store/alert"
	"foidesk/store/campaign"
	"foidesk/store/mail"
)

// The soak: 'foidesk run' as a process for a stretch of wall time against
// loopback SMTP and IMAP servers behind proxies that drop connections and
// go down for a while (a server restart), with temporary rejections from
// the SMTP server, while replies keep arriving in ten mailboxes. The run
// is on an accelerated clock (FOIDESK_CLOCK) that covers the campaign's
// span in the wall time: requests are answered, go overdue, are chased and
// alerted about, and a digest is due every day. Replies are dated by that
// clock. Then the faults stop, everything settles, and the soak counts
// messages lost or duplicated, replies lost, requests left unknown, alerts
// repeated, chasers duplicated, digests per day, and resident memory at
// the start and the end; finally it measures the CPU that watching the ten
// mailboxes costs when nothing arrives.

var (
	soakWall = flag.Duration("soak.wall", 10*time.Minute, "how long BenchmarkSoak injects faults")
	soakSpan = flag.Duration("soak.span", 183*24*time.Hour, "the campaign time BenchmarkSoak's accelerated clock covers in -soak.wall")
)

// The soak's campaign starts on a Monday morning; its chasers go after 5
// working days, then every 10, at most 2 per request; its digests go to
// soakAlerts.
const (
	soakStart     = "2026-06-01T09:00:00Z"
	soakMaxChaser = 2
	soakAlerts    = "alerts@example.org"
)

// soakReport is what a soak measured.
type soakReport struct {
	Requests, Sent, Unknown, Failed int
	Lost, Duplicated                int // sent per the database but not received / received more than once
	Replies, RepliesStored          int
	Answers                         int     // of the replies, those addressed to a request (plus-address)
	Speed                           float64 // the accelerated clock's speed
	CampaignEnd                     string  // the campaign date when the soak stopped
	Chasers, ChasersDuplicated      int     // chasers received / received twice or beyond the maximum
	ChasersSent, ChasersLost        int     // chasers sent per the database / of those, never received
	Alerts, AlertsRepeated          int     // alerts recorded / recorded twice for one request and transition
	Digests, DigestDays             int     // digests received, and the days they were for
	DigestsMaxPerDay                int
	RSSStartKB, RSSEndKB            int
	RSSSamplesKB                    []int // every twentieth of the wall time
	HeapSamplesKB                   []int // the Go heap in use, from /metrics, at the same moments
	GoSysSamplesKB                  []int // all the Go runtime holds from the OS, from /metrics, at the same moments
	GoResidentSamplesKB             []int // of that, not returned to the OS (sys less heap released): the Go runtime's share of RSS at most
	GoroutineSamples                []int
	DBKB, WALKB                     int     // the database and its WAL at the end: the most SQLite's page caches can hold of it
	SettledCPU                      float64 // fraction of one core once nothing arrives, the accelerated clock still running
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

// soakBoxes are the ten mailboxes the soak watches.
func soakBoxes() []string {
	boxes := []string{"INBOX"}
	for i := 1; i < 10; i++ {
		boxes = append(boxes, fmt.Sprintf("Box%d", i))
	}
	return boxes
}

// soakConfig is the soak's foidesk.toml: SMTP and IMAP on loopback ports,
// the mailboxes polled every poll where IDLE does not watch them.
func soakConfig(dir string, smtpPort, imapPort int, boxes []string, poll string) string {
	quoted := make([]string, len(boxes))
	for i, b := range boxes {
		quoted[i] = strconv.Quote(b)
	}
	return fmt.Sprintf(`[requester]
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
poll_interval = %q
timeout = "5s"

[alerts]
email = %q

[web]
listen = "127.0.0.1:0"
`, dir+"/data", smtpPort, imapPort, imaptest.User, strings.Join(quoted, ", "), poll, soakAlerts)
}

func soak(t testing.TB, wall, span, idleFor time.Duration, requests int) soakReport {
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

	boxes := soakBoxes()
	imap := imaptest.Start(t, true, boxes...)
	imapProxy := newFlakyProxy(t, imap.Addr())
	f := newCampaignFixture(t, requests+1, smtptest.Hooks{Rcpt: func(string) error {
		if faultsOn() && chance(0.1) {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
		}
		return nil
	}}, "")
	smtpProxy := newFlakyProxy(t, f.srv.Addr)
	cfg := soakConfig(f.dir, smtpProxy.port(), imapProxy.port(), boxes, "1s")
	if err := os.WriteFile(f.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FOIDESK_IMAP_PASSWORD", imaptest.Password)
	if out, errOut, code := f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all"); code != 0 {
		t.Fatalf("create: %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := f.cli(t, "campaign", "chasers", "survey", "--after", "5", "--every", "10", "--max", strconv.Itoa(soakMaxChaser)); code != 0 {
		t.Fatalf("chasers: %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := f.cli(t, "campaign", "send", "survey", "--queue-only"); code != 0 {
		t.Fatalf("queue: %d\n%s%s", code, out, errOut)
	}
	var order []string // the references replies go to, by plus-address
	for _, r := range f.requests(t, "survey") {
		if r.ToEmail != "" {
			order = append(order, r.Ref)
		}
	}
	bin := buildFoidesk(t)
	speed := float64(span) / float64(wall)
	start, _ := time.Parse(time.RFC3339, soakStart)
	t.Setenv(clock.Env, fmt.Sprintf("%s x%g", soakStart, speed))
	// The test's reading of the run's clock, for the replies' dates; the
	// run starts its own a moment later, so this one is a little ahead.
	campaignClock := clock.Accelerated(start, time.Now(), speed)
	cmd, out, exited := startRun(t, bin, f)
	if !strings.Contains(out.String(), "clock accelerated") {
		eventually(t, "run to say its clock is accelerated", func() bool { return strings.Contains(out.String(), "clock accelerated") })
	}
	web := servingAddr(t, out)
	time.Sleep(time.Second) // past start-up, for the first memory figure
	rep := soakReport{Requests: requests, RSSStartKB: rssKB(cmd.Process.Pid), Speed: speed}

	// Six in ten requests are answered, each at a moment drawn over the
	// first two thirds of the wall time: some on time, some after going
	// overdue and being chased; the rest never are.
	answerAt := map[string]time.Duration{}
	for i, r := range order {
		if i%10 < 6 {
			answerAt[r] = between(wall/20, 2*wall/3)
		}
	}
	began := time.Now()

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
	replies, answers := 0, 0
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			// Mail nobody can match, and the answers now due, dated by
			// the campaign's clock.
			to := []string{"ann@example.org"}
			for r, at := range answerAt {
				if time.Since(began) >= at {
					to = append(to, "ann+"+r+"@example.org")
					delete(answerAt, r)
				}
			}
			for j, addr := range to {
				date := campaignClock.Now().Format(time.RFC1123Z)
				raw := fmt.Sprintf("From: someone%d@council.example\r\nTo: %s\r\nSubject: Reply %d.%d\r\n"+
					"Message-ID: <soak-%d.%d@council.example>\r\nDate: %s\r\n"+
					"Content-Type: text/plain; charset=utf-8\r\n\r\nWe do not hold a policy on this (%d.%d).\r\n", i, addr, i, j, i, j, date, i, j)
				imaptest.Append(t, imap.Addr(), boxes[(i+j)%len(boxes)], []byte(raw))
				replies++
				if j > 0 {
					answers++
				}
			}
		}
	}()
	for range 20 {
		time.Sleep(wall / 20)
		rep.RSSSamplesKB = append(rep.RSSSamplesKB, rssKB(cmd.Process.Pid))
		_, metrics := httpGet(t, "http://"+web+"/metrics")
		rep.HeapSamplesKB = append(rep.HeapSamplesKB, int(metricValue(metrics, "go_memstats_heap_inuse_bytes")/1024))
		sys := metricValue(metrics, "go_memstats_sys_bytes")
		rep.GoSysSamplesKB = append(rep.GoSysSamplesKB, int(sys/1024))
		rep.GoResidentSamplesKB = append(rep.GoResidentSamplesKB, int((sys-metricValue(metrics, "go_memstats_heap_released_bytes"))/1024))
		rep.GoroutineSamples = append(rep.GoroutineSamples, int(metricValue(metrics, "go_goroutines")))
	}
	close(stop)
	wg.Wait()
	faulty.Lock()
	faults = false
	faulty.Unlock()
	rep.Replies, rep.Answers = replies, answers

	// Settle: every request sent (or failed, or unknown), every reply
	// stored, and a moment when no letter is waiting (the clock runs on,
	// so chasers and digests keep coming).
	eventually(t, "the outbox to settle and the replies to be stored", func() bool {
		if hasWork(f.requests(t, "survey")) {
			return false
		}
		st, err := store.Open(t.Context(), f.db, store.Options{ReadOnly: true})
		if err != nil {
			return false
		}
		defer st.Close()
		stored := 0
		_, err = mail.New(st).EachMessage(t.Context(), mail.MessageFilter{}, func(mail.MessageSummary) error { stored++; return nil })
		rep.RepliesStored = stored
		if err != nil || stored < replies {
			return false
		}
		l, err := campaign.New(st).LettersPending(t.Context(), 0, time.Now())
		return err == nil && l.Ready+l.Waiting+l.Sending == 0
	})
	rep.RSSEndKB = rssKB(cmd.Process.Pid)
	for path, kb := range map[string]*int{f.db: &rep.DBKB, f.db + "-wal": &rep.WALKB} {
		if fi, err := os.Stat(path); err == nil {
			*kb = int(fi.Size() / 1024)
		}
	}

	// Settled: nothing arrives, but the accelerated clock runs on (a
	// watcher pass and a look for chasers every wall second, a digest a
	// campaign day). BenchmarkSoakIdle measures the idle daemon on the wall
	// clock.
	time.Sleep(2 * time.Second)
	t0, w0 := cpuTicks(cmd.Process.Pid), time.Now()
	time.Sleep(idleFor)
	rep.SettledCPU = float64(cpuTicks(cmd.Process.Pid)-t0) / 100 / time.Since(w0).Seconds() // USER_HZ is 100 on Linux

	rep.CampaignEnd = campaignClock.Now().Format(time.DateOnly)
	cmd.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, exited, out); code != 0 {
		t.Errorf("run exited %d after SIGTERM:\n%s", code, out.String())
	}

	// What the SMTP server received, by Message-ID: the requests, their
	// chasers (threaded on them) and the digests (to soakAlerts).
	received := map[string]int{}
	chasers := map[string]int{} // by the request's Message-ID
	digests := map[string]int{} // by day
	for _, m := range f.srv.Messages() {
		msg, err := netmail.ReadMessage(strings.NewReader(string(m.Data)))
		if err != nil {
			t.Fatalf("a message the server received does not parse: %v", err)
		}
		id := strings.Trim(msg.Header.Get("Message-Id"), "<> ")
		received[id]++
		switch {
		case len(m.To) == 1 && m.To[0] == soakAlerts:
			day, _, _ := strings.Cut(strings.TrimPrefix(id, "digest-"), "@")
			digests[day]++
			rep.Digests++
		case msg.Header.Get("In-Reply-To") != "":
			chasers[strings.Trim(msg.Header.Get("In-Reply-To"), "<> ")]++
			rep.Chasers++
		}
	}
	for id, n := range received {
		if n > 1 && strings.Contains(id, "chaser") {
			rep.ChasersDuplicated += n - 1
		}
	}
	for req, n := range chasers {
		if n > soakMaxChaser {
			t.Logf("request %s: %d chasers, at most %d wanted", req, n, soakMaxChaser)
			rep.ChasersDuplicated += n - soakMaxChaser
		}
	}
	rep.DigestDays = len(digests)
	if rep.Digests == 0 {
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.Contains(l, "alerts") || strings.Contains(l, "digest") {
				t.Log(l)
			}
		}
	}
	for _, n := range digests {
		rep.DigestsMaxPerDay = max(rep.DigestsMaxPerDay, n)
	}

	st, err := store.Open(t.Context(), f.db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	alerts := alert.New(st)
	for _, r := range f.requests(t, "survey") {
		if r.ToEmail == "" {
			continue
		}
		switch r.OutboxState {
		case campaign.OutboxSent:
			rep.Sent++
			if received[strings.Trim(r.MessageID, "<>")] == 0 {
				rep.Lost++
			}
		case campaign.OutboxUnknown:
			rep.Unknown++
		case campaign.OutboxFailed:
			rep.Failed++
		}
		if received[strings.Trim(r.MessageID, "<>")] > 1 {
			rep.Duplicated++
		}
		ls, err := campaign.New(st).RequestLetters(t.Context(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range ls {
			if l.Kind == campaign.LetterChaser && l.State == campaign.OutboxSent {
				rep.ChasersSent++
				if received[strings.Trim(l.MessageID, "<>")] == 0 {
					t.Logf("chaser %s sent per the database, never received", l.Key)
					rep.ChasersLost++
				}
			}
		}
		as, err := alerts.Alerts(t.Context(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[[2]string]bool{}
		for _, a := range as {
			rep.Alerts++
			if k := [2]string{a.From, a.To}; seen[k] {
				t.Logf("request %s: alert %s → %s on %s repeated", r.Ref, a.From, a.To, a.On)
				rep.AlertsRepeated++
			} else {
				seen[k] = true
			}
		}
	}
	return rep
}

func checkSoak(t testing.TB, rep soakReport) {
	t.Logf("soak: %+v", rep)
	if rep.Lost != 0 || rep.Duplicated != 0 || rep.ChasersLost != 0 {
		t.Errorf("%d messages lost, %d duplicated, %d chasers lost; want none", rep.Lost, rep.Duplicated, rep.ChasersLost)
	}
	if rep.AlertsRepeated != 0 || rep.ChasersDuplicated != 0 || rep.DigestsMaxPerDay > 1 {
		t.Errorf("%d alerts repeated, %d chasers duplicated, at most %d digests a day; want 0, 0 and 1", rep.AlertsRepeated, rep.ChasersDuplicated, rep.DigestsMaxPerDay)
	}
	// The accelerated clock must have made the campaign happen: without
	// alerts, chasers and digests the zeros above say nothing.
	if rep.Alerts == 0 || rep.Chasers == 0 || rep.Digests == 0 || rep.Answers == 0 {
		t.Errorf("%d alerts, %d chasers, %d digests, %d answers: the campaign's clock did not move", rep.Alerts, rep.Chasers, rep.Digests, rep.Answers)
	}
	if rep.RepliesStored != rep.Replies {
		t.Errorf("%d replies stored of %d delivered", rep.RepliesStored, rep.Replies)
	}
	if rep.Sent+rep.Unknown+rep.Failed != rep.Requests {
		t.Errorf("%d sent, %d unknown, %d failed of %d requests", rep.Sent, rep.Unknown, rep.Failed, rep.Requests)
	}
}

// TestSoakShort is the soak for a few seconds covering ten weeks of
// campaign: no message lost or duplicated, no reply lost, no alert
// repeated, no chaser duplicated and at most one digest a day under
// dropped connections, restarts and temporary rejections.
func TestSoakShort(t *testing.T) {
	checkSoak(t, soak(t, 5*time.Second, 70*24*time.Hour, time.Second, 60))
}

// BenchmarkSoak is the soak for -soak.wall (default ten minutes):
//
//	go test ./cmd/foidesk -run '^$' -bench Soak -benchtime 1x -soak.wall 10m -soak.span 4392h
func BenchmarkSoak(b *testing.B) {
	for b.Loop() {
		rep := soak(b, *soakWall, *soakSpan, 30*time.Second, 400)
		checkSoak(b, rep)
		b.ReportMetric(float64(rep.Lost), "lost")
		b.ReportMetric(float64(rep.Duplicated), "duplicated")
		b.ReportMetric(float64(rep.Unknown), "unknown")
		b.ReportMetric(float64(rep.AlertsRepeated), "alerts-repeated")
		b.ReportMetric(float64(rep.ChasersDuplicated), "chasers-duplicated")
		b.ReportMetric(float64(rep.DigestsMaxPerDay), "digests-max-per-day")
		b.ReportMetric(float64(rep.RSSStartKB), "rss-start-kB")
		b.ReportMetric(float64(rep.RSSSamplesKB[1]), "rss-warm-kB") // after a tenth of the wall time
		b.ReportMetric(float64(rep.RSSEndKB), "rss-end-kB")
		b.ReportMetric(100*rep.SettledCPU, "settled-cpu-%")
	}
}

// idleCPU runs 'foidesk run' on the wall clock with nothing to send and
// ten empty mailboxes (IDLE where the server offers it, polled every poll
// otherwise) and measures the CPU it takes over d, after a warm-up.
func idleCPU(t testing.TB, poll string, d time.Duration) float64 {
	boxes := soakBoxes()
	imap := imaptest.Start(t, true, boxes...)
	f := newCampaignFixture(t, 2, smtptest.Hooks{}, "")
	port := func(addr string) int {
		_, p, _ := net.SplitHostPort(addr)
		n, _ := strconv.Atoi(p)
		return n
	}
	if err := os.WriteFile(f.cfg, []byte(soakConfig(f.dir, port(f.srv.Addr), port(imap.Addr()), boxes, poll)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FOIDESK_IMAP_PASSWORD", imaptest.Password)
	t.Setenv(clock.Env, "")
	cmd, out, exited := startRun(t, buildFoidesk(t), f)
	servingAddr(t, out)
	time.Sleep(5 * time.Second) // past start-up and the first sync
	t0, w0 := cpuTicks(cmd.Process.Pid), time.Now()
	time.Sleep(d)
	cpu := float64(cpuTicks(cmd.Process.Pid)-t0) / 100 / time.Since(w0).Seconds()
	cmd.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, exited, out); code != 0 {
		t.Errorf("run exited %d after SIGTERM:\n%s", code, out.String())
	}
	return cpu
}

// BenchmarkSoakIdle is the CPU of watching ten idle mailboxes on the wall
// clock, polling every second (an upper bound) and every five minutes
// (the default poll_interval):
//
//	go test ./cmd/foidesk -run '^$' -bench SoakIdle -benchtime 1x
func BenchmarkSoakIdle(b *testing.B) {
	for _, poll := range []string{"1s", "5m"} {
		b.Run("poll="+poll, func(b *testing.B) {
			for b.Loop() {
				cpu := idleCPU(b, poll, time.Minute)
				b.Logf("idle CPU, poll_interval %s: %.3f %% of one core", poll, 100*cpu)
				b.ReportMetric(100*cpu, "idle-cpu-%")
			}
		})
	}
}
