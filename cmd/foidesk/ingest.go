package main

import (
	"context"
	"flag"
	"fmt"

	"foidesk/blob"
	"foidesk/extract"
	"foidesk/ingest"
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
	w, err := newReplyWatcher(ctx, e, replyReport{
		result:    func(r ingest.Result) { printResult(e, r) },
		progress:  func(p extract.Progress) { printProgress(e, p) },
		extracted: func(n int) { fmt.Fprintf(e.stdout, "extracted text from %d item(s)\n", n) },
	})
	if err != nil {
		return err
	}
	if f.once {
		stats, err := w.syncOnce(ctx)
		fmt.Fprintf(e.stdout, "stored %d new message(s), %d matched to a request, %d already stored\n", stats.Stored, stats.Matched, stats.Duplicates)
		if err != nil || f.noExtract {
			return err
		}
		return w.extractPending(ctx)
	}
	return w.watch(ctx, !f.noExtract, false)
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
