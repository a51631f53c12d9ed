package main

import (
	"context"
	"fmt"

	"foidesk/blob"
	"foidesk/extract"
	"foidesk/store/document"
)

func init() {
	register(newCommand(command{
		name:    "documents extract",
		summary: "extract the text of stored attachments and reply bodies not yet extracted",
		help: `Works through every attachment ingest has stored, and every response's
body, that is not yet a document: extracts its text, links a file identical
to one already extracted (same SHA-256) instead of extracting it again, flags
text nearly identical to another authority's ("same model policy as …"), and
puts a response's documents in the review queue: its body unless it is only
boilerplate or a covering note for a queued attachment, its attachments
except logos, at most 50 attachments per message. Prints one line per item.
Safe to run again: only new items are processed. Before the first PDF on a
machine, the PDF engine is compiled, once (~5 s, said on stderr).`,
	}, documentsExtract))
}

// documentsExtract extracts the text of every stored attachment and bare
// response not yet a document, printing one line per item.
func documentsExtract(ctx context.Context, e *env, _ *noFlags, _ []string) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	x, err := e.extractor("auto")
	if err != nil {
		return err
	}
	n := 0
	err = x.ProcessPending(ctx, st.documents, blob.Store{Dir: cfg.Store.DataDir}, func(p extract.Progress) {
		n++
		printProgress(e, p)
	})
	fmt.Fprintf(e.stdout, "%d item(s) processed\n", n)
	return err
}

// printProgress prints one processed item: document, file, outcome.
func printProgress(e *env, p extract.Progress) {
	what := "extracted"
	if !p.Created {
		what = "identical to an extracted file: linked"
	}
	line := fmt.Sprintf("document %d\t%s\tmessage %d\t%s: %s", p.DocumentID, p.Item.Filename, p.Item.MessageID, what, p.Status)
	if p.Reason != "" {
		line += " (" + p.Reason + ")"
	}
	if p.SimilarTo != 0 {
		line += fmt.Sprintf("; same model policy as document %d (%.0f%% similar)", p.SimilarTo, 100*p.Similarity)
	}
	if p.Queued {
		line += "; queued for review"
	}
	if p.Capped {
		line += fmt.Sprintf("; not queued: message %d already has %d documents in the review queue", p.Item.MessageID, document.MaxQueuedPerMessage)
	}
	fmt.Fprintln(e.stdout, line)
}
