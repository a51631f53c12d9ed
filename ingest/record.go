package ingest

import (
	"context"
	"fmt"
	"sync"

	"github.com/emersion/go-imap/v2"

	"foidesk/blob"
	"foidesk/store/mail"
)

// Text held by messages fetched but not yet recorded is bounded: the
// recorder records early past recordEarlyText, and the fetcher waits past
// maxPendingText.
const (
	recordEarlyText = 16 << 20
	maxPendingText  = 32 << 20
)

// recorder records fetched messages strictly in UID order, on its own
// goroutine, so that fetching the next messages overlaps making these
// durable and recording them. For each group (a fetch batch, or less when
// their text grows large) it first makes every pending blob durable (one
// Flush), then matches, triages and records the messages one transaction
// each, each advancing last_uid. After a failure it records nothing more:
// last_uid never passes a message that was not recorded.
type recorder struct {
	sy          *Syncer
	ctx         context.Context
	mailbox     string
	uidvalidity uint32
	st          *Stats
	blobs       blob.Store

	in     chan fetched
	out    chan outcome // one per end of batch
	exited chan struct{}

	mu   sync.Mutex
	cond *sync.Cond
	text int // bytes of parsed text handed over and not yet recorded
}

// outcome is what became of one fetch batch: the UIDs recorded, and the
// failure that stopped the recording, if any.
type outcome struct {
	done []imap.UID
	err  error
}

func (sy *Syncer) startRecorder(ctx context.Context, mailbox string, uidvalidity uint32, st *Stats, batches int) *recorder {
	r := &recorder{
		sy: sy, ctx: ctx, mailbox: mailbox, uidvalidity: uidvalidity, st: st,
		blobs:  sy.Proc.Blobs.Deferred(),
		in:     make(chan fetched, sy.Cfg.BatchSize+1),
		out:    make(chan outcome, batches+1),
		exited: make(chan struct{}),
	}
	r.cond = sync.NewCond(&r.mu)
	go r.run()
	return r
}

// add hands over one fetched message, waiting while too much text is held.
func (r *recorder) add(f fetched) {
	r.mu.Lock()
	for r.text > 0 && r.text+f.text > maxPendingText {
		r.cond.Wait()
	}
	r.text += f.text
	r.mu.Unlock()
	r.in <- f
}

// endBatch marks the end of a fetch batch: its outcome follows on out.
func (r *recorder) endBatch() { r.in <- fetched{end: true} }

// stop ends the recorder once it has dealt with everything handed over,
// and releases the pending blob set.
func (r *recorder) stop() {
	close(r.in)
	<-r.exited
	r.blobs.Close()
}

func (r *recorder) releaseText(n int) {
	r.mu.Lock()
	r.text -= n
	r.mu.Unlock()
	r.cond.Broadcast()
}

func (r *recorder) run() {
	defer close(r.exited)
	var (
		group []fetched
		ready []prepared
		text  int
		done  []imap.UID
		err   error
	)
	record := func() {
		defer func() {
			r.releaseText(text)
			group, ready, text = group[:0], ready[:0], 0
		}()
		if err != nil || len(group) == 0 {
			return
		}
		if err = r.blobs.Flush(); err != nil {
			return
		}
		for i, pr := range ready {
			loc := mail.Location{Mailbox: r.mailbox, UIDValidity: r.uidvalidity, UID: uint32(group[i].uid)}
			res, cerr := r.sy.Proc.commit(r.ctx, pr, loc)
			if cerr != nil {
				err = fmt.Errorf("record message uid %d in %s: %w", group[i].uid, r.mailbox, cerr)
				return
			}
			done = append(done, group[i].uid)
			r.st.add(res)
			if r.sy.OnResult != nil {
				r.sy.OnResult(res)
			}
		}
	}
	for f := range r.in {
		if f.end {
			record()
			r.out <- outcome{done, err}
			done = nil
			continue
		}
		if err != nil {
			f.release(r.blobs)
			r.releaseText(f.text)
			continue
		}
		sum, _, cerr := f.raw.Commit()
		f.raw = nil
		if cerr != nil {
			err = fmt.Errorf("message uid %d in %s: %w", f.uid, r.mailbox, cerr)
			f.release(r.blobs)
			r.releaseText(f.text)
			continue
		}
		f.sum = sum
		pr := prepared{sum: f.sum, size: f.size, parsed: f.parsed}
		id, lerr := r.sy.Proc.Store.MessageIDBySHA(r.ctx, f.sum)
		if lerr != nil {
			err = fmt.Errorf("message uid %d in %s: %w", f.uid, r.mailbox, lerr)
			f.release(r.blobs)
			r.releaseText(f.text)
			continue
		}
		if id != 0 {
			// Stored already: only the location is recorded, and the copies
			// just written are not needed.
			f.release(r.blobs)
			pr = prepared{sum: f.sum, size: f.size, dupID: id}
		}
		group = append(group, f)
		ready = append(ready, pr)
		text += f.text
		if text > recordEarlyText {
			record()
		}
	}
	record()
}
