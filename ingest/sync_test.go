package ingest

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"foidesk/ingest/imaptest"
	"foidesk/internal/porttest"
	"foidesk/mailconn"
	"foidesk/store"
	"foidesk/store/mail"
)

// bulkReply is a reply to request ref of about size bytes.
func bulkReply(i int, ref string, size int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: foi@council.gov.uk\r\nTo: jo@campaign.example\r\nSubject: RE: request [ref: %s] part %d\r\nMessage-ID: <bulk-%d-%s@council.example>\r\nContent-Type: text/plain\r\n\r\n", ref, i, i, ref)
	line := strings.Repeat("recording policy text ", 3) + "\r\n"
	for b.Len() < size {
		b.WriteString(line)
	}
	return []byte(b.String())
}

// imapServer is any IMAP server the tests run against: imapmemserver in
// process, or a real Dovecot.
type imapServer interface {
	Addr() string
}

func portOf(srv imapServer) int {
	_, p, _ := net.SplitHostPort(srv.Addr())
	n, _ := strconv.Atoi(p)
	return n
}

func syncerFor(env *testEnv, srv imapServer, mailboxes ...string) *Syncer {
	sy := env.syncer(srv.Addr(), portOf(srv), mailboxes...)
	sy.Cfg.Username, sy.Cfg.Password = imaptest.User, imaptest.Password
	return sy
}

func imapDo(t *testing.T, addr string, f func(c *imapclient.Client) error) {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(imaptest.User, imaptest.Password).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := f(c); err != nil {
		t.Fatal(err)
	}
}

func countStored(t *testing.T, st *mail.Store) int {
	t.Helper()
	ms, err := st.Messages(context.Background(), mail.MessageFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

// cutProxy forwards to target; the first connection is cut after limit
// bytes from the server, later ones pass everything.
type cutProxy struct {
	ln    net.Listener
	conns atomic.Int32
}

func startCutProxy(t *testing.T, target string, limit int64) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n := p.conns.Add(1)
			go func() {
				s, err := net.Dial("tcp", target)
				if err != nil {
					c.Close()
					return
				}
				go io.Copy(s, c)
				if n == 1 {
					io.CopyN(c, s, limit)
				} else {
					io.Copy(c, s)
				}
				c.Close()
				s.Close()
			}()
		}
	}()
	return p
}

// TestConnectionDroppedMidFetch cuts the connection in the middle of a
// message body: the sync reconnects and finishes, every message stored once,
// byte for byte, and no temporary file is left behind.
func TestConnectionDroppedMidFetch(t *testing.T) {
	testConnectionDroppedMidFetch(t, imaptest.Start(t, false))
}

func testConnectionDroppedMidFetch(t *testing.T, srv imapServer) {
	testConnectionDroppedMidFetchIn(t, srv, "INBOX")
}

func testConnectionDroppedMidFetchIn(t *testing.T, srv imapServer, mailbox string) {
	ctx := context.Background()
	env := newTestEnv(t)
	var raws [][]byte
	for i := 0; i < 10; i++ {
		raws = append(raws, bulkReply(i, "K7QW3MP0", 50<<10))
	}
	imaptest.Append(t, srv.Addr(), mailbox, raws...)
	px := startCutProxy(t, srv.Addr(), 180<<10)
	sy := syncerFor(env, srv, mailbox)
	sy.Cfg.Port = px.ln.Addr().(*net.TCPAddr).Port
	st, err := sy.SyncOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v %d", st, countStored(t, env.mail))
	if px.conns.Load() < 2 {
		t.Fatalf("the connection was never cut and re-made (%d connections)", px.conns.Load())
	}
	if st.Stored != 10 || countStored(t, env.mail) != 10 {
		t.Fatalf("stored %d (%d in db), want 10", st.Stored, countStored(t, env.mail))
	}
	ms, _ := env.mail.Messages(ctx, mail.MessageFilter{Limit: 1000})
	for i, m := range ms {
		got, err := os.ReadFile(env.blobs.Path(m.SHA256))
		if err != nil || string(got) != string(raws[i]) {
			t.Errorf("message %d raw differs from what the server holds (%v)", i, err)
		}
	}
	tmp, _ := os.ReadDir(filepath.Join(env.blobs.Dir, "blobs", "tmp"))
	if len(tmp) != 0 {
		t.Errorf("%d temporary files left behind", len(tmp))
	}
}

