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

// Start serves the given mailboxes (INBOX when none) on a loopback port
// until the test ends. idle says whether the server offers IDLE.
func Start(t testing.TB, idle bool, mailboxes ...string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return Serve(t, ln, idle, mailboxes...)
}

// Serve is Start on a listener the test already holds, e.g. one on a
// port a client has been trying to reach (see foidesk/internal/porttest).
// The server owns ln from now on and closes it when the test ends.
func Serve(t testing.TB, ln net.Listener, idle bool, mailboxes ...string) *Server {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(User, Password)
	if len(mailboxes) == 0 {
		mailboxes = []string{"INBOX"}
	}
	for _, mb := range mailboxes {
		if err := user.Create(mb, nil); err != nil {
			ln.Close()
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
	go srv.Serve(ln)
	// The listener is closed here too: Serve may not have registered it
	// with the server yet when the test ends.
	t.Cleanup(func() { srv.Close(); ln.Close() })
	a := ln.Addr().(*net.TCPAddr)
	return &Server{Host: a.IP.String(), Port: a.Port, User: user, srv: srv}
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
