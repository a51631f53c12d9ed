package mailer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"foidesk/mailconn"
)

// SentBox is the requester's sent-mail folder over IMAP ([imap]
// sent_mailbox). It serves two purposes: with Append, a copy of every
// message foidesk sends is filed there, as a mail program would (some
// providers do it themselves, hence the switch); and a request whose fate
// is unknown is looked for there by its Message-ID, since a provider that
// files sent mail does so only for mail it accepted.
type SentBox struct {
	Host     string
	Port     int
	TLS      mailconn.TLSMode // "tls" (the default), "starttls" or "none" (loopback only)
	CAFile   string
	Username string
	Password string
	Mailbox  string
	Append   bool
	Timeout  time.Duration

	c *mailconn.IMAPConn
}

func (b *SentBox) server() mailconn.Server {
	return mailconn.Server{Proto: mailconn.IMAP, Host: b.Host, Port: b.Port, TLS: b.TLS, CAFile: b.CAFile,
		Username: b.Username, Password: b.Password, Timeout: b.Timeout}
}

// Check reports settings that can never work (mailconn.Server.Check) and a
// CA file that cannot be used, before any letter depends on the mailbox.
func (b *SentBox) Check() error {
	s := b.server()
	if err := s.Check(); err != nil {
		return err
	}
	_, err := s.TLSConfig()
	return err
}

// do runs f against a logged-in session, dialling one if needed, under
// mailconn's guard: it gives up (closing the connection, which unblocks f)
// after Timeout without progress or when ctx ends. Any error drops the
// session; the next call dials afresh.
func (b *SentBox) do(ctx context.Context, what string, f func(c *imapclient.Client) error) error {
	if b.c == nil {
		c, err := mailconn.DialIMAP(ctx, b.server(), mailconn.IMAPOptions{})
		if err != nil {
			return fmt.Errorf("sent mailbox: %w", err)
		}
		b.c = c
	}
	c := b.c
	if err := c.Do(ctx, what, func() error { return f(c.Client) }); err != nil {
		c.Close()
		b.c = nil
		return fmt.Errorf("sent mailbox %s: %w", b.Mailbox, err)
	}
	return nil
}

// Close ends the session.
func (b *SentBox) Close() {
	if b.c != nil {
		b.c.Logout()
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
