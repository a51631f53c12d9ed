package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/textproto"
	"regexp"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"foidesk/mailconn"
)

// conn is one SMTP session reused for a batch of messages. go-mail dials,
// negotiates TLS and authenticates; the transaction itself is driven
// command by command so that the dispatcher knows exactly whether a failure
// came before the message data was sent (safe to retry) or after (unknown).
type conn struct {
	cfg      SMTP
	client   *gomail.Client
	smtp     *smtp.Client
	lastUsed time.Time
	enhanced bool
}

// ConfigError is a problem on our side that no retry will fix: TLS not
// offered, a certificate that does not verify, a login refused, our sender
// address refused. The dispatcher stops and says so; nothing is sent.
type ConfigError struct {
	Msg string
	Err error
}

func (e *ConfigError) Error() string {
	if e.Err == nil {
		return e.Msg
	}
	return e.Msg + ": " + e.Err.Error()
}
func (e *ConfigError) Unwrap() error { return e.Err }

// ConnectError is a temporary failure to reach the server (refused,
// timed out, dropped during the greeting).
type ConnectError struct{ Err error }

func (e *ConnectError) Error() string { return "cannot reach the SMTP server: " + e.Err.Error() }
func (e *ConnectError) Unwrap() error { return e.Err }

func newConn(cfg SMTP) (*conn, error) {
	tc, err := cfg.tlsConfig()
	if err != nil {
		return nil, &ConfigError{Msg: err.Error()}
	}
	s := cfg.server().WithDefaults()
	cfg.Port, cfg.TLS, cfg.Timeout = s.Port, s.TLS, s.Timeout
	opts := []gomail.Option{gomail.WithPort(cfg.Port), gomail.WithTimeout(cfg.Timeout)}
	switch cfg.TLS {
	case mailconn.TLS:
		opts = append(opts, gomail.WithTLSConfig(tc), gomail.WithSSL(), gomail.WithTLSPolicy(gomail.TLSMandatory))
	case mailconn.StartTLS:
		opts = append(opts, gomail.WithTLSConfig(tc), gomail.WithTLSPolicy(gomail.TLSMandatory))
	case mailconn.None:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if cfg.HELO != "" {
		opts = append(opts, gomail.WithHELO(cfg.HELO))
	}
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	c, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, &ConfigError{Msg: "smtp client", Err: err}
	}
	return &conn{cfg: cfg, client: c}, nil
}

// idleCheck is how long a connection may sit unused before it is probed
// with NOOP before the next message.
const idleCheck = 15 * time.Second

// ready makes sure there is a live session, dialling when there is none.
func (c *conn) ready(ctx context.Context) error {
	if c.smtp != nil && time.Since(c.lastUsed) > idleCheck {
		if err := c.smtp.UpdateDeadline(c.cfg.Timeout); err != nil || c.smtp.Noop() != nil {
			c.drop()
		}
	}
	if c.smtp != nil {
		return nil
	}
	s, err := c.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return classifyDial(c.cfg, err)
	}
	c.smtp = s
	c.enhanced, _ = s.Extension("ENHANCEDSTATUSCODES")
	c.lastUsed = time.Now()
	return nil
}

func classifyDial(cfg SMTP, err error) error {
	addr := fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
	msg := err.Error()
	var tp *textproto.Error
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	switch {
	case strings.Contains(msg, "does not support STARTTLS"):
		return &ConfigError{Msg: fmt.Sprintf("the SMTP server %s does not offer STARTTLS, and [smtp] tls = \"starttls\" requires it; nothing was sent (use tls = \"tls\" if the server speaks implicit TLS, usually on port 465)", addr)}
	case errors.As(err, &certErr):
		return &ConfigError{Msg: fmt.Sprintf("the SMTP server %s's certificate does not verify; nothing was sent (set [smtp] ca_file for a private CA)", addr), Err: err}
	case errors.As(err, &recErr):
		return &ConfigError{Msg: fmt.Sprintf("the SMTP server %s did not answer in TLS; nothing was sent (use tls = \"starttls\" for a server that upgrades with STARTTLS, usually on port 587)", addr), Err: err}
	case errors.As(err, &tp) && tp.Code >= 500:
		return &ConfigError{Msg: fmt.Sprintf("the SMTP server %s refused the session", addr), Err: err}
	case strings.Contains(msg, "auth") || strings.Contains(msg, "535") || strings.Contains(msg, "534"):
		return &ConfigError{Msg: fmt.Sprintf("login to the SMTP server %s failed; check [smtp] username and the password", addr), Err: err}
	}
	return &ConnectError{Err: fmt.Errorf("%s: %w", addr, err)}
}

// drop abandons the session without ceremony (after an error the server's
// state is not to be trusted).
func (c *conn) drop() {
	if c.smtp != nil {
		_ = c.smtp.Close()
		c.smtp = nil
	}
}

