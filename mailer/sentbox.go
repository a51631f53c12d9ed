package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// SentBox is the requester's sent-mail folder over IMAP ([imap]
// sent_mailbox). It serves two purposes: with Append, a copy of every
// message foidesk sends is filed there, as a mail program would (some
// providers do it themselves, hence the switch); and a request whose fate
// is unknown is looked for there by its Message-ID, since a provider that
// files sent mail does so only for mail it accepted.
type SentBox struct {
	Host      string
	Port      int
	TLS       string // "tls", "starttls" or "none" (loopback only)
	TLSConfig *tls.Config
	Username  string
	Password  string
	Mailbox   string
	Append    bool
	Timeout   time.Duration

	c *imapclient.Client
}

// do runs f against a logged-in session, dialling one if needed, and gives
// up (closing the connection, which unblocks f) after Timeout or when ctx
// ends. Any error drops the session; the next call dials afresh.
func (b *SentBox) do(ctx context.Context, what string, f func(c *imapclient.Client) error) error {
	if b.c == nil {
		c, err := b.dial(ctx)
		if err != nil {
			return fmt.Errorf("sent mailbox: %w", err)
		}
		b.c = c
	}
	c := b.c
	timeout := b.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	timer := time.AfterFunc(timeout, func() { c.Close() })
	stop := context.AfterFunc(ctx, func() { c.Close() })
	err := f(c)
	timer.Stop()
	stop()
	if err != nil {
		b.Close()
		return fmt.Errorf("sent mailbox %s: %s: %w", b.Mailbox, what, err)
	}
	return nil
}

func (b *SentBox) dial(ctx context.Context) (*imapclient.Client, error) {
	if b.TLS == "none" && !IsLoopback(b.Host) {
		return nil, fmt.Errorf("[imap] tls = \"none\" is allowed only for a loopback host, not %q", b.Host)
	}
	addr := net.JoinHostPort(b.Host, strconv.Itoa(b.Port))
	timeout := b.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	tc := b.TLSConfig
	if tc == nil {
		tc = &tls.Config{ServerName: b.Host, MinVersion: tls.VersionTLS12}
	}
	_ = conn.SetDeadline(time.Now().Add(timeout))
	var c *imapclient.Client
	switch b.TLS {
	case "tls", "":
		tconn := tls.Client(conn, tc)
		if err := tconn.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		c = imapclient.New(tconn, nil)
	case "starttls":
		if c, err = imapclient.NewStartTLS(conn, &imapclient.Options{TLSConfig: tc}); err != nil {
			conn.Close()
			return nil, err
		}
	default:
		c = imapclient.New(conn, nil)
	}
	if err := c.Login(b.Username, b.Password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("login as %s: %w", b.Username, err)
	}
	_ = conn.SetDeadline(time.Time{})
	return c, nil
}

// Close ends the session.
func (b *SentBox) Close() {
	if b.c != nil {
		b.c.Close()
		b.c = nil
	}
}

// File appends raw to the mailbox, marked \Seen, dated at (when the server
// accepted it).
func (b *SentBox) File(ctx context.Context, raw []byte, at time.Time) error {
	return b.do(ctx, "append", func(c *imapclient.Client) error {
		cmd := c.Append(b.Mailbox, int64(len(raw)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}, Time: at})
		if _, err := cmd.Write(raw); err != nil {
			return err
		}
		if err := cmd.Close(); err != nil {
			return err
		}
		_, err := cmd.Wait()
		return err
	})
}

// Find looks for messages by Message-ID (without angle brackets) and
// returns the INTERNALDATE of each one found: when the provider filed it.
func (b *SentBox) Find(ctx context.Context, messageIDs []string) (map[string]time.Time, error) {
	found := map[string]time.Time{}
	if len(messageIDs) == 0 {
		return found, nil
	}
	err := b.do(ctx, "search", func(c *imapclient.Client) error {
		if _, err := c.Select(b.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			return err
		}
		defer func() { c.Unselect().Wait() }()
		for _, id := range messageIDs {
			data, err := c.UIDSearch(&imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: "<" + id + ">"}}}, nil).Wait()
			if err != nil {
				return err
			}
			uids := data.AllUIDs()
			if len(uids) == 0 {
				continue
			}
			msgs, err := c.Fetch(imap.UIDSetNum(uids[0]), &imap.FetchOptions{InternalDate: true}).Collect()
			if err != nil {
				return err
			}
			if len(msgs) == 0 {
				return errors.New("a message found by SEARCH could not be fetched")
			}
			found[id] = msgs[0].InternalDate
		}
		return nil
	})
	return found, err
}
