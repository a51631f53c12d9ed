package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"foidesk/mailer/smtptest"
	"foidesk/store"
	"foidesk/store/storetest"
)

// TestRunChasesAndSendsTheDigest: 'foidesk run' on a survey sent in
// September, long overdue by now, with chasers on: each request gets its
// one chaser, threaded on the request, and the day's digest (due at
// 00:00) goes to the requester, each once; a second run sends nothing
// more.
func TestRunChasesAndSendsTheDigest(t *testing.T) {
	f := newCampaignFixture(t, 1, smtptest.Hooks{}, `
[alerts]
digest_time = "00:00"

[web]
listen = "127.0.0.1:0"
`)
	ctx := context.Background()
	st, err := store.Open(ctx, f.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := storetest.SendSurvey(ctx, st, storetest.Survey{Name: "late", Authorities: 2, SentAt: time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := f.cli(t, "campaign", "chasers", "late", "--after", "1", "--every", "5", "--max", "1"); code != 0 {
		t.Fatalf("chasers: %d\n%s%s", code, out, errOut)
	}
	runFor := func(want int) {
		t.Helper()
		rctx, cancel := context.WithCancel(ctx)
		defer cancel()
		out, errb := &syncBuffer{}, &syncBuffer{}
		exited := make(chan int, 1)
		go func() {
			exited <- run(rctx, []string{"--config", f.cfg, "--db", f.db, "run"}, strings.NewReader(""), out, errb)
		}()
		servingAddr(t, out)
		eventually(t, fmt.Sprintf("%d messages at the server", want), func() bool { return len(f.srv.Messages()) >= want })
		// Long enough for a second look by every loop to send more, if
		// anything would.
		time.Sleep(300 * time.Millisecond)
		cancel()
		if code := <-exited; code != 0 {
			t.Fatalf("run exited %d: %s", code, errb.String())
		}
	}
	runFor(3)
	msgs := f.srv.Messages()
	if len(msgs) != 3 {
		t.Fatalf("the server received %d messages, want 2 chasers and 1 digest", len(msgs))
	}
	chased := map[string]bool{}
	digests := 0
	for _, m := range msgs {
		switch {
		case len(m.To) == 1 && m.To[0] == "ann@example.org":
			digests++
			if !bytes.Contains(m.Data, []byte("Message-ID: <digest-")) || !bytes.Contains(m.Data, []byte("multipart/alternative")) {
				t.Errorf("the digest:\n%s", m.Data)
			}
		default:
			for _, r := range reqs {
				if bytes.Contains(m.Data, []byte("In-Reply-To: <"+r.MessageID+">")) && bytes.Contains(m.Data, []byte(r.Ref)) {
					chased[r.Ref] = true
				}
			}
		}
	}
	if digests != 1 || len(chased) != 2 {
		t.Fatalf("%d digests and chasers of %v; want 1 and both requests\n%s", digests, chased, msgs[0].Data)
	}
	runFor(3)
	if n := len(f.srv.Messages()); n != 3 {
		t.Fatalf("a second run sent %d more", n-3)
	}
}
