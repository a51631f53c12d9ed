// Package mailconn is how foidesk reaches a mail server. It is the one
// place that decides how a connection is protected (implicit TLS, STARTTLS,
// or clear text to this machine only), which certificates are trusted, how
// an IMAP session is opened and logged in to, how long a silent server is
// waited for, which failures a new connection may cure, and how long to
// wait before trying again. The ingest syncer, the sent-mailbox reconciler
// and SMTP all use it, and the defaults of every connection setting are
// defined here and nowhere else.
//
// Read it top to bottom: the settings (Server and its defaults), the TLS
// configuration and its CA file, temporary and permanent failures, the
// guard against a silent server, IMAP dial and login, and the backoff
// between reconnections.
package mailconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Defaults for the settings of every connection. A zero value in a Server
// or a Backoff means these.
const (
	// DefaultTimeout is how long a server may make no progress (connect,
	// greeting, any command) before the connection is given up.
	DefaultTimeout = 60 * time.Second
	// DefaultMinBackoff and DefaultMaxBackoff bound the wait between
	// reconnection attempts.
	DefaultMinBackoff = time.Second
	DefaultMaxBackoff = 5 * time.Minute
)

// Protocol is the mail protocol a Server speaks. It picks the default TLS
// mode and port, and names the config section ([smtp] or [imap]) in errors.
type Protocol string

const (
	SMTP Protocol = "smtp"
	IMAP Protocol = "imap"
)

// TLSMode is how a connection is protected.
type TLSMode string

const (
	TLS      TLSMode = "tls"      // implicit TLS from the first byte (SMTP 465, IMAP 993)
	StartTLS TLSMode = "starttls" // clear text upgraded by STARTTLS, which must succeed (SMTP 587, IMAP 143)
	None     TLSMode = "none"     // clear text, allowed only to this machine
)

// DefaultTLS is the mode used when none is set: STARTTLS for SMTP
// submission, implicit TLS for IMAP.
func (p Protocol) DefaultTLS() TLSMode {
	if p == SMTP {
		return StartTLS
	}
	return TLS
}

// DefaultPort is the well-known port of p in mode m; 0 for a mode that is
// not one.
func (p Protocol) DefaultPort(m TLSMode) int {
	ports := map[Protocol]map[TLSMode]int{
		SMTP: {TLS: 465, StartTLS: 587, None: 25},
		IMAP: {TLS: 993, StartTLS: 143, None: 143},
	}
	return ports[p][m]
}

// Server is where a mail server is and how to reach it: the connection
// keys of an [smtp] or [imap] section.
type Server struct {
	Proto    Protocol
	Host     string
	Port     int     // 0: Proto.DefaultPort(TLS)
	TLS      TLSMode // "": Proto.DefaultTLS()
	CAFile   string  // PEM certificates to trust instead of the system's roots
	Username string
	Password string
	Timeout  time.Duration // 0: DefaultTimeout
}

// WithDefaults is s with every unset setting given its default.
func (s Server) WithDefaults() Server {
	if s.TLS == "" {
		s.TLS = s.Proto.DefaultTLS()
	}
	if s.Port == 0 {
		s.Port = s.Proto.DefaultPort(s.TLS)
	}
	if s.Timeout <= 0 {
		s.Timeout = DefaultTimeout
	}
	return s
}

