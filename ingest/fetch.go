package ingest

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"foidesk/store"
)

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
