package main

import (
	"context"
	"flag"
	"fmt"

	"foidesk/blob"
	"foidesk/extract"
)

func init() {
	register(newCommand(command{
		name:    "documents reextract",
		summary: "extract documents again, e.g. after installing tesseract",
		help: `Extracts every document (or only those with --status) again from its
stored original, replacing its text, status and search index entry and
keeping its sources and review entries. Run it with --status needs_ocr after
installing tesseract, or --status unsupported after installing antiword.`,
	}, documentsReextract))
}

type documentsReextractFlags struct {
	status, engine string
}

func (f *documentsReextractFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.status, "status", "", "only documents with this `status` (ok, needs_ocr, encrypted, unsupported, failed)")
	fs.StringVar(&f.engine, "engine", "auto", "PDF engine: auto, ledongthuc or pdfium")
}

// documentsReextract extracts every document (or those with --status)
// again from its stored original.
func documentsReextract(ctx context.Context, e *env, f *documentsReextractFlags, _ []string) error {
	if err := checkStatusFlag(f.status); err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	x, err := e.extractor(f.engine)
	if err != nil {
		return usagef("%v", err)
	}
	n := 0
	err = x.Reextract(ctx, st.documents, blob.Store{Dir: cfg.Store.DataDir}, f.status, func(p extract.Progress) {
		n++
		line := fmt.Sprintf("document %d\t%s\t%s", p.DocumentID, p.Item.Filename, p.Status)
		if p.Reason != "" {
			line += " (" + p.Reason + ")"
		}
		fmt.Fprintln(e.stdout, line)
	})
	fmt.Fprintf(e.stdout, "%d document(s) re-extracted\n", n)
	return err
}

func checkStatusFlag(s string) error {
	switch extract.Status(s) {
	case "", extract.StatusOK, extract.StatusNeedsOCR, extract.StatusEncrypted, extract.StatusUnsupported, extract.StatusFailed:
		return nil
	}
	return usagef("--status must be ok, needs_ocr, encrypted, unsupported or failed, not %q", s)
}
