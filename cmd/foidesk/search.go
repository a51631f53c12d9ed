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
	register(&command{
		name:     "search",
		synopsis: "QUERY",
		summary:  "search the text of extracted documents",
		help: `Finds documents containing every word of QUERY, best match first, and
prints each with where it came from and a snippet, matches in [brackets].
Case and accents are ignored ("wyr" finds "ŵyr"); "quoted words" match as a
phrase; a word ending in * matches as a prefix (record* finds recording).
--json prints one array of objects (document_id, status, snippet, rank,
sources).`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			asJSON := fs.Bool("json", false, "print JSON")
			limit := fs.Int("limit", 50, "at most `N` documents")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) == 0 {
					return usagef("search needs a QUERY")
				}
				query := strings.Join(args, " ")
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				hits, err := st.documents.Search(ctx, query, *limit)
				if err != nil {
					return err
				}
				if *asJSON {
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
					fmt.Fprintf(e.stdout, "document %d [%s] %s\n    %s\n", h.DocumentID, h.Status, strings.Join(from, "; "),
						strings.Join(strings.Fields(h.Snippet), " "))
				}
				return nil
			}
		},
	})
}
