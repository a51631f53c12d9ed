package ingest

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"foidesk/mailconn"
)

// Keyword is the IMAP keyword added to a message after it is recorded, when
// MarkKeyword is set.
const Keyword = "$FoideskIngested"

// IMAPConfig says where replies arrive and how to watch them. The
// connection settings (host to timeout) and the backoff are mailconn's,
// with its defaults.
type IMAPConfig struct {
	Host             string
	Port             int
	TLS              mailconn.TLSMode
	CAFile           string
	Username         string
	Password         string
	Mailboxes        []string
	PollInterval     time.Duration
	Timeout          time.Duration // no progress for this long on any network operation: give up on the connection
	MarkKeyword      bool
	ProcessedMailbox string
	BatchSize        int // UIDs per FETCH; default 100

	// Backoff between reconnection attempts: from MinBackoff doubling to
	// MaxBackoff, each with up to 50% jitter (mailconn.Backoff).
	MinBackoff, MaxBackoff time.Duration
	// OnceAttempts is how many times --once tries to connect before giving
	// up; default 5.
	OnceAttempts int
}

// WithDefaults is the config with unset fields filled: INBOX, a 5-minute
// poll, batches of 100, 5 attempts for --once; and the connection's
// defaults from mailconn. They are defined here only; config check shows
// them by calling this.
func (c IMAPConfig) WithDefaults() IMAPConfig {
	c.defaults()
	srv := c.server().WithDefaults()
	c.TLS, c.Port, c.Timeout = srv.TLS, srv.Port, srv.Timeout
	return c
}

func (c *IMAPConfig) defaults() {
	if len(c.Mailboxes) == 0 {
		c.Mailboxes = []string{"INBOX"}
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 5 * time.Minute
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 100
	}
	if c.OnceAttempts <= 0 {
		c.OnceAttempts = 5
	}
}

// server is the connection half of the config.
func (c *IMAPConfig) server() mailconn.Server {
	return mailconn.Server{Proto: mailconn.IMAP, Host: c.Host, Port: c.Port, TLS: c.TLS, CAFile: c.CAFile,
		Username: c.Username, Password: c.Password, Timeout: c.Timeout}
}

// Syncer copies new mail from the watched mailboxes into the store. It never
// deletes or expunges and never relies on \Seen: progress is the per-mailbox
// (UIDVALIDITY, last UID) pair in the database, advanced only in the
// transaction that records a message whose raw bytes are already durable.
type Syncer struct {
	Cfg      IMAPConfig
	Proc     *Processor
	Log      *slog.Logger
	OnResult func(Result) // called after each message is recorded
	// OnSynced, when set, is called by Run each time every mailbox has
	// been synced to the end (for a "last successful sync" metric).
	OnSynced func()
	// OnError, when set, hears each failure after which Run reconnects,
	// so that a health check can say the watcher is failing although Run
	// keeps going.
	OnError func(error)
}

func (sy *Syncer) failed(err error) {
	if sy.OnError != nil {
		sy.OnError(err)
	}
}

// Stats counts one sync pass.
type Stats struct {
	Stored     int
	Duplicates int
	Matched    int
}

func (s *Stats) add(r Result) {
	if r.Duplicate {
		s.Duplicates++
		return
	}
	s.Stored++
	if r.Ref != "" {
		s.Matched++
	}
}

// SyncOnce connects, syncs every mailbox once and disconnects. A server that
// cannot be reached is tried OnceAttempts times with backoff.
func (sy *Syncer) SyncOnce(ctx context.Context) (Stats, error) {
	sy.Cfg.defaults()
	var total Stats
	back := mailconn.Backoff{Min: sy.Cfg.MinBackoff, Max: sy.Cfg.MaxBackoff}
	for attempt := 1; ; attempt++ {
		sess, err := sy.dial(ctx)
		if err == nil {
			var st Stats
			st, err = sy.syncAll(ctx, sess)
			sess.Logout()
			total.Stored += st.Stored
			total.Duplicates += st.Duplicates
			total.Matched += st.Matched
			if err == nil {
				return total, nil
			}
		}
		if !mailconn.IsTemporary(err) || ctx.Err() != nil {
			return total, err
		}
		if attempt >= sy.Cfg.OnceAttempts {
			sy.Log.Error("IMAP sync failed; giving up after repeated attempts, nothing is lost: the next run continues from the last recorded message", "attempts", attempt, "err", err)
			return total, err
		}
		wait := back.Next()
		sy.Log.Warn("IMAP sync failed; retrying", "err", err, "attempt", attempt, "retry_in", wait.Round(time.Millisecond))
		if !mailconn.Sleep(ctx, wait) {
			return total, ctx.Err()
		}
	}
}

