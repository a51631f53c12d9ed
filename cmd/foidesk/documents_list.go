package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"foidesk/store/document"
)

func init() {
	register(newCommand(command{
		name:    "documents list",
		summary: "list extracted documents with their status, sources and review state",
		help: `Lists documents, oldest first: id, status, type, engine, pages, words,
review state, where each came from (file name, request reference and
authority), and, for a status other than ok, the reason. A document nearly
identical to another authority's is marked "same model policy as #N".
--json prints one array of objects.`,
	}, documentsList))
}

type documentsListFlags struct {
	status string
	json   bool
}

func (f *documentsListFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.status, "status", "", "only documents with this `status` (ok, needs_ocr, encrypted, unsupported, failed)")
	fs.BoolVar(&f.json, "json", false, "print JSON")
}

// documentsList lists extracted documents, oldest first.
func documentsList(ctx context.Context, e *env, f *documentsListFlags, _ []string) error {
	if err := checkStatusFlag(f.status); err != nil {
		return err
	}
	st, err := e.readStore(ctx)
	if err != nil {
		return err
	}
	docs, err := st.documents.List(ctx, document.Filter{Status: f.status})
	if err != nil {
		return err
	}
	if f.json {
		if docs == nil {
			docs = []document.Summary{}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(docs)
	}
	if len(docs) == 0 && f.status != "" {
		fmt.Fprintf(e.stdout, "no documents are %s\n", f.status)
		return nil
	}
	if len(docs) == 0 {
		fmt.Fprintln(e.stdout, "no documents yet; 'foidesk ingest' stores replies and extracts their attachments")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tTYPE\tENGINE\tPAGES\tWORDS\tREVIEW\tFROM\tNOTE")
	for _, d := range docs {
		var from []string
		for _, s := range d.Sources {
			f := s.Filename
			if s.RequestRef != "" {
				f += " (" + s.RequestRef + " " + s.Authority + ")"
			}
			from = append(from, f)
		}
		note := d.Reason
		if d.SimilarTo != 0 {
			note = strings.TrimPrefix(note+"; ", "; ") + fmt.Sprintf("same model policy as #%d (%.0f%%)", d.SimilarTo, 100*d.Similarity)
		}
		review := d.Review
		if review == "" {
			review = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", d.ID, d.Status, d.Type, orDash(d.Engine), d.Pages, d.Words, review, printable(strings.Join(from, "; ")), printable(note))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
