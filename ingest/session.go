package ingest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// errTemporary wraps failures worth retrying: the network, the server.
type errTemporary struct{ err error }

func (e *errTemporary) Error() string { return e.err.Error() }
func (e *errTemporary) Unwrap() error { return e.err }

// IsTemporary reports whether err is a network or server failure that a
// reconnection may cure, as opposed to a configuration or local failure.
func IsTemporary(err error) bool {
	var t *errTemporary
	return errors.As(err, &t)
}

// session is one logged-in connection.
type session struct {
	c       *imapclient.Client
	timeout time.Duration
	updates chan struct{} // a new message arrived while idling
	caps    imap.CapSet
}

// guard runs a blocking IMAP call with a deadline: if it makes no progress
// within the timeout, or ctx ends, the connection is closed, which unblocks
// the call with an error.
type guard struct {
	sess     *session
	timer    *time.Timer
	timedOut atomic.Bool
	stopCtx  func() bool
}

func (s *session) guard(ctx context.Context) *guard {
	g := &guard{sess: s}
	g.timer = time.AfterFunc(s.timeout, func() {
		g.timedOut.Store(true)
		s.c.Close()
	})
	g.stopCtx = context.AfterFunc(ctx, func() { s.c.Close() })
	return g
}

// touch restarts the inactivity deadline: data is flowing.
func (g *guard) touch() { g.timer.Reset(g.sess.timeout) }

// pause stops the deadline while foidesk itself is busy (writing the
// database), so a slow disk is not mistaken for a dead server.
func (g *guard) pause() { g.timer.Stop() }

func (g *guard) done(what string, err error) error {
	g.timer.Stop()
	g.stopCtx()
	if err == nil {
		return nil
	}
	if g.timedOut.Load() {
		return &errTemporary{fmt.Errorf("%s: no progress within %s: %w", what, g.sess.timeout, err)}
	}
	return &errTemporary{fmt.Errorf("%s: %w", what, err)}
}

func (s *session) do(ctx context.Context, what string, f func() error) error {
	g := s.guard(ctx)
	return g.done(what, f())
}

func (sy *Syncer) dial(ctx context.Context) (*session, error) {
	cfg := sy.Cfg
	addr := net.JoinHostPort(cfg.Host, fmt.Sprint(cfg.Port))
	sess := &session{timeout: cfg.Timeout, updates: make(chan struct{}, 1)}
	opts := &imapclient.Options{
		Dialer: &net.Dialer{Timeout: cfg.Timeout},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					select {
					case sess.updates <- struct{}{}:
					default:
					}
				}
			},
		},
	}
	if cfg.TLS != "none" {
		tc := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
		if cfg.CAFile != "" {
			pem, err := os.ReadFile(cfg.CAFile)
			if err != nil {
				return nil, fmt.Errorf("imap ca_file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("imap ca_file %s: no PEM certificates in it", cfg.CAFile)
			}
			tc.RootCAs = pool
		}
		opts.TLSConfig = tc
	}
	var c *imapclient.Client
	var err error
	switch cfg.TLS {
	case "tls":
		c, err = imapclient.DialTLS(addr, opts)
	case "starttls":
		c, err = imapclient.DialStartTLS(addr, opts)
	case "none":
		c, err = imapclient.DialInsecure(addr, opts)
	default:
		return nil, fmt.Errorf("imap tls must be tls, starttls or none, not %q", cfg.TLS)
	}
	if err != nil {
		return nil, &errTemporary{fmt.Errorf("connect to IMAP server %s: %w", addr, err)}
	}
	sess.c = c
	if err := sess.do(ctx, "IMAP login as "+cfg.Username, func() error { return c.Login(cfg.Username, cfg.Password).Wait() }); err != nil {
		c.Close()
		var ie *imap.Error
		if errors.As(err, &ie) && ie.Type == imap.StatusResponseTypeNo {
			return nil, fmt.Errorf("IMAP login as %s refused: %s", cfg.Username, ie.Text)
		}
		return nil, err
	}
	if err := sess.do(ctx, "IMAP CAPABILITY", func() error {
		caps, err := c.Capability().Wait()
		sess.caps = caps
		return err
	}); err != nil {
		c.Close()
		return nil, err
	}
	return sess, nil
}

func (s *session) close() {
	done := make(chan struct{})
	go func() {
		s.c.Logout().Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	s.c.Close()
}
