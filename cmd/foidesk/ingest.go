package main

import (
	"context"
	"flag"
	"fmt"
	"sync"

	"foidesk/blob"
	"foidesk/extract"
	"foidesk/ingest"
	"foidesk/mailconn"
)

func init() {
	register(newCommand(command{
		name:    "ingest",
		summary: "fetch replies from IMAP, store them, match them to requests and sort them",
		help: `Syncs every [imap] mailbox: each new message is written verbatim to the data
directory (content-addressed, fsynced) before the database records it, so
nothing is lost if foidesk is stopped at any moment, and nothing is counted
twice when it starts again. Messages are read with PEEK and never deleted.

Each message is matched to its request (plus-address, In-Reply-To/References,
[ref: TOKEN] in the subject, the council's own case reference, then the
sender) and sorted: bounce, auto-reply, acknowledgement, clarification-request
or response. Prints one line per message stored.

Then the text of every new attachment (and of every response that came
without one) is extracted and queued for review, as 'foidesk documents
extract' does, unless --no-extract is given.

Without --once, keeps watching (IDLE, or polling every [imap] poll_interval),
reconnecting with backoff when the server goes away.`,
	}, ingestCommand))
}

type ingestFlags struct {
	once, noExtract bool
}

func (f *ingestFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.once, "once", false, "sync every mailbox once, then exit")
	fs.BoolVar(&f.noExtract, "no-extract", false, "store and sort replies only; leave text extraction to 'foidesk documents extract'")
}

// ingestCommand syncs every [imap] mailbox, storing, matching and sorting
// each new message, then extracts the text of what came; without --once it
// keeps watching.
func ingestCommand(ctx context.Context, e *env, f *ingestFlags, _ []string) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	if cfg.IMAP.Host == "" {
		return fmt.Errorf("[imap] host is not set in the config: foidesk does not know where replies arrive; add an [imap] section with your mailbox's host and username (the password goes in $FOIDESK_IMAP_PASSWORD or password_file)")
	}
	pw, err := Secret("FOIDESK_IMAP_PASSWORD", cfg.IMAP.PasswordFile)
	if err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	proc := newProcessor(e, cfg, st)
	proc.Blobs.CleanTemp(e.log)
	var mu sync.Mutex
	// New messages wake the extraction loop; one pending wake-up is
	// enough, since each pass takes everything not yet extracted.
	wake := make(chan struct{}, 1)
	sy := &ingest.Syncer{
		Cfg: ingest.IMAPConfig{
			Host: cfg.IMAP.Host, Port: cfg.IMAP.Port, TLS: mailconn.TLSMode(cfg.IMAP.TLS), CAFile: cfg.IMAP.CAFile,
			Username: cfg.IMAP.Username, Password: pw, Mailboxes: cfg.IMAP.Mailboxes,
			PollInterval: cfg.IMAP.PollInterval.Duration, Timeout: cfg.IMAP.Timeout.Duration,
			MarkKeyword: cfg.IMAP.MarkKeyword, ProcessedMailbox: cfg.IMAP.ProcessedMailbox,
		},
		Proc: proc,
		Log:  e.log,
		OnResult: func(r ingest.Result) {
			mu.Lock()
			defer mu.Unlock()
			printResult(e, r)
			if !r.Duplicate {
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		},
	}
	if f.once {
		stats, err := sy.SyncOnce(ctx)
		fmt.Fprintf(e.stdout, "stored %d new message(s), %d matched to a request, %d already stored\n", stats.Stored, stats.Matched, stats.Duplicates)
		if err != nil || f.noExtract {
			return err
		}
		return extractPending(ctx, e, st, proc.Blobs, &mu)
	}
	if !f.noExtract {
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case <-wake:
					if err := extractPending(ctx, e, st, proc.Blobs, &mu); err != nil && ctx.Err() == nil {
						e.log.Error("text extraction failed; the replies are stored and the next new message retries it", "err", err)
					}
				}
			}
		}()
	}
	return sy.Run(ctx)
}

func newProcessor(e *env, cfg *Config, st *stores) *ingest.Processor {
	var own []string
	if cfg.Requester.Email != "" {
		own = append(own, cfg.Requester.Email)
	}
	return &ingest.Processor{
		OwnAddresses: own,
		Store:        st.mail,
		Blobs:        blob.Store{Dir: cfg.Store.DataDir},
		Limits: ingest.Limits{
			MaxMessageBytes: cfg.Ingest.MaxMessageBytes,
			MaxParts:        cfg.Ingest.MaxParts,
			MaxDepth:        cfg.Ingest.MaxDepth,
		},
		Log: e.log,
	}
}

func printResult(e *env, r ingest.Result) {
	if r.Duplicate {
		fmt.Fprintf(e.stdout, "%s uid %d: already stored as message %d\n", r.Loc.Mailbox, r.Loc.UID, r.MessageID)
		return
	}
	match := "unmatched"
	if r.Ref != "" {
		match = fmt.Sprintf("request %s (by %s)", r.Ref, r.MatchedBy)
	}
	fmt.Fprintf(e.stdout, "%s uid %d: message %d %s from %s, %s: %q\n", printable(r.Loc.Mailbox), r.Loc.UID, r.MessageID, r.Kind, printable(r.From), match, r.Subject)
	if r.Problem != "" {
		fmt.Fprintf(e.stdout, "  kept raw, not fully parsed: %s\n", r.Problem)
	}
}

// extractPending extracts every stored attachment and bare response not yet
// a document, printing one line per item under mu. Each pass builds its own
// extractor and stops its worker when done, so none idles while ingest
// watches the mailboxes.
func extractPending(ctx context.Context, e *env, st *stores, blobs blob.Store, mu *sync.Mutex) error {
	x, err := newExtractor(e, "auto")
	if err != nil {
		return err
	}
	defer x.Close()
	n := 0
	err = x.ProcessPending(ctx, st.documents, blobs, func(p extract.Progress) {
		mu.Lock()
		defer mu.Unlock()
		n++
		printProgress(e, p)
	})
	if n > 0 {
		mu.Lock()
		fmt.Fprintf(e.stdout, "extracted text from %d item(s)\n", n)
		mu.Unlock()
	}
	return err
}
