package main

import (
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"foidesk/mailer/smtptest"
	"foidesk/store/campaign"
)

// startRun starts 'foidesk run' as a process against the fixture.
func startRun(t testing.TB, bin string, f *campaignFixture) (*exec.Cmd, *syncBuffer, <-chan int) {
	t.Helper()
	cmd := exec.Command(bin, "--config", f.cfg, "--db", f.db, "run")
	cmd.Env = append(os.Environ(), "FOIDESK_CONFIG=")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan int, 1)
	go func() {
		cmd.Wait()
		exited <- cmd.ProcessState.ExitCode()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, out, exited
}

func waitExit(t testing.TB, exited <-chan int, out *syncBuffer) int {
	t.Helper()
	select {
	case code := <-exited:
		return code
	case <-time.After(60 * time.Second):
		t.Fatalf("foidesk run did not exit:\n%s", out.String())
		return -1
	}
}

// TestRunStopsCleanlyOnSIGTERMMidBatch: SIGTERM arrives while the server
// holds a message's data and has not yet answered. run must finish that
// transaction and record it, send nothing more, and exit 0 with no request
// unknown; a second run sends the rest, each exactly once.
func TestRunStopsCleanlyOnSIGTERMMidBatch(t *testing.T) {
	const n = 21 // 20 with an address, one without
	const stopAt = 5
	var mu sync.Mutex
	datas := 0
	inFlight := make(chan struct{})
	slow := true
	f := newCampaignFixture(t, n, smtptest.Hooks{Delay: func(cmd, _ string) time.Duration {
		if cmd != "DATA" {
			return 0
		}
		mu.Lock()
		defer mu.Unlock()
		datas++
		if datas == stopAt {
			close(inFlight)
			// Long enough for the signal to arrive while the reply is
			// still owed.
			return time.Second
		}
		if slow {
			return 50 * time.Millisecond
		}
		return 0
	}}, `
[web]
listen = "127.0.0.1:0"
`)
	bin := buildFoidesk(t)
	if out, errOut, code := f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all"); code != 0 {
		t.Fatalf("create: %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := f.cli(t, "campaign", "send", "survey", "--queue-only"); code != 0 {
		t.Fatalf("queue: %d\n%s%s", code, out, errOut)
	}

	cmd, out, exited := startRun(t, bin, f)
	select {
	case <-inFlight:
	case <-time.After(60 * time.Second):
		t.Fatalf("no message reached its data:\n%s", out.String())
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, exited, out); code != 0 {
		t.Fatalf("run exited %d after SIGTERM, want 0:\n%s", code, out.String())
	}
	reqs := f.requests(t, "survey")
	received := receivedBy(f.srv.Messages())
	sent := 0
	for _, r := range reqs {
		switch r.OutboxState {
		case campaign.OutboxSent:
			sent++
			if received[r.ToEmail] != 1 {
				t.Errorf("%s is sent but the server received %d messages for %s", r.Ref, received[r.ToEmail], r.ToEmail)
			}
		case campaign.OutboxQueued, campaign.OutboxRetry:
			if received[r.ToEmail] != 0 {
				t.Errorf("%s is %s but the server received %d messages for %s", r.Ref, r.OutboxState, received[r.ToEmail], r.ToEmail)
			}
		case campaign.OutboxDraft:
			if r.ToEmail != "" {
				t.Errorf("%s is a draft", r.Ref)
			}
		default:
			t.Errorf("%s ended %s after a clean stop:\n%s", r.Ref, r.OutboxState, out.String())
		}
	}
	if sent < stopAt || sent == n-1 {
		t.Fatalf("%d sent before the stop; want the %d before and during the signal, and not all %d", sent, stopAt, n-1)
	}
	t.Logf("%d of %d sent before SIGTERM", sent, n-1)

	// The next run sends the rest, once each, and stops cleanly too.
	mu.Lock()
	slow = false
	mu.Unlock()
	cmd, out, exited = startRun(t, bin, f)
	eventually(t, "the rest to be sent", func() bool { return !hasWork(f.requests(t, "survey")) })
	cmd.Process.Signal(syscall.SIGTERM)
	if code := waitExit(t, exited, out); code != 0 {
		t.Fatalf("second run exited %d:\n%s", code, out.String())
	}
	received = receivedBy(f.srv.Messages())
	for _, r := range f.requests(t, "survey") {
		if r.ToEmail == "" {
			continue
		}
		if r.OutboxState != campaign.OutboxSent || received[r.ToEmail] != 1 {
			t.Errorf("%s: %s, the server received %d messages for %s; want sent once", r.Ref, r.OutboxState, received[r.ToEmail], r.ToEmail)
		}
	}
}

// TestRunSecondSignalStopsAtOnce: a second signal while run waits for a
// slow server ends it at once with status 1, saying what it did not wait for.
func TestRunSecondSignalStopsAtOnce(t *testing.T) {
	inFlight := make(chan struct{})
	var once sync.Once
	f := newCampaignFixture(t, 2, smtptest.Hooks{Delay: func(cmd, _ string) time.Duration {
		if cmd == "DATA" {
			once.Do(func() { close(inFlight) })
			return 8 * time.Second
		}
		return 0
	}}, `
[web]
listen = "127.0.0.1:0"
`)
	bin := buildFoidesk(t)
	f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all")
	if out, errOut, code := f.cli(t, "campaign", "send", "survey", "--queue-only"); code != 0 {
		t.Fatalf("queue: %d\n%s%s", code, out, errOut)
	}
	cmd, out, exited := startRun(t, bin, f)
	select {
	case <-inFlight:
	case <-time.After(60 * time.Second):
		t.Fatalf("no message reached its data:\n%s", out.String())
	}
	cmd.Process.Signal(syscall.SIGTERM)
	eventually(t, "run to log that it is stopping", func() bool { return strings.Contains(out.String(), "stopping") })
	cmd.Process.Signal(syscall.SIGINT)
	if code := waitExit(t, exited, out); code != 1 {
		t.Fatalf("exit %d after a second signal, want 1:\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "stopped without waiting for dispatch") {
		t.Errorf("run did not say what it left:\n%s", out.String())
	}
}

// receivedBy counts the server's messages by recipient.
func receivedBy(msgs []smtptest.Message) map[string]int {
	n := map[string]int{}
	for _, m := range msgs {
		for _, to := range m.To {
			n[to]++
		}
	}
	return n
}
