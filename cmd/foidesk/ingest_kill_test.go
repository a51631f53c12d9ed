package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"foidesk/blob"
	"foidesk/ingest/imaptest"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/mail"
	"foidesk/store/storetest"
)

// buildFoidesk compiles the real binary once per test.
func buildFoidesk(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "foidesk")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// ingestConfig writes a foidesk.toml pointing at an IMAP server.
func ingestConfig(t *testing.T, dir string, port int, extra string) string {
	t.Helper()
	cfg := fmt.Sprintf(`[store]
path = %q
data_dir = %q

[imap]
host = "127.0.0.1"
port = %d
username = %q
tls = "none"
mailboxes = ["INBOX"]
poll_interval = "100ms"
timeout = "5s"
%s`, filepath.Join(dir, "foidesk.db"), filepath.Join(dir, "data"), port, imaptest.User, extra)
	path := filepath.Join(dir, "foidesk.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// killReply is reply i to request req, matched by one of three rules.
func killReply(i int, req campaign.Request, msgID string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: FOI Team <foi%d@council%d.gov.uk>\r\n", i, i)
	switch i % 3 {
	case 0:
		fmt.Fprintf(&b, "To: jo+%s@campaign.example\r\nSubject: Your request\r\n", req.Ref)
	case 1:
		fmt.Fprintf(&b, "To: jo@campaign.example\r\nSubject: RE: Freedom of Information request [ref: %s]\r\n", req.Ref)
	default:
		fmt.Fprintf(&b, "To: jo@campaign.example\r\nSubject: RE: Freedom of Information request\r\nIn-Reply-To: <%s>\r\n", msgID)
	}
	fmt.Fprintf(&b, "Message-ID: <kill-%d@council.example>\r\nDate: Fri, 20 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n", i)
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nPlease find attached reply number %d.\r\n", i)
	fmt.Fprintf(&b, "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"reply-%d.pdf\"\r\n\r\n%%PDF-1.4 reply %d %s\r\n--b--\r\n", i, i, strings.Repeat("x", i%200))
	return []byte(b.String())
}

// TestIngestSurvivesSIGKILL ingests 1,000 messages with the real binary,
// killing it with SIGKILL at random moments at least 20 times and starting
// it again each time: every message must end up stored exactly once and
// matched to the right request.
func TestIngestSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kill test builds and runs the binary")
	}
	const n, kills = 1000, 20
	ctx := context.Background()
	bin := buildFoidesk(t)
	dir := t.TempDir()
	srv := imaptest.Start(t, true)
	cfg := ingestConfig(t, dir, srv.Port, "")

	st, err := store.Open(ctx, filepath.Join(dir, "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var reqs []campaign.Request
	var msgIDs []string
	for i := 0; i < 50; i++ {
		mid := fmt.Sprintf("REQ%d.kill@requests.foidesk.example", i)
		r, err := storetest.Send(ctx, st, storetest.SentRequest{
			AuthorityName: fmt.Sprintf("Council %d", i), AuthorityEmail: fmt.Sprintf("foi@c%d.gov.uk", i), MessageID: mid})
		if err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, r)
		msgIDs = append(msgIDs, mid)
	}
	st.Close()
	want := map[string]string{} // Message-ID header -> ref
	raws := make([][]byte, n)
	for i := 0; i < n; i++ {
		r := reqs[i%len(reqs)]
		raws[i] = killReply(i, r, msgIDs[i%len(reqs)])
		want[fmt.Sprintf("kill-%d@council.example", i)] = r.Ref
	}
	imaptest.Append(t, srv.Addr(), "INBOX", raws...)

	env := append(os.Environ(), "FOIDESK_IMAP_PASSWORD="+imaptest.Password)
	killed, midway := 0, 0
	for killed < kills {
		cmd := exec.Command(bin, "--config", cfg, "ingest")
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = nil, nil
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(30+rand.IntN(1000)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		killed++
		if c := countMessages(t, filepath.Join(dir, "foidesk.db")); c > 0 && c < n {
			midway++
		}
	}
	cmd := exec.Command(bin, "--config", cfg, "ingest", "--once")
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("final ingest --once: %v\n%s", err, out)
	}
	t.Logf("%d kills, %d of them with the mailbox part-way ingested", killed, midway)
	if midway == 0 {
		t.Errorf("no kill landed part-way through; the test proves nothing")
	}

	st, err = store.Open(ctx, filepath.Join(dir, "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ms, err := mail.New(st).Messages(ctx, mail.MessageFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != n {
		t.Fatalf("%d messages stored, want %d", len(ms), n)
	}
	seen := map[string]bool{}
	for _, m := range ms {
		if seen[m.MessageID] {
			t.Errorf("message %s stored twice", m.MessageID)
		}
		seen[m.MessageID] = true
		if m.RequestRef == nil || *m.RequestRef != want[m.MessageID] {
			t.Errorf("message %s matched %v, want %s", m.MessageID, m.RequestRef, want[m.MessageID])
		}
		if m.Attachments != 1 {
			t.Errorf("message %s has %d attachments, want 1", m.MessageID, m.Attachments)
		}
	}
	evs, err := st.Events(ctx, store.EventFilter{Kind: "message.recorded"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != n {
		t.Errorf("%d message.recorded events, want %d", len(evs), n)
	}
	mb, err := mail.New(st).MailboxState(ctx, "INBOX")
	if err != nil || mb.LastUID != n {
		t.Errorf("INBOX last_uid %d (%v), want %d", mb.LastUID, err, n)
	}
	// The last run cleared what the killed ones left half-written and
	// removed its own spare files on its way out.
	if left, err := os.ReadDir(filepath.Join(dir, "data", "blobs", "tmp")); err != nil || len(left) != 0 {
		t.Errorf("%d temporary files left after %d kills and a clean run (%v)", len(left), kills, err)
	}
	for _, m := range ms[:10] {
		raw, err := os.ReadFile(blob.Store{Dir: filepath.Join(dir, "data")}.Path(m.SHA256))
		if err != nil || int64(len(raw)) != m.Size {
			t.Errorf("raw file of message %d: %v (%d bytes, want %d)", m.ID, err, len(raw), m.Size)
		}
	}
}

func countMessages(t *testing.T, db string) int {
	t.Helper()
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ms, err := mail.New(st).Messages(context.Background(), mail.MessageFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}
