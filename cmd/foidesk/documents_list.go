package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

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
--json prints one array of objects.

--limit N shows at most N documents and --after ID only those after id
ID; when --limit cuts the list, standard error says how to ask for the
next page. Without --limit every document is listed as it is read.`,
	}, documentsList))
}

type documentsListFlags struct {
	status string
	json   bool
	pageFlags
}

func (f *documentsListFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.status, "status", "", "only documents with this `status` (ok, needs_ocr, encrypted, unsupported, failed)")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	f.pageFlags.define(fs)
}

// documentsList lists extracted documents, oldest first, writing each as
// it is read.
func documentsList(ctx context.Context, e *env, f *documentsListFlags, _ []string) error {
	if err := checkStatusFlag(f.status); err != nil {
		return err
	}
	page, err := f.page()
	if err != nil {
		return err
	}
	st, err := e.readStore(ctx)
	if err != nil {
		return err
	}
	var shown int
	var last int64
	var write func(document.Summary) error
	var done func() error
	if f.json {
		arr := newJSONArray(e.stdout)
		write, done = func(d document.Summary) error { return arr.add(d) }, arr.close
	} else {
		t := newStreamTable(e.stdout)
		write = func(d document.Summary) error {
			if shown == 0 {
				t.row("ID\tSTATUS\tTYPE\tENGINE\tPAGES\tWORDS\tREVIEW\tFROM\tNOTE\n")
			}
			return documentRow(t, d)
		}
		done = t.flush
	}
	more, err := st.documents.Each(ctx, document.Filter{Status: f.status, AfterID: page.After, Limit: page.Limit}, func(d document.Summary) error {
		if err := write(d); err != nil {
			return err
		}
		shown, last = shown+1, d.ID
		return nil
	})
	if err != nil {
		return err
	}
	if err := done(); err != nil {
		return err
	}
	if shown == 0 && !f.json {
		switch {
		case page.After != 0:
			fmt.Fprintf(e.stdout, "no documents after id %d\n", page.After)
		case f.status != "":
			fmt.Fprintf(e.stdout, "no documents are %s\n", f.status)
		default:
			fmt.Fprintln(e.stdout, "no documents yet; 'foidesk ingest' stores replies and extracts their attachments")
		}
	}
	pageNotice(e, shown, more, last)
	return nil
}

// documentRow writes one document as a line of the table.
func documentRow(t *streamTable, d document.Summary) error {
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
	return t.row("%d\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", d.ID, d.Status, d.Type, orDash(d.Engine), d.Pages, d.Words, review, printable(strings.Join(from, "; ")), printable(note))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
