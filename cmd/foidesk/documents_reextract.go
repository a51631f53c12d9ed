package main

import (
	"context"
	"flag"
	"fmt"

	"foidesk/blob"
	"foidesk/extract"
)

func init() {
	register(&command{
		name:    "documents reextract",
		summary: "extract documents again, e.g. after installing tesseract",
		help: `Extracts every document (or only those with --status) again from its
stored original, replacing its text, status and search index entry and
keeping its sources and review entries. Run it with --status needs_ocr after
installing tesseract, or --status unsupported after installing antiword.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			status := fs.String("status", "", "only documents with this `status` (ok, needs_ocr, encrypted, unsupported, failed)")
			engine := fs.String("engine", "auto", "PDF engine: auto, ledongthuc or pdfium")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("documents reextract takes no arguments")
				}
				if err := checkStatusFlag(*status); err != nil {
					return err
				}
				cfg, err := e.config()
				if err != nil {
					return err
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				x, err := newExtractor(e, *engine)
				if err != nil {
					return usagef("%v", err)
				}
				defer x.Close()
				n := 0
				err = x.Reextract(ctx, st.documents, blob.Store{Dir: cfg.Store.DataDir}, *status, func(p extract.Progress) {
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
		},
	})
}

func checkStatusFlag(s string) error {
	switch extract.Status(s) {
	case "", extract.StatusOK, extract.StatusNeedsOCR, extract.StatusEncrypted, extract.StatusUnsupported, extract.StatusFailed:
		return nil
	}
	return usagef("--status must be ok, needs_ocr, encrypted, unsupported or failed, not %q", s)
}