// Run watches the mailboxes until ctx ends: sync, then IDLE (or sleep for
// the poll interval when the server has no IDLE), then sync again. Any
// failure drops the connection and reconnects with exponential backoff and
// jitter; a configuration failure (login refused) is retried too, slowly,
// because the user may fix the server side while foidesk waits.
func (sy *Syncer) Run(ctx context.Context) error {
	sy.Cfg.defaults()
	back := mailconn.Backoff{Min: sy.Cfg.MinBackoff, Max: sy.Cfg.MaxBackoff}
	for ctx.Err() == nil {
		sess, err := sy.dial(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			sy.failed(err)
			wait := back.Next()
			if mailconn.IsTemporary(err) {
				sy.Log.Warn("cannot reach IMAP server; reconnecting", "err", err, "retry_in", wait.Round(time.Millisecond))
			} else {
				sy.Log.Error("IMAP connection refused; fix the configuration or server, retrying", "err", err, "retry_in", wait.Round(time.Millisecond))
			}
			if !mailconn.Sleep(ctx, wait) {
				break
			}
			continue
		}
		err = sy.watch(ctx, sess, back.Reset)
		sess.Logout()
		if ctx.Err() != nil {
			break
		}
		sy.failed(err)
		wait := back.Next()
		if mailconn.IsTemporary(err) {
			sy.Log.Warn("IMAP connection lost; reconnecting, nothing is lost: sync resumes after the last recorded message", "err", err, "retry_in", wait.Round(time.Millisecond))
		} else {
			sy.Log.Error("could not record incoming mail (disk or database); the message stays on the server and is tried again", "err", err, "retry_in", wait.Round(time.Millisecond))
		}
		if !mailconn.Sleep(ctx, wait) {
			break
		}
	}
	return nil
}