// TestUIDValidityChangeRescansWithoutDoubleCounting replaces the mailbox (as
// a server migration does): every UID is new, the rescan recognises what is
// already stored.
func TestUIDValidityChangeRescansWithoutDoubleCounting(t *testing.T) {
	testUIDValidityChange(t, imaptest.Start(t, false, "INBOX", "Archive"))
}

func testUIDValidityChange(t *testing.T, srv imapServer) {
	ctx := context.Background()
	env := newTestEnv(t)
	var raws [][]byte
	for i := 0; i < 5; i++ {
		raws = append(raws, bulkReply(i, "B4XN9TRS", 2<<10))
	}
	imaptest.Append(t, srv.Addr(), "Archive", raws...)
	sy := syncerFor(env, srv, "Archive")
	if st, err := sy.SyncOnce(ctx); err != nil || st.Stored != 5 {
		t.Fatalf("first sync: %+v %v", st, err)
	}
	before, _ := env.mail.MailboxState(ctx, "Archive")
	imapDo(t, srv.Addr(), func(c *imapclient.Client) error {
		if err := c.Delete("Archive").Wait(); err != nil {
			return err
		}
		return c.Create("Archive", nil).Wait()
	})
	imaptest.Append(t, srv.Addr(), "Archive", append(raws, bulkReply(5, "B4XN9TRS", 2<<10), bulkReply(6, "B4XN9TRS", 2<<10))...)
	st, err := sy.SyncOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := env.mail.MailboxState(ctx, "Archive")
	if after.UIDValidity == before.UIDValidity {
		t.Fatalf("UIDVALIDITY did not change (%d)", after.UIDValidity)
	}
	if st.Stored != 2 || st.Duplicates != 5 || countStored(t, env.mail) != 7 {
		t.Fatalf("after rescan: %+v, %d stored in all; want 2 new, 5 recognised, 7 in all", st, countStored(t, env.mail))
	}
	evs, _ := env.st.Events(ctx, store.EventFilter{Kind: "mailbox.uidvalidity_changed"})
	if len(evs) != 1 {
		t.Errorf("%d uidvalidity events, want 1", len(evs))
	}
	ms, _ := env.mail.Messages(ctx, mail.MessageFilter{Limit: 1000})
	locs, _ := env.mail.MessageLocations(ctx, ms[0].ID)
	if len(locs) != 2 {
		t.Errorf("first message seen at %v, want both UIDVALIDITY generations", locs)
	}
	// The rescan's fresh copies of stored messages are dropped, not left
	// behind, and the stored blobs stay where they are.
	if tmp, _ := os.ReadDir(filepath.Join(env.blobs.Dir, "blobs", "tmp")); len(tmp) != 0 {
		t.Errorf("%d temporary files left behind", len(tmp))
	}
	for _, m := range ms {
		if !env.blobs.Has(m.SHA256) {
			t.Errorf("message %d: raw blob missing", m.ID)
		}
	}
}

// TestMailboxDisappears: a watched mailbox vanishes; the others keep
// syncing, and when it comes back with old and new mail only the new counts.
func TestMailboxDisappears(t *testing.T) {
	testMailboxDisappears(t, imaptest.Start(t, false, "Main", "Junk"))
}

