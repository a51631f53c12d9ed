// Package smtptest runs an in-process SMTP server (go-smtp) for tests: it
// records every message it accepts and injects the faults real servers
// produce — temporary and permanent rejections, connections dropped after
// the data, slow replies, no STARTTLS.
package smtptest

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted (or, with DropAfterData,
// received in full before hanging up).
type Message struct {
	From string
	To   []string
	Data []byte
	At   time.Time
}

// Hooks inject faults. Nil hooks accept everything at once.
type Hooks struct {
	// Mail may reject a sender: return an *smtp.SMTPError.
	Mail func(from string) error
	// Rcpt may reject a recipient: return an *smtp.SMTPError.
	Rcpt func(to string) error
	// Data decides what happens once a message's data has been received.
	Data func(m Message) DataAction
	// Delay, when set, sleeps before answering the named command
	// ("MAIL", "RCPT", or "DATA" once the data is read) for the recipient
	// being handled (for DATA: the first one).
	Delay func(cmd, rcpt string) time.Duration
}

// DataAction is the server's answer to a received message.
type DataAction struct {
	Reject        error // an *smtp.SMTPError, or nil to accept
	DropAfterData bool  // record the message, then close the connection without a reply
}

// Server is a running test server.
type Server struct {
	Addr  string
	Host  string
	Port  int
	srv   *smtp.Server
	ln    net.Listener
	hooks Hooks

	mu       sync.Mutex
	messages []Message
	sessions int
}

// Options configures Start.
type Options struct {
	TLS   *tls.Config // offer STARTTLS with this config; nil: no STARTTLS
	Hooks Hooks
	// MaxMessageBytes is the largest message accepted (advertised as
	// SIZE; a larger one is refused with 552 before it is held);
	// default DefaultMaxMessageBytes. foidesk demo runs this server, so
	// what it holds stays bounded.
	MaxMessageBytes int64
}

// DefaultMaxMessageBytes bounds a message when Options gives no limit:
// far above any request letter or digest.
const DefaultMaxMessageBytes = 32 << 20

// Start listens on a loopback port.
func Start(o Options) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: l.Addr().String(), Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, ln: l, hooks: o.Hooks}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		return &session{s: s, c: c}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.TLSConfig = o.TLS
	srv.MaxMessageBytes = o.MaxMessageBytes
	if srv.MaxMessageBytes <= 0 {
		srv.MaxMessageBytes = DefaultMaxMessageBytes
	}
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.ErrorLog = nopLogger{}
	s.srv = srv
	go srv.Serve(l)
	return s, nil
}

// Close stops the server. The listener is closed here too: Serve may not
// have registered it with the server yet.
func (s *Server) Close() error {
	err := s.srv.Close()
	s.ln.Close()
	return err
}

// Messages returns what was received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Sessions counts connections made.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

type session struct {
	s    *Server
	c    *smtp.Conn
	from string
	to   []string
}

func (x *session) delay(cmd, rcpt string) {
	if x.s.hooks.Delay != nil {
		if d := x.s.hooks.Delay(cmd, rcpt); d > 0 {
			time.Sleep(d)
		}
	}
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.delay("MAIL", "")
	if x.s.hooks.Mail != nil {
		if err := x.s.hooks.Mail(from); err != nil {
			return err
		}
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.delay("RCPT", to)
	if x.s.hooks.Rcpt != nil {
		if err := x.s.hooks.Rcpt(to); err != nil {
			return err
		}
	}
	x.to = append(x.to, to)
	return nil
}

// Data holds the message, which the server's MaxMessageBytes bounds:
// go-smtp's reader fails with 552 past it.
func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	first := ""
	if len(x.to) > 0 {
		first = x.to[0]
	}
	x.delay("DATA", first)
	m := Message{From: x.from, To: append([]string(nil), x.to...), Data: b, At: time.Now()}
	var act DataAction
	if x.s.hooks.Data != nil {
		act = x.s.hooks.Data(m)
	}
	if act.Reject != nil {
		return act.Reject
	}
	x.s.mu.Lock()
	x.s.messages = append(x.s.messages, m)
	x.s.mu.Unlock()
	if act.DropAfterData {
		x.c.Conn().Close()
		return errors.New("connection dropped by test")
	}
	return nil
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
func (nopLogger) Println(...any)        {}
