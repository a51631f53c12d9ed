package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"

	"foidesk/store/document"
)

func init() {
	register(newCommand(command{
		name:     "search",
		synopsis: "QUERY [--campaign NAME] [--nation NATION] [--kind documents|messages]",
		summary:  "search the text of extracted documents and of the mail",
		help: `Finds documents and messages containing every word of QUERY, best match
first, and prints each with where it came from and a snippet, matches in
[brackets]. Messages are searched by sender, subject and text.
Case and accents are ignored ("wyr" finds "ŵyr"); "quoted words" match as a
phrase; a word ending in * matches as a prefix (record* finds recording);
OR, NOT and AND in capitals and (parentheses) combine words
("covert OR overt"). --campaign and --nation keep what belongs to that
campaign's or nation's requests; --kind searches only documents or only
messages. The review app's search page runs the same query.
--json prints one array of objects (kind, id, snippet with matches between
the characters \u0002 and \u0003, rank; a document's status and sources; a
message's from, subject, message_kind, request_ref, authority).
--limit N (default 50) shows the N best matches. There is no --after: the
results are ranked by how well they match, not ordered by id, so an id
cannot say where the next page starts; narrow the query or raise --limit.`,
		args: anyArgs,
	}, searchCommand))
}

type searchFlags struct {
	json             bool
	limit            int
	campaign, nation string
	kind             string
}

func (f *searchFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.json, "json", false, "print JSON")
	fs.IntVar(&f.limit, "limit", 50, "at most `N` results")
	fs.StringVar(&f.campaign, "campaign", "", "only the requests of campaign `NAME`")
	fs.StringVar(&f.nation, "nation", "", "only authorities in `NATION` (England, Wales, Scotland, Northern Ireland)")
	fs.StringVar(&f.kind, "kind", "", "only `documents` or only messages")
}

// searchCommand finds the documents and messages containing every word of
// the query, best match first.
func searchCommand(ctx context.Context, e *env, f *searchFlags, args []string) error {
	if len(args) == 0 {
		return usagef("search needs a QUERY")
	}
	if f.kind != document.SearchAll && f.kind != document.SearchDocuments && f.kind != document.SearchMessages {
		return usagef("--kind is documents or messages, not %q", f.kind)
	}
	query := strings.Join(args, " ")
	st, err := e.readStore(ctx)
	if err != nil {
		return err
	}
	hits, err := st.documents.Search(ctx, document.Query{Text: query, Campaign: f.campaign, Nation: f.nation, Kind: f.kind, Limit: f.limit})
	var qe *document.QueryError
	if errors.As(err, &qe) {
		return usagef("%v; try quoting phrases", err)
	}
	if err != nil {
		return err
	}
	if f.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(hits)
	}
	if len(hits) == 0 {
		fmt.Fprintf(e.stdout, "nothing contains %s\n", query)
		return nil
	}
	marks := strings.NewReplacer(document.HitStart, "[", document.HitEnd, "]")
	for _, h := range hits {
		snippet := printable(strings.Join(strings.Fields(marks.Replace(h.Snippet)), " "))
		if h.Kind == "message" {
			where := "unmatched"
			if h.RequestRef != "" {
				where = h.Authority + ", " + h.RequestRef
			}
			fmt.Fprintf(e.stdout, "message %d [%s] %s: %s (%s)\n    %s\n", h.ID, h.MessageKind, printable(h.From), printable(h.Subject), printable(where), snippet)
			continue
		}
		var from []string
		for _, s := range h.Sources {
			f := s.Filename
			if s.Authority != "" {
				f += " (" + s.Authority + ", " + s.RequestRef + ")"
			}
			from = append(from, f)
		}
		fmt.Fprintf(e.stdout, "document %d [%s] %s\n    %s\n", h.ID, h.Status, printable(strings.Join(from, "; ")), snippet)
	}
	return nil
}
