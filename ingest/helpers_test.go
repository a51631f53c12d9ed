package ingest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"foidesk/blob"
	"foidesk/ingest/imaptest"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/mail"
	"foidesk/store/storetest"
)

type testEnv struct {
	st    *store.Store
	mail  *mail.Store
	blobs blob.Store
	proc  *Processor
	reqs  map[string]campaign.Request
	dir   string
}

func quietLog() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// fixtureRequests are the requests the fixture mail answers.
var fixtureRequests = []struct{ ref, authority, email string }{
	{"K7QW3MP0", "Northshire Council", "foi@northshire.gov.uk"},
	{"B4XN9TRS", "Eastfield Borough Council", "foi@eastfield.gov.uk"},
	{"H2VD6ZCM", "Westmoor District Council", "information.requests@westmoor.gov.uk"},
	{"M8FJ5GAH", "Southvale Council", "foi@southvale.gov.uk"},
	{"T3RY7KEW", "Glenburn Council", "foi@glenburn.gov.uk"},
	{"W9PC2NBP", "Riverton Council", "foi@riverton.gov.uk"},
	{"D5GS8HXB", "Highcliff Council", "foi@highcliff.gov.uk"},
	{"Q6ZA4VMP", "Ashdown Council", "foi@ashdown.gov.uk"},
	{"R2MT9DFD", "Lowbridge Council", "foi@lowbridge.gov.uk"},
	{"N7KB3WQB", "Kingsford Council", "foi@kingsford.gov.uk"},
}

// fixtureMessageID is the Message-ID the mailer gave request i.
func fixtureMessageID(i int, ref string) string {
	return ref + ".2026110210" + twoDigits(i) + "00." + itoa(i+1) + "@requests.foidesk.example"
}

func twoDigits(i int) string { return string([]byte{byte('0' + i/10), byte('0' + i%10)}) }
func itoa(i int) string {
	if i < 10 {
		return string([]byte{byte('0' + i)})
	}
	return twoDigits(i)
}

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	return newTestEnvAt(t, t.TempDir())
}

// newTestEnvAt is newTestEnv with the database and data directory in dir.
func newTestEnvAt(t testing.TB, dir string) *testEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	env := &testEnv{st: st, mail: mail.New(st), blobs: blob.Store{Dir: filepath.Join(dir, "data")}, reqs: map[string]campaign.Request{}, dir: dir}
	env.proc = &Processor{Store: env.mail, Blobs: env.blobs, Log: quietLog()}
	for i, r := range fixtureRequests {
		ref, err := storetest.Send(ctx, st, storetest.SentRequest{
			AuthorityName: r.authority, AuthorityEmail: r.email, Ref: r.ref, MessageID: fixtureMessageID(i, r.ref)})
		if err != nil {
			t.Fatal(err)
		}
		env.reqs[r.ref] = ref
	}
	return env
}

func (e *testEnv) syncer(addr string, port int, mailboxes ...string) *Syncer {
	host, _, _ := net.SplitHostPort(addr)
	return &Syncer{
		Cfg: IMAPConfig{Host: host, Port: port, TLS: "none", Username: imaptest.User, Password: imaptest.Password,
			Mailboxes: mailboxes, Timeout: 5 * time.Second, PollInterval: 200 * time.Millisecond,
			MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, OnceAttempts: 3},
		Proc: e.proc,
		Log:  quietLog(),
	}
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "mail", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func execCommand(name string, args ...string) *exec.Cmd { return exec.Command(name, args...) }

func mustTime(rfc3339 string) time.Time {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		panic(err)
	}
	return t
}