// Addr is host:port.
func (s Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Check reports a setting that can never work: a TLS mode that is not
// one, clear text to a host other than this machine, a port out of range.
// An unset host is not an error here (a config may leave a section unset);
// the dialler reports it.
func (s Server) Check() error {
	s = s.WithDefaults()
	switch s.TLS {
	case TLS, StartTLS:
	case None:
		if s.Host != "" && !IsLoopback(s.Host) {
			return &SettingError{s.Proto, "tls", fmt.Sprintf("= \"none\" is allowed only for a loopback host, not %q: the password and every message would cross the network in clear", s.Host)}
		}
	default:
		return &SettingError{s.Proto, "tls", fmt.Sprintf("must be tls, starttls or none, not %q", s.TLS)}
	}
	if s.Port < 1 || s.Port > 65535 {
		return &SettingError{s.Proto, "port", fmt.Sprintf("must be between 1 and 65535, not %d", s.Port)}
	}
	return nil
}

// SettingError is a setting Check rejects: the section's key and what is
// wrong with its value, so that a config file can point at the line.
type SettingError struct {
	Proto   Protocol
	Key     string // within the section: "tls", "port"
	Problem string
}

func (e *SettingError) Error() string { return fmt.Sprintf("[%s] %s %s", e.Proto, e.Key, e.Problem) }

// IsLoopback reports whether host names this machine only.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// TLSConfig is the client TLS configuration for s: the certificate must
// name s.Host and chain to the system's roots, or to those in CAFile when
// it is set; TLS 1.2 at least. It is nil for None.
func (s Server) TLSConfig() (*tls.Config, error) {
	s = s.WithDefaults()
	if s.TLS == None {
		return nil, nil
	}
	tc := &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	if s.CAFile != "" {
		pool, err := loadCA(s.Proto, s.CAFile)
		if err != nil {
			return nil, err
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// loadCA reads the PEM certificates in file, the ca_file key of section p.
func loadCA(p Protocol, file string) (*x509.CertPool, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("[%s] ca_file: %w", p, err)
	}
	defer f.Close()
	// A CA bundle is a few hundred kilobytes; read no more than this.
	const maxCABytes = 4 << 20
	pem, err := io.ReadAll(io.LimitReader(f, maxCABytes+1))
	if err != nil {
		return nil, fmt.Errorf("[%s] ca_file: %w", p, err)
	}
	if len(pem) > maxCABytes {
		return nil, fmt.Errorf("[%s] ca_file %s is over %d bytes, more than a CA bundle can be", p, file, maxCABytes)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("[%s] ca_file %s holds no PEM certificate", p, file)
	}
	return pool, nil
}

// A failure is temporary when a new connection may cure it: the network,
// a server that stopped answering or went away. Any other failure (a
// refused login, a certificate that does not verify, a setting that can
// never work) is permanent: retrying cannot help until a person changes
// something.
type temporary struct{ err error }

func (e *temporary) Error() string { return e.err.Error() }
func (e *temporary) Unwrap() error { return e.err }

// Temporary marks err as a failure a new connection may cure; nil stays nil.
func Temporary(err error) error {
	if err == nil {
		return nil
	}
	return &temporary{err}
}

// IsTemporary reports whether err, or an error it wraps, was marked
// Temporary.
func IsTemporary(err error) bool {
	var t *temporary
	return errors.As(err, &t)
}

// Guard watches one blocking call on a connection: when the call makes no
// progress for the timeout, or ctx ends, the guard closes the connection,
// which unblocks the call with an error. Touch it while data flows, Pause
// it while the caller itself is busy (writing to disk, say) so a slow disk
// is not taken for a dead server, and call Done when the call returns.
type Guard struct {
	timeout  time.Duration
	timer    *time.Timer
	timedOut atomic.Bool
	stopCtx  func() bool
}

// NewGuard starts a guard that calls closeConn after timeout without
// progress, or when ctx ends.
func NewGuard(ctx context.Context, timeout time.Duration, closeConn func()) *Guard {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	g := &Guard{timeout: timeout}
	g.timer = time.AfterFunc(timeout, func() {
		g.timedOut.Store(true)
		closeConn()
	})
	g.stopCtx = context.AfterFunc(ctx, closeConn)
	return g
}

// Touch restarts the deadline: data is flowing.
func (g *Guard) Touch() { g.timer.Reset(g.timeout) }

// Pause stops the deadline until the next Touch.
func (g *Guard) Pause() { g.timer.Stop() }

// Done stops the guard and describes the call's outcome: nil stays nil;
// any error becomes a temporary one, "what: err", saying so when the
// guard ran out of time.
func (g *Guard) Done(what string, err error) error {
	g.timer.Stop()
	g.stopCtx()
	if err == nil {
		return nil
	}
	if g.timedOut.Load() {
		return Temporary(fmt.Errorf("%s: no progress within %s: %w", what, g.timeout, err))
	}
	return Temporary(fmt.Errorf("%s: %w", what, err))
}

// IMAPOptions are what a user of DialIMAP may add to the connection.
type IMAPOptions struct {
	// UnilateralData receives what the server says unasked, such as new
	// mail arriving in the selected mailbox during IDLE. Its functions run
	// on the client's reading goroutine and must not block.
	UnilateralData *imapclient.UnilateralDataHandler
}

// IMAPConn is one logged-in IMAP session.
type IMAPConn struct {
	Client  *imapclient.Client
	Caps    imap.CapSet   // what the server offers once logged in
	Timeout time.Duration // how long any call may make no progress
}

// DialIMAP connects to s (its Proto is taken to be IMAP), protects the
// connection as s.TLS says, logs in and asks for the server's
// capabilities. Every step is guarded by s.Timeout and ends when ctx does.
// A failure to reach the server is temporary; a setting that can never
// work, a certificate that does not verify, a refused STARTTLS or a
// refused login is permanent.
func DialIMAP(ctx context.Context, s Server, opts IMAPOptions) (*IMAPConn, error) {
	s.Proto = IMAP
	s = s.WithDefaults()
	if s.Host == "" {
		return nil, errors.New("[imap] host is not set")
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	tc, err := s.TLSConfig()
	if err != nil {
		return nil, err
	}
	addr := s.Addr()
	d := net.Dialer{Timeout: s.Timeout}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, Temporary(fmt.Errorf("connect to IMAP server %s: %w", addr, err))
	}
	// The TLS handshake, the server's greeting and STARTTLS are guarded
	// as one call.
	copts := &imapclient.Options{TLSConfig: tc, UnilateralDataHandler: opts.UnilateralData}
	var c *imapclient.Client
	setUp := func() error {
		switch s.TLS {
		case TLS:
			tc = tc.Clone()
			tc.NextProtos = []string{"imap"}
			tconn := tls.Client(raw, tc)
			if err := tconn.HandshakeContext(ctx); err != nil {
				return err
			}
			c = imapclient.New(tconn, copts)
		case StartTLS:
			var err error
			if c, err = imapclient.NewStartTLS(raw, copts); err != nil {
				return err
			}
		default:
			c = imapclient.New(raw, copts)
		}
		return c.WaitGreeting()
	}
	g := NewGuard(ctx, s.Timeout, func() { raw.Close() })
	if err := g.Done("connect to IMAP server "+addr, setUp()); err != nil {
		if c != nil {
			c.Close()
		}
		raw.Close()
		return nil, classifyConnect(addr, s.TLS, err)
	}
	conn := &IMAPConn{Client: c, Timeout: s.Timeout}
	if err := conn.Do(ctx, "IMAP login as "+s.Username, func() error { return c.Login(s.Username, s.Password).Wait() }); err != nil {
		c.Close()
		var ie *imap.Error
		if errors.As(err, &ie) && (ie.Type == imap.StatusResponseTypeNo || ie.Type == imap.StatusResponseTypeBad) {
			return nil, fmt.Errorf("IMAP login as %s refused: %s", s.Username, ie.Text)
		}
		return nil, err
	}
	if err := conn.Do(ctx, "IMAP CAPABILITY", func() error {
		caps, err := c.Capability().Wait()
		conn.Caps = caps
		return err
	}); err != nil {
		c.Close()
		return nil, err
	}
	return conn, nil
}

// classifyConnect turns the failures of setting up a connection that no
// retry will cure into permanent errors that say what to change; the rest
// stay temporary.
func classifyConnect(addr string, mode TLSMode, err error) error {
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var ie *imap.Error
	switch {
	case errors.As(err, &certErr):
		return fmt.Errorf("the IMAP server %s's certificate does not verify (set [imap] ca_file for a private CA): %w", addr, certErr)
	case errors.As(err, &recErr):
		return fmt.Errorf("the IMAP server %s did not answer in TLS (use tls = \"starttls\" for a server that upgrades with STARTTLS, usually on port 143)", addr)
	case mode == StartTLS && errors.As(err, &ie):
		return fmt.Errorf("the IMAP server %s refused STARTTLS, which [imap] tls = \"starttls\" requires (use tls = \"tls\" if it speaks implicit TLS, usually on port 993): %s", addr, ie.Text)
	}
	return err
}

// Guard starts a guard over one call on the session.
func (c *IMAPConn) Guard(ctx context.Context) *Guard {
	return NewGuard(ctx, c.Timeout, func() { c.Client.Close() })
}

// Do runs f, a call on the session, under a guard; see Guard.Done for the
// error.
func (c *IMAPConn) Do(ctx context.Context, what string, f func() error) error {
	g := c.Guard(ctx)
	return g.Done(what, f())
}

// Logout ends the session politely, waiting at most two seconds for the
// server's goodbye, and closes the connection.
func (c *IMAPConn) Logout() {
	done := make(chan struct{})
	go func() {
		c.Client.Logout().Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	c.Client.Close()
}

// Close drops the connection at once, as after a failure, when the
// server's state is not to be trusted.
func (c *IMAPConn) Close() { c.Client.Close() }

// Backoff spaces out reconnection attempts: the first wait is Min, each
// next one twice the last up to Max, and each has up to half as much again
// added at random, so that many clients that lost the same server do not
// all return at once. Reset it once a connection has proved healthy. The
// zero value waits from DefaultMinBackoff to DefaultMaxBackoff. A Backoff
// is not safe for concurrent use.
type Backoff struct {
	Min, Max time.Duration
	next     time.Duration
}

// Next is how long to wait before the next attempt.
func (b *Backoff) Next() time.Duration {
	lo, hi := b.Min, b.Max
	if lo <= 0 {
		lo = DefaultMinBackoff
	}
	if hi <= 0 {
		hi = DefaultMaxBackoff
	}
	hi = max(hi, lo)
	d := min(max(b.next, lo), hi)
	b.next = min(d*2, hi)
	return d + time.Duration(rand.Int64N(int64(d)/2+1))
}

// Reset starts the waits from Min again.
func (b *Backoff) Reset() { b.next = 0 }

// Sleep waits d, or until ctx ends; it reports whether the wait ran its
// course.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
