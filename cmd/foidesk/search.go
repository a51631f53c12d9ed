package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"foidesk/store/document"
)

func init() {
	register(newCommand(command{
		name:     "search",
		synopsis: "QUERY",
		summary:  "search the text of extracted documents",
		help: `Finds documents containing every word of QUERY, best match first, and
prints each with where it came from and a snippet, matches in [brackets].
Case and accents are ignored ("wyr" finds "ŵyr"); "quoted words" match as a
phrase; a word ending in * matches as a prefix (record* finds recording).
--json prints one array of objects (document_id, status, snippet, rank,
sources).`,
		args: anyArgs,
	}, searchCommand))
}

type searchFlags struct {
	json  bool
	limit int
}

func (f *searchFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.json, "json", false, "print JSON")
	fs.IntVar(&f.limit, "limit", 50, "at most `N` documents")
}

// searchCommand finds the documents containing every word of the query, best
// match first.
func searchCommand(ctx context.Context, e *env, f *searchFlags, args []string) error {
	if len(args) == 0 {
		return usagef("search needs a QUERY")
	}
	query := strings.Join(args, " ")
	st, err := e.readStore(ctx)
	if err != nil {
		return err
	}
	hits, err := st.documents.Search(ctx, query, f.limit)
	if err != nil {
		return err
	}
	if f.json {
		if hits == nil {
			hits = []document.SearchHit{}
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(hits)
	}
	if len(hits) == 0 {
		fmt.Fprintf(e.stdout, "no documents contain %s\n", query)
		return nil
	}
	for _, h := range hits {
		var from []string
		for _, s := range h.Sources {
			f := s.Filename
			if s.Authority != "" {
				f += " (" + s.Authority + ", " + s.RequestRef + ")"
			}
			from = append(from, f)
		}
		fmt.Fprintf(e.stdout, "document %d [%s] %s\n    %s\n", h.DocumentID, h.Status, printable(strings.Join(from, "; ")),
			printable(strings.Join(strings.Fields(h.Snippet), " ")))
	}
	return nil
}