func (sy *Syncer) watch(ctx context.Context, sess *session, healthy func()) error {
	for {
		if _, err := sy.syncAll(ctx, sess); err != nil {
			return err
		}
		healthy()
		if sy.OnSynced != nil {
			sy.OnSynced()
		}
		if err := sy.wait(ctx, sess); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// wait blocks until new mail may have arrived: IDLE on the first mailbox
// when offered (ending at the poll interval, since other mailboxes are not
// watched by it and servers drop long IDLEs), else the poll interval.
func (sy *Syncer) wait(ctx context.Context, sess *session) error {
	timer := time.NewTimer(sy.Cfg.PollInterval)
	defer timer.Stop()
	if !sess.Caps.Has(imap.CapIdle) {
		select {
		case <-ctx.Done():
		case <-timer.C:
		}
		return nil
	}
	var sel *imap.SelectData
	if err := sess.Do(ctx, "IMAP SELECT "+sy.Cfg.Mailboxes[0], func() error {
		var err error
		sel, err = sess.Client.Select(sy.Cfg.Mailboxes[0], &imap.SelectOptions{ReadOnly: true}).Wait()
		return err
	}); err != nil {
		// The mailbox may be gone; fall back to polling.
		select {
		case <-ctx.Done():
		case <-timer.C:
		}
		return nil
	}
	select {
	case <-sess.updates:
	default:
	}
	// Mail that arrived between the sync and now would not wake the IDLE.
	if state, err := sy.Proc.Store.MailboxState(ctx, sy.Cfg.Mailboxes[0]); err == nil && state.UIDValidity == sel.UIDValidity &&
		sel.UIDNext != 0 && uint32(sel.UIDNext) > state.LastUID+1 {
		return nil
	}
	var idle *imapclient.IdleCommand
	if err := sess.Do(ctx, "IMAP IDLE", func() error {
		var err error
		idle, err = sess.Client.Idle()
		return err
	}); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-timer.C:
	case <-sess.updates:
	case <-sess.Client.Closed():
	}
	return sess.Do(ctx, "IMAP IDLE end", func() error {
		if err := idle.Close(); err != nil {
			return err
		}
		return idle.Wait()
	})
}

func (sy *Syncer) syncAll(ctx context.Context, sess *session) (Stats, error) {
	var st Stats
	for _, mb := range sy.Cfg.Mailboxes {
		if err := sy.syncMailbox(ctx, sess, mb, &st); err != nil {
			return st, err
		}
	}
	return st, nil
}

func isNonexistent(err error) bool {
	var ie *imap.Error
	if errors.As(err, &ie) {
		return ie.Code == imap.ResponseCodeNonExistent || ie.Type == imap.StatusResponseTypeNo
	}
	return false
}

func (sy *Syncer) syncMailbox(ctx context.Context, sess *session, mailbox string, st *Stats) error {
	readOnly := !sy.Cfg.MarkKeyword && sy.Cfg.ProcessedMailbox == ""
	var sel *imap.SelectData
	err := sess.Do(ctx, "IMAP SELECT "+mailbox, func() error {
		var err error
		sel, err = sess.Client.Select(mailbox, &imap.SelectOptions{ReadOnly: readOnly}).Wait()
		return err
	})
	if err != nil {
		if isNonexistent(err) {
			sy.Log.Error("IMAP mailbox cannot be opened; skipping it this pass and trying again next pass, its sync state is kept", "mailbox", mailbox, "err", err)
			return nil
		}
		return err
	}
	prev, err := sy.Proc.Store.MailboxState(ctx, mailbox)
	if err != nil {
		return err
	}
	if prev.Known && prev.UIDValidity != sel.UIDValidity {
		sy.Log.Warn("IMAP mailbox UIDVALIDITY changed; rescanning it from the start, messages already stored are recognised by content and not counted again",
			"mailbox", mailbox, "old", prev.UIDValidity, "new", sel.UIDValidity)
	}
	state, err := sy.Proc.Store.StartMailbox(ctx, mailbox, sel.UIDValidity)
	if err != nil {
		return err
	}
	if sel.UIDNext != 0 && uint32(sel.UIDNext) <= state.LastUID+1 {
		return nil
	}
	var uids []imap.UID
	err = sess.Do(ctx, "IMAP UID SEARCH "+mailbox, func() error {
		data, err := sess.Client.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{{imap.UIDRange{Start: imap.UID(state.LastUID + 1), Stop: 0}}}}, nil).Wait()
		if err != nil {
			return err
		}
		for _, u := range data.AllUIDs() {
			if uint32(u) > state.LastUID {
				uids = append(uids, u)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	sortUIDs(uids)
	// Fetching batch N+1 overlaps recording batch N; the recorder takes the
	// messages strictly in order, so last_uid still only moves past
	// durable, recorded messages.
	batches := (len(uids) + sy.Cfg.BatchSize - 1) / sy.Cfg.BatchSize
	rec := sy.startRecorder(ctx, mailbox, state.UIDValidity, st, batches)
	defer rec.stop()
	inflight := 0
	wait := func() error {
		o := <-rec.out
		inflight--
		if len(o.done) > 0 {
			sy.markDone(ctx, sess, mailbox, o.done)
		}
		return o.err
	}
	waitAll := func() error {
		var first error
		for inflight > 0 {
			if err := wait(); err != nil && first == nil {
				first = err
			}
		}
		return first
	}
	for len(uids) > 0 {
		n := min(len(uids), sy.Cfg.BatchSize)
		batch := uids[:n]
		uids = uids[n:]
		failure := sy.fetchBatch(ctx, sess, mailbox, batch, rec)
		rec.endBatch()
		inflight++
		if failure != nil {
			if err := waitAll(); err != nil {
				return err
			}
			return failure
		}
		if inflight > 1 {
			if err := wait(); err != nil {
				waitAll()
				return err
			}
		}
	}
	return waitAll()
}