func testMailboxDisappears(t *testing.T, srv imapServer) {
	ctx := context.Background()
	env := newTestEnv(t)
	junk := bulkReply(1, "H2VD6ZCM", 1<<10)
	imaptest.Append(t, srv.Addr(), "Junk", junk)
	imaptest.Append(t, srv.Addr(), "Main", bulkReply(2, "H2VD6ZCM", 1<<10))
	sy := syncerFor(env, srv, "Main", "Junk")
	if st, err := sy.SyncOnce(ctx); err != nil || st.Stored != 2 {
		t.Fatalf("first sync: %+v %v", st, err)
	}
	imapDo(t, srv.Addr(), func(c *imapclient.Client) error { return c.Delete("Junk").Wait() })
	imaptest.Append(t, srv.Addr(), "Main", bulkReply(3, "H2VD6ZCM", 1<<10))
	st, err := sy.SyncOnce(ctx)
	if err != nil || st.Stored != 1 {
		t.Fatalf("with Junk gone: %+v %v", st, err)
	}
	imapDo(t, srv.Addr(), func(c *imapclient.Client) error { return c.Create("Junk", nil).Wait() })
	imaptest.Append(t, srv.Addr(), "Junk", junk, bulkReply(4, "H2VD6ZCM", 1<<10))
	st, err = sy.SyncOnce(ctx)
	if err != nil || st.Stored != 1 || st.Duplicates != 1 || countStored(t, env.mail) != 4 {
		t.Fatalf("Junk back: %+v %v, %d in all", st, err, countStored(t, env.mail))
	}
}

// TestServerDownAtStart: the watcher keeps retrying with backoff until the
// server appears, then ingests; --once gives up with a temporary error.
func TestServerDownAtStart(t *testing.T) {
	// The port refuses connections, as with no server, until the server
	// starts on it; nothing else can take it meanwhile.
	reserved := porttest.Reserve(t)
	env := newTestEnv(t)
	sy := env.syncer(reserved.Addr(), reserved.Port(), "INBOX")
	sy.Cfg.Username, sy.Cfg.Password = imaptest.User, imaptest.Password
	sy.Cfg.PollInterval = time.Hour

	_, err := sy.SyncOnce(context.Background())
	if err == nil || !mailconn.IsTemporary(err) {
		t.Fatalf("SyncOnce with no server: %v, want a temporary error", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); sy.Run(ctx) }()
	time.Sleep(300 * time.Millisecond)
	ln, err := reserved.Listen()
	if err != nil {
		t.Fatal(err)
	}
	srv := imaptest.Serve(t, ln, true)
	imaptest.Append(t, srv.Addr(), "INBOX", bulkReply(1, "M8FJ5GAH", 1<<10))
	// Each wait is generous: the reconnect backs off with jitter, and under
	// the race detector on a loaded machine a step can take seconds.
	deadline := time.Now().Add(30 * time.Second)
	for countStored(t, env.mail) < 1 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	// New mail while watching arrives through IDLE (the poll interval is long).
	imaptest.Append(t, srv.Addr(), "INBOX", bulkReply(2, "M8FJ5GAH", 1<<10))
	deadline = time.Now().Add(30 * time.Second)
	for countStored(t, env.mail) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if n := countStored(t, env.mail); n != 2 {
		t.Fatalf("stored %d, want 2", n)
	}
}

// TestSameMessageIDInTwoMailboxesCountsOnce: a copy filed in Junk with a
// spam-filter header added differs in bytes but not in Message-ID; it is one
// reply, seen in two places.
func TestSameMessageIDInTwoMailboxesCountsOnce(t *testing.T) {
	ctx := context.Background()
	env := newTestEnv(t)
	srv := imaptest.Start(t, false, "INBOX", "Junk")
	raw := bulkReply(7, "T3RY7KEW", 1<<10)
	imaptest.Append(t, srv.Addr(), "INBOX", raw)
	imaptest.Append(t, srv.Addr(), "Junk", append([]byte("X-Spam-Flag: YES\r\n"), raw...))
	st, err := syncerFor(env, srv, "INBOX", "Junk").SyncOnce(ctx)
	if err != nil || st.Stored != 1 || st.Duplicates != 1 {
		t.Fatalf("sync: %+v %v, want 1 stored and 1 recognised", st, err)
	}
	ms, _ := env.mail.Messages(ctx, mail.MessageFilter{Limit: 1000})
	locs, _ := env.mail.MessageLocations(ctx, ms[0].ID)
	if len(ms) != 1 || len(locs) != 2 {
		t.Errorf("%d messages, first seen at %v", len(ms), locs)
	}
}
