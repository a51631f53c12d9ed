package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"foidesk/store/document"
)

func init() {
	register(newCommand(command{
		name:     "documents show",
		synopsis: "ID [--json]",
		summary:  "print one extracted document: where it came from, how it was read, and its text page by page",
		help: `Shows a document's type, status (and the reason for one other than ok), the
engine that read it, its pages and words, whether it is the same model policy
as another authority's, its review state and every place it arrived (message,
file name, request and authority); then its text, each page after a line
"--- page N of M ---". Control characters in the text are escaped; line breaks
are kept. 'foidesk documents open ID --save DIR' saves the original file.
--json prints one object with the text and its pages.`,
		args: 1,
	}, documentsShow))
}

type documentsShowFlags struct {
	json bool
}

func (f *documentsShowFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.json, "json", false, "print one JSON object")
}

// documentsShow prints document ID's metadata and sources, then its text
// page by page.
func documentsShow(ctx context.Context, e *env, f *documentsShowFlags, args []string) error {
	id, err := documentIDArg(args[0])
	if err != nil {
		return err
	}
	st, err := e.readStore(ctx)
	if err != nil {
		return err
	}
	d, text, err := st.documents.Get(ctx, id)
	if err != nil {
		return notFoundHint(err, "foidesk documents list")
	}
	pages := splitPages(text)
	if f.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			document.Summary
			Text      string   `json:"text"`
			PageTexts []string `json:"page_texts"`
		}{d, text, pages})
	}
	w := e.stdout
	fmt.Fprintf(w, "document #%d\n", d.ID)
	tw := tabwriter.NewWriter(w, 0, 4, 1, ' ', 0)
	status := d.Status
	if d.Reason != "" {
		status += ": " + printable(d.Reason)
	}
	fmt.Fprintf(tw, "  type:\t%s (%s)\n", dash(d.Type), d.Origin)
	fmt.Fprintf(tw, "  status:\t%s\n", status)
	fmt.Fprintf(tw, "  engine:\t%s\n", dash(d.Engine))
	fmt.Fprintf(tw, "  size:\t%d page(s), %d words\n", d.Pages, d.Words)
	if d.SimilarTo != 0 {
		fmt.Fprintf(tw, "  similar:\tsame model policy as #%d (%.0f%%)\n", d.SimilarTo, 100*d.Similarity)
	}
	fmt.Fprintf(tw, "  review:\t%s\n", dash(d.Review))
	fmt.Fprintf(tw, "  extracted:\t%s\n", d.ExtractedAt)
	fmt.Fprintf(tw, "  sha256:\t%s\n", d.SHA256)
	for i, s := range d.Sources {
		label := ""
		if i == 0 {
			label = "sources:"
		}
		name := "body"
		if s.AttachmentID != 0 {
			name = dash(printable(s.Filename))
		}
		line := fmt.Sprintf("message #%d %s", s.MessageID, name)
		if s.RequestRef != "" {
			line += fmt.Sprintf(", request %s (%s)", s.RequestRef, printable(s.Authority))
		} else {
			line += ", unmatched"
		}
		fmt.Fprintf(tw, "  %s\t%s\n", label, line)
	}
	tw.Flush()
	if strings.TrimSpace(text) == "" {
		fmt.Fprintf(w, "\n(no text: %s)\n", status)
		return nil
	}
	for i, p := range pages {
		fmt.Fprintf(w, "\n--- page %d of %d ---\n", i+1, len(pages))
		if p = strings.TrimRight(p, " \t\r\n"); p != "" {
			fmt.Fprintln(w, printableText(p))
		}
	}
	return nil
}

// splitPages splits a document's text at its form feeds, one string per
// page; a trailing form feed does not start a page.
func splitPages(text string) []string {
	pages := strings.Split(strings.TrimSuffix(text, "\f"), "\f")
	if len(pages) == 1 && pages[0] == "" {
		return []string{}
	}
	return pages
}

// documentIDArg reads a stored document's ID from an argument.
func documentIDArg(arg string) (int64, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("document ID must be a positive number, not %q", arg)
	}
	return id, nil
}