// close ends the session politely.
func (c *conn) close() {
	if c.smtp != nil {
		_ = c.smtp.UpdateDeadline(5 * time.Second)
		_ = c.smtp.Quit()
		c.drop()
	}
}

// result is what one SMTP transaction came to.
type result struct {
	kind     resultKind
	reply    replyInfo
	err      error
	accepted time.Time
}

type resultKind int

const (
	resSent    resultKind = iota
	resRetry              // 4xx, or the network failed before the data was sent
	resFailed             // 5xx on RCPT, DATA or end of data
	resUnknown            // the network failed after the data was sent
	resConfig             // our sender refused: no message will get through
)

type replyInfo struct {
	Code     int
	Enhanced string
	Text     string
}

var enhancedRE = regexp.MustCompile(`^([245])\.\d{1,3}\.\d{1,3}\b\s*`)

func replyOf(err error) (replyInfo, bool) {
	var tp *textproto.Error
	if !errors.As(err, &tp) {
		return replyInfo{Text: err.Error()}, false
	}
	r := replyInfo{Code: tp.Code, Text: tp.Msg}
	if m := enhancedRE.FindString(tp.Msg); m != "" {
		r.Enhanced = strings.TrimSpace(m)
		r.Text = strings.TrimSpace(tp.Msg[len(m):])
	}
	return r, true
}

// send runs one transaction: MAIL, RCPT, DATA, the stored bytes, and the
// final dot. Everything up to the 354 reply to DATA is "before the data":
// a failure there cannot have delivered anything.
func (c *conn) send(from, to string, raw []byte) result {
	if res, ok := c.open(from, to); !ok {
		return res
	}
	return c.data(raw)
}

// open starts a transaction with MAIL and RCPT; ok is false when the
// server refused or the connection failed (res says how). Nothing can have
// been delivered yet.
func (c *conn) open(from, to string) (res result, ok bool) {
	s := c.smtp
	c.lastUsed = time.Now()
	if err := s.UpdateDeadline(c.cfg.Timeout); err != nil {
		c.drop()
		return result{kind: resRetry, reply: replyInfo{Text: err.Error()}, err: err}, false
	}
	if err := s.Mail(from); err != nil {
		return c.before(from, "MAIL FROM", err), false
	}
	if err := s.Rcpt(to); err != nil {
		return c.before(from, "RCPT TO", err), false
	}
	return result{}, true
}

// reset abandons an opened transaction (RSET); no message was sent.
func (c *conn) reset() {
	if c.smtp != nil && c.smtp.Reset() != nil {
		c.drop()
	}
}

// before classifies a failure before the data was sent.
func (c *conn) before(from, stage string, err error) result {
	r, isReply := replyOf(err)
	if !isReply {
		c.drop()
		r.Text = stage + ": " + r.Text
		return result{kind: resRetry, reply: r, err: err}
	}
	c.reset()
	switch {
	case r.Code >= 500 && stage == "MAIL FROM":
		return result{kind: resConfig, reply: r, err: &ConfigError{Msg: fmt.Sprintf("the SMTP server refused our sender address %s (%d %s)", from, r.Code, r.Text)}}
	case r.Code >= 500:
		return result{kind: resFailed, reply: r, err: err}
	default:
		return result{kind: resRetry, reply: r, err: err}
	}
}

// data sends DATA, the message and the final dot on an opened transaction.
func (c *conn) data(raw []byte) result {
	s := c.smtp
	c.lastUsed = time.Now()
	if err := s.UpdateDeadline(c.cfg.Timeout); err != nil {
		c.drop()
		return result{kind: resRetry, reply: replyInfo{Text: err.Error()}, err: err}
	}
	w, err := s.Data()
	if err != nil {
		return c.before("", "DATA", err)
	}
	// From here on the server may hold the whole message: only its explicit
	// reply to the final dot tells us what became of it.
	_, werr := w.Write(raw)
	cerr := w.Close()
	accepted := time.Now()
	if werr == nil && cerr == nil {
		r := replyInfo{Code: 250}
		if dc, ok := w.(*smtp.DataCloser); ok {
			r.Text = dc.ServerResponse()
			if m := enhancedRE.FindString(r.Text); m != "" {
				r.Enhanced, r.Text = strings.TrimSpace(m), strings.TrimSpace(r.Text[len(m):])
			}
		}
		return result{kind: resSent, reply: r, accepted: accepted}
	}
	if r, isReply := replyOf(cerr); cerr != nil && isReply && werr == nil {
		if r.Code >= 500 {
			return result{kind: resFailed, reply: r, err: cerr}
		}
		return result{kind: resRetry, reply: r, err: cerr}
	}
	c.drop()
	err = errors.Join(werr, cerr)
	return result{kind: resUnknown, reply: replyInfo{Text: "connection lost after the message data was sent: " + err.Error()}, err: err}
}
