package main

import (
	"context"
	"fmt"
	"sync"

	"foidesk/blob"
	"foidesk/extract"
	"foidesk/ingest"
	"foidesk/mailconn"
)

// replyWatcher is the IMAP side that 'foidesk ingest' and 'foidesk run'
// share: the syncer over every [imap] mailbox, and the extraction of the
// text of what it stores. The two commands differ only in how they report
// (printed lines, or log records).
type replyWatcher struct {
	e      *env
	st     *stores
	blobs  blob.Store
	sy     *ingest.Syncer
	report replyReport
	mu     sync.Mutex // one report at a time, from the syncer and the extraction
	// wake is a pending extraction pass: one is enough, since each pass
	// takes everything not yet extracted.
	wake chan struct{}
}

// replyReport is how a watcher tells of its work; any field may be nil.
type replyReport struct {
	result    func(ingest.Result)    // a message stored (or found already stored)
	progress  func(extract.Progress) // a document extracted
	extracted func(n int)            // a pass extracted n items (n > 0)
	synced    func()                 // every mailbox synced to the end
	failed    func(error)            // the watcher lost the server and is reconnecting
}

// newReplyWatcher builds the watcher from [imap], [ingest] and [store]
// data_dir, on the command's database. [imap] host must be set.
func newReplyWatcher(ctx context.Context, e *env, rep replyReport) (*replyWatcher, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	if cfg.IMAP.Host == "" {
		return nil, fmt.Errorf("[imap] host is not set in the config: foidesk does not know where replies arrive; add an [imap] section with your mailbox's host and username (the password goes in $FOIDESK_IMAP_PASSWORD or password_file)")
	}
	pw, err := Secret("FOIDESK_IMAP_PASSWORD", cfg.IMAP.PasswordFile)
	if err != nil {
		return nil, err
	}
	st, err := e.store(ctx)
	if err != nil {
		return nil, err
	}
	proc := newProcessor(e, cfg, st)
	proc.Blobs.CleanTemp(e.log)
	w := &replyWatcher{e: e, st: st, blobs: proc.Blobs, report: rep, wake: make(chan struct{}, 1)}
	w.sy = &ingest.Syncer{
		Cfg: ingest.IMAPConfig{
			Host: cfg.IMAP.Host, Port: cfg.IMAP.Port, TLS: mailconn.TLSMode(cfg.IMAP.TLS), CAFile: cfg.IMAP.CAFile,
			Username: cfg.IMAP.Username, Password: pw, Mailboxes: cfg.IMAP.Mailboxes,
			PollInterval: cfg.IMAP.PollInterval.Duration, Timeout: cfg.IMAP.Timeout.Duration,
			MarkKeyword: cfg.IMAP.MarkKeyword, ProcessedMailbox: cfg.IMAP.ProcessedMailbox,
		},
		Proc:     proc,
		Log:      e.log,
		OnResult: w.stored,
		OnSynced: rep.synced,
		OnError:  rep.failed,
	}
	return w, nil
}

// stored reports a message and, when it is new, asks for an extraction pass.
func (w *replyWatcher) stored(r ingest.Result) {
	if w.report.result != nil {
		w.mu.Lock()
		w.report.result(r)
		w.mu.Unlock()
	}
	if !r.Duplicate {
		w.wakeExtraction()
	}
}

func (w *replyWatcher) wakeExtraction() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// syncOnce syncs every mailbox once.
func (w *replyWatcher) syncOnce(ctx context.Context) (ingest.Stats, error) {
	return w.sy.SyncOnce(ctx)
}

// watch keeps watching the mailboxes until ctx ends; with extract, the
// text of what arrives is extracted as it comes, starting with whatever
// an earlier run stored and did not extract when extractFirst. It returns
// once the extraction in progress has stopped and recorded what it was
// doing, so the database may be closed after it.
func (w *replyWatcher) watch(ctx context.Context, extract, extractFirst bool) error {
	if !extract {
		return w.sy.Run(ctx)
	}
	if extractFirst {
		w.wakeExtraction()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-w.wake:
				if err := w.extractPending(ctx); err != nil && ctx.Err() == nil {
					w.e.log.Error("text extraction failed; the replies are stored and the next new message retries it", "err", err)
				}
			}
		}
	}()
	err := w.sy.Run(ctx)
	<-done
	return err
}

// extractPending extracts every stored attachment and bare response not
// yet a document. Each pass builds its own extractor and stops its worker
// when done, so none idles while the mailboxes are watched.
func (w *replyWatcher) extractPending(ctx context.Context) error {
	x, err := newExtractor(w.e, "auto")
	if err != nil {
		return err
	}
	defer x.Close()
	n := 0
	err = x.ProcessPending(ctx, w.st.documents, w.blobs, func(p extract.Progress) {
		w.mu.Lock()
		defer w.mu.Unlock()
		n++
		if w.report.progress != nil {
			w.report.progress(p)
		}
	})
	if n > 0 && w.report.extracted != nil {
		w.mu.Lock()
		w.report.extracted(n)
		w.mu.Unlock()
	}
	return err
}
