// Package imaptest runs go-imap's in-memory IMAP server on a loopback port
// for tests of foidesk's ingestion, in this package's tests and the CLI's.
package imaptest

import (
	"io"
	"log"
	"net"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// Test credentials.
const (
	User     = "jo"
	Password = "secret"
)

// Server is a running in-memory IMAP server.
type Server struct {
	Host string
	Port int
	User *imapmemserver.User
	srv  *imapserver.Server
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, itoa(s.Port)) }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// Start serves the given mailboxes (INBOX when none) until the test ends.
// idle says whether the server offers IDLE.
func Start(t testing.TB, idle bool, mailboxes ...string) *Server {
	t.Helper()
	return StartOn(t, "127.0.0.1:0", idle, mailboxes...)
}

// StartOn is Start on a given address, e.g. one a client is already
// trying to reach.
func StartOn(t testing.TB, addr string, idle bool, mailboxes ...string) *Server {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(User, Password)
	if len(mailboxes) == 0 {
		mailboxes = []string{"INBOX"}
	}
	for _, mb := range mailboxes {
		if err := user.Create(mb, nil); err != nil {
			t.Fatal(err)
		}
	}
	mem.AddUser(user)
	caps := imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapMove: {}}
	if idle {
		caps[imap.CapIdle] = struct{}{}
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		InsecureAuth: true,
		Caps:         caps,
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return &Server{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, User: user, srv: srv}
}

// Append delivers raw messages to mailbox over IMAP APPEND.
func Append(t testing.TB, addr, mailbox string, raws ...[]byte) {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(User, Password).Wait(); err != nil {
		t.Fatal(err)
	}
	for _, raw := range raws {
		cmd := c.Append(mailbox, int64(len(raw)), nil)
		if _, err := cmd.Write(raw); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	c.Logout().Wait()
}
