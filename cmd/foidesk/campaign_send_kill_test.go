package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"foidesk/mailer/smtptest"
	"foidesk/store/campaign"
)

// The kill test: the real binary sends a 400-request campaign and is
// SIGKILLed at random moments, at least 20 times, then restarted until it
// finishes. Every authority must have received exactly one message, except
// requests left `unknown` (killed between handing a message to the server
// and recording the answer): those received at most one, and there are
// never more of them than kills.
func TestCampaignSendSurvivesSIGKILL(t *testing.T) {
	const n = 401 // 400 with an address, one without
	const kills = 24
	// A little latency at the end of each message's data, as a real server
	// has, keeps the batch running long enough to be killed many times and
	// widens the window between the server's acceptance and its record.
	f := newCampaignFixture(t, n, smtptest.Hooks{Delay: func(cmd, _ string) time.Duration {
		if cmd == "DATA" {
			return 2 * time.Millisecond
		}
		return 0
	}}, "")
	bin := filepath.Join(t.TempDir(), "foidesk")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	if out, errOut, code := f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all"); code != 0 {
		t.Fatalf("create: %d\n%s%s", code, out, errOut)
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	start := time.Now()
	killed, runs := 0, 0
	for ; hasWork(f.requests(t, "survey")); runs++ {
		if runs > 100 {
			t.Fatal("no end in sight")
		}
		cmd := exec.Command(bin, "--config", f.cfg, "--db", f.db, "campaign", "send", "survey")
		cmd.Env = append(os.Environ(), "FOIDESK_CONFIG=")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if killed >= kills {
			select {
			case <-exited:
			case <-time.After(60 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("the last run did not finish:\n%s", out.String())
			}
			t.Logf("final run:\n%s", out.String())
			continue
		}
		if runs%2 == 0 {
			// Any moment: start-up, queueing, recovery or sending.
			time.Sleep(time.Duration(5+rng.IntN(60)) * time.Millisecond)
		} else {
			// Mid-send: after a few more messages, then a random part of
			// one message's time.
			want := len(f.srv.Messages()) + 1 + rng.IntN(8)
			for deadline := time.Now().Add(2 * time.Second); len(f.srv.Messages()) < want && time.Now().Before(deadline); {
				time.Sleep(200 * time.Microsecond)
			}
			time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		if err := <-exited; err != nil && strings.Contains(err.Error(), "killed") {
			killed++
			// A dispatcher holds at most one claim at a time, so a kill can
			// leave at most one request whose fate is unknown.
			sending := 0
			for _, r := range f.requests(t, "survey") {
				if r.OutboxState == campaign.OutboxSending {
					sending++
				}
			}
			if sending > 1 {
				t.Errorf("kill %d left %d requests sending", killed, sending)
			}
		} else {
			t.Logf("run %d ended before it was killed:\n%s", runs, out.String())
		}
	}
	if killed < 20 {
		t.Fatalf("only %d kills landed before the campaign finished", killed)
	}
	// Killed dispatchers' lock files are swept by the next one.
	if locks, _ := filepath.Glob(f.db + ".dispatchers/*.lock"); len(locks) != 0 {
		t.Errorf("stale dispatcher locks left: %v", locks)
	}
	t.Logf("%d runs, %d kills, %v", runs, killed, time.Since(start).Round(time.Millisecond))

	reqs := f.requests(t, "survey")
	if len(reqs) != n-1 {
		t.Fatalf("%d requests", len(reqs))
	}
	got := map[string][]smtptest.Message{}
	for _, m := range f.srv.Messages() {
		got[m.To[0]] = append(got[m.To[0]], m)
	}
	unknown := 0
	dec := new(mime.WordDecoder)
	for _, r := range reqs {
		msgs := got[r.ToEmail]
		switch r.OutboxState {
		case campaign.OutboxSent:
			if len(msgs) != 1 {
				t.Errorf("%s (%s) is sent and received %d messages", r.Ref, r.ToEmail, len(msgs))
				continue
			}
		case campaign.OutboxUnknown:
			unknown++
			t.Logf("unknown: %s %s (received %d): %s", r.Ref, r.ToEmail, len(msgs), r.SMTPText)
			if len(msgs) > 1 {
				t.Errorf("%s (unknown) received %d messages", r.Ref, len(msgs))
			}
			if len(msgs) == 0 {
				continue
			}
		default:
			t.Errorf("%s is %s after the final run", r.Ref, r.OutboxState)
			continue
		}
		checkSentMessage(t, dec, r, msgs[0])
	}
	if unknown > killed {
		t.Errorf("%d unknown requests after %d kills", unknown, killed)
	}
	if len(f.srv.Messages()) > len(reqs) {
		t.Errorf("the server received %d messages for %d requests", len(f.srv.Messages()), len(reqs))
	}
	t.Logf("%d kills, %d unknown, %d messages received, %v", killed, unknown, len(f.srv.Messages()), time.Since(start).Round(time.Millisecond))
}

func hasWork(reqs []campaign.Request) bool {
	for _, r := range reqs {
		switch r.OutboxState {
		case campaign.OutboxQueued, campaign.OutboxRetry, campaign.OutboxSending, campaign.OutboxDraft:
			return true
		}
	}
	return false
}

// checkSentMessage asserts the headers and the per-authority body of one
// received message.
func checkSentMessage(t *testing.T, dec *mime.WordDecoder, r campaign.Request, m smtptest.Message) {
	t.Helper()
	if !bytes.Equal(m.Data, r.RawMessage) {
		t.Errorf("%s: received bytes differ from the stored message", r.Ref)
	}
	if m.From != "ann@example.org" {
		t.Errorf("%s: envelope from %q", r.Ref, m.From)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatalf("%s: %v", r.Ref, err)
	}
	h := msg.Header
	if got := h.Get("Message-Id"); got != "<"+r.Ref+".foi@example.org>" || got != "<"+r.MessageID+">" {
		t.Errorf("%s: Message-ID %q", r.Ref, got)
	}
	if got := h.Get("Reply-To"); got != `"Ann Example" <ann+`+r.Ref+`@example.org>` {
		t.Errorf("%s: Reply-To %q", r.Ref, got)
	}
	if got := h.Get("From"); got != `"Ann Example" <ann@example.org>` {
		t.Errorf("%s: From %q", r.Ref, got)
	}
	if got := h.Get("To"); got != fmt.Sprintf("%q <%s>", r.Authority.Name, r.ToEmail) {
		t.Errorf("%s: To %q", r.Ref, got)
	}
	subj, _ := dec.DecodeHeader(h.Get("Subject"))
	if !strings.HasSuffix(subj, "[ref: "+r.Ref+"]") {
		t.Errorf("%s: Subject %q", r.Ref, subj)
	}
	if d, err := h.Date(); err != nil || time.Since(d) > 10*time.Minute {
		t.Errorf("%s: Date %q", r.Ref, h.Get("Date"))
	}
	if h.Get("X-Mailer") != "" || h.Get("User-Agent") != "" {
		t.Errorf("%s: a header names the software", r.Ref)
	}
	body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
	act := "Freedom of Information Act 2000"
	if r.Authority.Nation == "Scotland" {
		act = "Freedom of Information (Scotland) Act 2002"
	}
	for _, want := range []string{"Dear " + r.Authority.Name + ",", act, r.Ref, "Ann Example"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("%s: body lacks %q", r.Ref, want)
		}
	}
	if r.OutboxState == campaign.OutboxSent && (r.SentAt.IsZero() || r.DueDate == "") {
		t.Errorf("%s: sent without delivery time or due date: %+v", r.Ref, r)
	}
}
