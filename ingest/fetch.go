package ingest

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"foidesk/blob"
	"foidesk/mailconn"
)

func sortUIDs(u []imap.UID) { slices.Sort(u) }

// fetched is one raw message received in full: written to a pending
// (not yet durable) blob and parsed on the way, its attachments pending
// too. Or, with end set, the end of a fetch batch.
type fetched struct {
	uid    imap.UID
	raw    *blob.Writer // written in full, committed by the recorder
	sum    string       // set once raw is committed
	size   int64
	parsed *Parsed
	text   int // bytes of parsed text held, counted against the budget
	end    bool
}

// release gives up the pending blobs of a message that will not be
// recorded.
func (f fetched) release(blobs blob.Store) {
	if f.raw != nil {
		f.raw.Abort()
	} else if f.sum != "" {
		blobs.Release(f.sum)
	}
	if f.parsed != nil {
		for _, a := range f.parsed.Attachments {
			if a.SHA256 != "" {
				blobs.Release(a.SHA256)
			}
		}
	}
}

// fetchBatch streams one batch of messages, each raw message straight to a
// pending blob while it is parsed, and hands them to rec in UID order. A
// connection lost mid-message leaves that message out (its partial files
// are deleted); it is fetched again after reconnecting. The error is why
// the batch ended early; the messages before it were handed over.
func (sy *Syncer) fetchBatch(ctx context.Context, sess *session, mailbox string, batch []imap.UID, rec *recorder) error {
	g := sess.Guard(ctx)
	cmd := sess.Client.Fetch(imap.UIDSetNum(batch...), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	})
	var failure error
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		g.Touch()
		var f fetched
		var uid imap.UID
		var blobErr error
		for {
			item := msg.Next()
			if item == nil {
				break
			}
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = it.UID
			case imapclient.FetchItemDataBodySection:
				if it.Literal == nil {
					continue
				}
				f, blobErr = sy.storeRaw(rec.blobs, it.Literal, it.Literal.Size(), g)
			}
			if blobErr != nil {
				break
			}
		}
		f.uid = uid
		if blobErr != nil {
			failure = blobErr
			if mailconn.IsTemporary(blobErr) {
				// The connection broke mid-message. Let the client's reader
				// see that and stop before the command is drained: draining
				// a cut-short literal while the reader still runs makes both
				// touch one buffer (go-imap v2.0.0-beta.8).
				sess.Client.Close()
				select {
				case <-sess.Client.Closed():
				case <-time.After(sess.Timeout):
				}
			}
			break
		}
		if f.uid == 0 || f.raw == nil {
			f.release(rec.blobs)
			continue
		}
		// Waiting for the recorder is foidesk's own time, not the server's.
		g.Pause()
		rec.add(f)
		g.Touch()
	}
	err := cmd.Close()
	if failure == nil {
		failure = g.Done("IMAP UID FETCH "+mailbox, err)
	} else {
		g.Done("", nil)
	}
	return failure
}

// storeRaw writes one raw message to a pending blob and parses it from the
// same stream, so its bytes are read once: the parser reads through a tee
// into the blob, and whatever it leaves unread is copied after it. A
// literal that ends short of its announced size means the connection broke
// mid-message (the client library reports that as a plain end of data):
// the partial files are discarded, never recorded.
func (sy *Syncer) storeRaw(blobs blob.Store, r io.Reader, want int64, g *mailconn.Guard) (fetched, error) {
	w, err := blobs.Create()
	if err != nil {
		return fetched{}, err
	}
	tee := &rawTee{r: &touchReader{r: r, g: g}, w: w}
	parsed, perr := Parse(tee, want, blobs, sy.Proc.Limits)
	if perr == nil && tee.werr == nil {
		io.Copy(io.Discard, tee) // the rest, into the blob
	}
	f := fetched{parsed: parsed}
	if parsed != nil {
		f.text = len(parsed.Text)
	}
	switch {
	case perr != nil || tee.werr != nil:
		w.Abort()
		f.release(blobs)
		if perr == nil {
			perr = tee.werr
		}
		return fetched{}, perr
	case tee.rerr != nil || w.Size() != want:
		w.Abort()
		f.release(blobs)
		if tee.rerr == nil {
			tee.rerr = fmt.Errorf("got %d of %d bytes", w.Size(), want)
		}
		return fetched{}, mailconn.Temporary(fmt.Errorf("fetch message body: %w", tee.rerr))
	}
	// The last of the hashing and writing finishes on the blob's own
	// goroutine while the next message arrives: the recorder commits it.
	f.raw, f.size = w, w.Size()
	return f, nil
}

// rawTee hands the parser what it reads from the server after writing it
// to the raw blob. A failure to write is kept apart from a failure to read.
// Once the server's reader has ended (or failed), it is not read again:
// reading a cut-short literal further would race with the client's own
// reader (go-imap v2.0.0-beta.8).
type rawTee struct {
	r     io.Reader
	w     *blob.Writer
	ended error // the server's reader returned this; not read again
	rerr  error // reading from the server, other than the end
	werr  error // writing the blob
}

func (t *rawTee) Read(p []byte) (int, error) {
	if t.ended != nil {
		return 0, t.ended
	}
	if t.werr != nil {
		return 0, t.werr
	}
	n, err := t.r.Read(p)
	if n > 0 {
		if _, werr := t.w.Write(p[:n]); werr != nil {
			t.werr = &fsError{werr}
			return 0, t.werr
		}
	}
	if err != nil {
		t.ended = err
		if err != io.EOF {
			t.rerr = err
		}
	}
	return n, err
}

type touchReader struct {
	r    io.Reader
	g    *mailconn.Guard
	last time.Time
}

func (t *touchReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		if now := time.Now(); now.Sub(t.last) > 100*time.Millisecond {
			t.g.Touch()
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
		err := sess.Do(ctx, "IMAP STORE "+Keyword, func() error {
			return sess.Client.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{Keyword}}, nil).Close()
		})
		if err != nil {
			sy.Log.Warn("could not add keyword to recorded messages; they are safely stored, only the server-side mark is missing", "mailbox", mailbox, "keyword", Keyword, "err", err)
		}
	}
	if sy.Cfg.ProcessedMailbox != "" && sy.Cfg.ProcessedMailbox != mailbox {
		err := sess.Do(ctx, "IMAP MOVE", func() error {
			_, err := sess.Client.Move(set, sy.Cfg.ProcessedMailbox).Wait()
			return err
		})
		if err != nil {
			sy.Log.Warn("could not move recorded messages to the processed mailbox; they are safely stored and stay where they are", "mailbox", mailbox, "to", sy.Cfg.ProcessedMailbox, "err", err)
		}
	}
}
