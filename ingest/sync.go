package ingest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"foidesk/store"
)

// Keyword is the IMAP keyword added to a message after it is recorded, when
// MarkKeyword is set.
const Keyword = "$FoideskIngested"

// IMAPConfig says where replies arrive and how to watch them.
type IMAPConfig struct {
	Host             string
	Port             int
	TLS              string // "tls" | "starttls" | "none"
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
	// MaxBackoff, each with up to 50% jitter. Defaults 1s and 5m.
	MinBackoff, MaxBackoff time.Duration
	// OnceAttempts is how many times --once tries to connect before giving
	// up; default 5.
	OnceAttempts int
}

func (c *IMAPConfig) defaults() {
	if len(c.Mailboxes) == 0 {
		c.Mailboxes = []string{"INBOX"}
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 5 * time.Minute
	}
	if c.Timeout <= 0 {
		c.Timeout = 60 * time.Second
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 100
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 5 * time.Minute
	}
	if c.OnceAttempts <= 0 {
		c.OnceAttempts = 5
	}
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

// SyncOnce connects, syncs every mailbox once and disconnects. A server that
// cannot be reached is tried OnceAttempts times with backoff.
func (sy *Syncer) SyncOnce(ctx context.Context) (Stats, error) {
	sy.Cfg.defaults()
	var total Stats
	back := sy.Cfg.MinBackoff
	for attempt := 1; ; attempt++ {
		sess, err := sy.dial(ctx)
		if err == nil {
			var st Stats
			st, err = sy.syncAll(ctx, sess)
			sess.close()
			total.Stored += st.Stored
			total.Duplicates += st.Duplicates
			total.Matched += st.Matched
			if err == nil {
				return total, nil
			}
		}
		if !IsTemporary(err) || ctx.Err() != nil {
			return total, err
		}
		if attempt >= sy.Cfg.OnceAttempts {
			sy.Log.Error("IMAP sync failed; giving up after repeated attempts, nothing is lost: the next run continues from the last recorded message", "attempts", attempt, "err", err)
			return total, err
		}
		wait := jitter(back)
		sy.Log.Warn("IMAP sync failed; retrying", "err", err, "attempt", attempt, "retry_in", wait.Round(time.Millisecond))
		if !sleep(ctx, wait) {
			return total, ctx.Err()
		}
		back = min(back*2, sy.Cfg.MaxBackoff)
	}
}

// Run watches the mailboxes until ctx ends: sync, then IDLE (or sleep for
// the poll interval when the server has no IDLE), then sync again. Any
// failure drops the connection and reconnects with exponential backoff and
// jitter; a configuration failure (login refused) is retried too, slowly,
// because the user may fix the server side while foidesk waits.
func (sy *Syncer) Run(ctx context.Context) error {
	sy.Cfg.defaults()
	back := sy.Cfg.MinBackoff
	for ctx.Err() == nil {
		sess, err := sy.dial(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			wait := jitter(back)
			if IsTemporary(err) {
				sy.Log.Warn("cannot reach IMAP server; reconnecting", "err", err, "retry_in", wait.Round(time.Millisecond))
			} else {
				sy.Log.Error("IMAP connection refused; fix the configuration or server, retrying", "err", err, "retry_in", wait.Round(time.Millisecond))
			}
			if !sleep(ctx, wait) {
				break
			}
			back = min(back*2, sy.Cfg.MaxBackoff)
			continue
		}
		err = sy.watch(ctx, sess, func() { back = sy.Cfg.MinBackoff })
		sess.close()
		if ctx.Err() != nil {
			break
		}
		wait := jitter(back)
		if IsTemporary(err) {
			sy.Log.Warn("IMAP connection lost; reconnecting, nothing is lost: sync resumes after the last recorded message", "err", err, "retry_in", wait.Round(time.Millisecond))
		} else {
			sy.Log.Error("could not record incoming mail (disk or database); the message stays on the server and is tried again", "err", err, "retry_in", wait.Round(time.Millisecond))
		}
		if !sleep(ctx, wait) {
			break
		}
		back = min(back*2, sy.Cfg.MaxBackoff)
	}
	return nil
}

func (sy *Syncer) watch(ctx context.Context, sess *session, healthy func()) error {
	for {
		if _, err := sy.syncAll(ctx, sess); err != nil {
			return err
		}
		healthy()
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
	if !sess.caps.Has(imap.CapIdle) {
		select {
		case <-ctx.Done():
		case <-timer.C:
		}
		return nil
	}
	var sel *imap.SelectData
	if err := sess.do(ctx, "IMAP SELECT "+sy.Cfg.Mailboxes[0], func() error {
		var err error
		sel, err = sess.c.Select(sy.Cfg.Mailboxes[0], &imap.SelectOptions{ReadOnly: true}).Wait()
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
	if err := sess.do(ctx, "IMAP IDLE", func() error {
		var err error
		idle, err = sess.c.Idle()
		return err
	}); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-timer.C:
	case <-sess.updates:
	case <-sess.c.Closed():
	}
	return sess.do(ctx, "IMAP IDLE end", func() error {
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
	err := sess.do(ctx, "IMAP SELECT "+mailbox, func() error {
		var err error
		sel, err = sess.c.Select(mailbox, &imap.SelectOptions{ReadOnly: readOnly}).Wait()
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
	err = sess.do(ctx, "IMAP UID SEARCH "+mailbox, func() error {
		data, err := sess.c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{{imap.UIDRange{Start: imap.UID(state.LastUID + 1), Stop: 0}}}}, nil).Wait()
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
	// Fetching batch N+1 overlaps processing batch N; batches are recorded
	// strictly in order, so last_uid still only moves past durable, recorded
	// messages.
	type outcome struct {
		done []imap.UID
		err  error
	}
	var running chan outcome
	wait := func() error {
		if running == nil {
			return nil
		}
		o := <-running
		running = nil
		if len(o.done) > 0 {
			sy.markDone(ctx, sess, mailbox, o.done)
		}
		return o.err
	}
	for len(uids) > 0 {
		n := min(len(uids), sy.Cfg.BatchSize)
		batch := uids[:n]
		uids = uids[n:]
		fb := sy.fetchBatch(ctx, sess, mailbox, batch)
		if err := wait(); err != nil {
			fb.discard()
			return err
		}
		ch := make(chan outcome, 1)
		running = ch
		go func() {
			done, err := sy.processBatch(ctx, fb, mailbox, state.UIDValidity, st)
			ch <- outcome{done, err}
		}()
		if fb.failure != nil {
			if err := wait(); err != nil {
				return err
			}
			return fb.failure
		}
	}
	return wait()
}

func sortUIDs(u []imap.UID) { slices.Sort(u) }

// fetched is one raw message received in full.
type fetched struct {
	uid  imap.UID
	sum  string
	size int64
}

// fetchedBatch is a batch of raw messages in temporary files, not yet
// durable, parsed or recorded.
type fetchedBatch struct {
	blobs   store.Blobs
	got     []fetched
	failure error // the fetch ended early; got holds what arrived in full
}

// discard drops a batch that will not be recorded; its files are written
// out anyway (they are harmless and the next sync rewrites the same names).
func (fb fetchedBatch) discard() { fb.blobs.Flush() }

// fetchBatch streams one batch of messages, each raw message straight to a
// temporary file. A connection lost mid-message leaves that message out
// (its partial file is deleted); it is fetched again after reconnecting.
func (sy *Syncer) fetchBatch(ctx context.Context, sess *session, mailbox string, batch []imap.UID) fetchedBatch {
	fb := fetchedBatch{blobs: sy.Proc.Blobs.Deferred()}
	g := sess.guard(ctx)
	cmd := sess.c.Fetch(imap.UIDSetNum(batch...), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	})
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		g.touch()
		var f fetched
		var blobErr error
		for {
			item := msg.Next()
			if item == nil {
				break
			}
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				f.uid = it.UID
			case imapclient.FetchItemDataBodySection:
				if it.Literal == nil {
					continue
				}
				f.sum, f.size, blobErr = sy.storeRaw(fb.blobs, it.Literal, it.Literal.Size(), g)
			}
			if blobErr != nil {
				break
			}
		}
		if blobErr != nil {
			fb.failure = blobErr
			if IsTemporary(blobErr) {
				// The connection broke mid-message. Let the client's reader
				// see that and stop before the command is drained: draining
				// a cut-short literal while the reader still runs makes both
				// touch one buffer (go-imap v2.0.0-beta.8).
				sess.c.Close()
				select {
				case <-sess.c.Closed():
				case <-time.After(sess.timeout):
				}
			}
			break
		}
		if f.uid != 0 && f.sum != "" {
			fb.got = append(fb.got, f)
		}
	}
	err := cmd.Close()
	if fb.failure == nil {
		fb.failure = g.done("IMAP UID FETCH "+mailbox, err)
	} else {
		g.done("", nil)
	}
	return fb
}

// processBatch parses the batch's messages (attachments to temporary files
// too), makes every file of the batch durable at once, and only then
// matches, triages and records the messages in order, each in its own
// transaction that also advances last_uid.
func (sy *Syncer) processBatch(ctx context.Context, fb fetchedBatch, mailbox string, uidvalidity uint32, st *Stats) ([]imap.UID, error) {
	var done []imap.UID
	var ready []prepared
	var readyUIDs []imap.UID
	textBytes := 0
	record := func() error {
		if err := fb.blobs.Flush(); err != nil {
			return err
		}
		for i, pr := range ready {
			loc := store.Location{Mailbox: mailbox, UIDValidity: uidvalidity, UID: uint32(readyUIDs[i])}
			res, err := sy.Proc.commit(ctx, pr, loc)
			if err != nil {
				return fmt.Errorf("record message uid %d in %s: %w", readyUIDs[i], mailbox, err)
			}
			done = append(done, readyUIDs[i])
			st.add(res)
			if sy.OnResult != nil {
				sy.OnResult(res)
			}
		}
		ready, readyUIDs, textBytes = ready[:0], readyUIDs[:0], 0
		return nil
	}
	for _, f := range fb.got {
		pr, err := sy.Proc.prepare(ctx, fb.blobs, f.sum, f.size)
		if err != nil {
			fb.blobs.Flush()
			return done, fmt.Errorf("message uid %d in %s: %w", f.uid, mailbox, err)
		}
		ready = append(ready, pr)
		readyUIDs = append(readyUIDs, f.uid)
		if pr.parsed != nil {
			textBytes += len(pr.parsed.Text)
		}
		if textBytes > 16<<20 { // bound what a batch holds in memory
			if err := record(); err != nil {
				return done, err
			}
		}
	}
	return done, record()
}

// A literal that ends short of its announced size means the connection
// broke mid-message (the client library reports that as a plain end of
// data): the partial file is discarded, never recorded.
func (sy *Syncer) storeRaw(blobs store.Blobs, r io.Reader, want int64, g *guard) (string, int64, error) {
	w, err := blobs.Create()
	if err != nil {
		return "", 0, err
	}
	n, err := io.Copy(w, &touchReader{r: r, g: g})
	if err == nil && n != want {
		err = fmt.Errorf("got %d of %d bytes", n, want)
	}
	if err != nil {
		w.Abort()
		return "", 0, &errTemporary{fmt.Errorf("fetch message body: %w", err)}
	}
	g.pause()
	sum, n, err := w.Commit()
	g.touch()
	return sum, n, err
}

type touchReader struct {
	r    io.Reader
	g    *guard
	last time.Time
}

func (t *touchReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		if now := time.Now(); now.Sub(t.last) > 100*time.Millisecond {
			t.g.touch()
			t.last = now
		}
	}
	return n, err
}

// markDone optionally tags or moves recorded messages. It runs after the
// database commit, so a failure here loses nothing; it is logged and the
// messages stay where they are.
func (sy *Syncer) markDone(ctx context.Context, sess *session, mailbox string, uids []imap.UID) {
	set := imap.UIDSetNum(uids...)
	if sy.Cfg.MarkKeyword {
		err := sess.do(ctx, "IMAP STORE "+Keyword, func() error {
			return sess.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{Keyword}}, nil).Close()
		})
		if err != nil {
			sy.Log.Warn("could not add keyword to recorded messages; they are safely stored, only the server-side mark is missing", "mailbox", mailbox, "keyword", Keyword, "err", err)
		}
	}
	if sy.Cfg.ProcessedMailbox != "" && sy.Cfg.ProcessedMailbox != mailbox {
		err := sess.do(ctx, "IMAP MOVE", func() error {
			_, err := sess.c.Move(set, sy.Cfg.ProcessedMailbox).Wait()
			return err
		})
		if err != nil {
			sy.Log.Warn("could not move recorded messages to the processed mailbox; they are safely stored and stay where they are", "mailbox", mailbox, "to", sy.Cfg.ProcessedMailbox, "err", err)
		}
	}
}

var jitterMu sync.Mutex

// jitter returns d plus up to 50% random extra, so many clients do not
// reconnect in step.
func jitter(d time.Duration) time.Duration {
	jitterMu.Lock()
	defer jitterMu.Unlock()
	return d + time.Duration(rand.Int64N(int64(d)/2+1))
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
