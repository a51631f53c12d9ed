package document

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Search runs over two full-text indexes: documents_fts (the text
// extracted from every document) and messages_fts (each message's sender,
// subject and readable text, kept up to date by triggers, migration 0140).
// One query serves foidesk search and the review app's search page.

// What a search looks through (Query.Kind).
const (
	SearchAll       = ""
	SearchDocuments = "documents"
	SearchMessages  = "messages"
)

// MaxQueryLen bounds what a person may type, in characters: a query of a
// few thousand terms would hold the database for nothing.
const MaxQueryLen = 500

// HitStart and HitEnd surround each matched term in a Hit's Snippet. They
// are control characters that never reach a page: whoever shows a snippet
// escapes the text between them and marks the terms itself, so the
// snippet is never trusted as markup.
const (
	HitStart = "\x02"
	HitEnd   = "\x03"
)

// Query is one search. Zero fields match everything.
type Query struct {
	Text     string // words, "quoted phrases", prefix*, and the operators OR, NOT, AND and ( )
	Campaign string // the campaign's name
	Nation   string // the authority's nation: England, Wales, Scotland, Northern Ireland
	Kind     string // SearchAll, SearchDocuments or SearchMessages

	// OnlyDocuments, when not nil, keeps only these documents and no
	// messages: how a filter this package does not own (a coding label,
	// say) narrows a search. An empty non-nil slice matches nothing.
	OnlyDocuments []int64

	Offset int
	Limit  int // 50 when zero
}

// Hit is one document or message matching a search.
type Hit struct {
	Kind    string  `json:"kind"` // "document" or "message"
	ID      int64   `json:"id"`
	Snippet string  `json:"snippet"` // matched terms between HitStart and HitEnd
	Rank    float64 `json:"rank"`    // bm25: lower is better

	// A document's.
	Status  string       `json:"status,omitempty"`
	Sources []SourceInfo `json:"sources,omitempty"`

	// A message's.
	From        string `json:"from,omitempty"`
	Subject     string `json:"subject,omitempty"`
	MessageKind string `json:"message_kind,omitempty"`
	RequestRef  string `json:"request_ref,omitempty"`
	Authority   string `json:"authority,omitempty"`
	Dismissed   bool   `json:"dismissed,omitempty"`
}

// QueryError says why a query could not be run: no words, too long, or
// the full-text engine could not read it. It is the person's to fix, not
// a failure of the store.
type QueryError struct {
	Query   string
	Problem string
}

func (e *QueryError) Error() string {
	return "search could not read that query: " + e.Problem
}

// Search runs q, best match first, documents and messages ranked together.
func (s *Store) Search(ctx context.Context, q Query) ([]Hit, error) {
	if utf8.RuneCountInString(q.Text) > MaxQueryLen {
		return nil, &QueryError{Query: q.Text, Problem: fmt.Sprintf("it is longer than %d characters", MaxQueryLen)}
	}
	match := ftsQuery(q.Text)
	if match == "" {
		return nil, &QueryError{Query: q.Text, Problem: "it has no words to look for"}
	}
	switch q.Kind {
	case SearchAll, SearchDocuments, SearchMessages:
	default:
		return nil, fmt.Errorf("search: unknown kind %q (documents or messages)", q.Kind)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	// Where a document or a message belongs: its request's campaign and
	// authority. A filter by either leaves out unmatched mail.
	var reqWhere []string
	var reqArgs []any
	if q.Campaign != "" {
		reqWhere = append(reqWhere, "r.campaign_id = (SELECT id FROM campaigns WHERE name = ?)")
		reqArgs = append(reqArgs, q.Campaign)
	}
	if q.Nation != "" {
		reqWhere = append(reqWhere, "r.authority_id IN (SELECT id FROM authorities WHERE nation = ?)")
		reqArgs = append(reqArgs, q.Nation)
	}
	var parts []string
	var args []any
	if q.Kind != SearchMessages {
		part := `SELECT 'document' AS kind, f.rowid AS id, bm25(documents_fts) AS rank
			FROM documents_fts f WHERE documents_fts MATCH ?`
		args = append(args, match)
		if len(reqWhere) > 0 {
			part += ` AND EXISTS (SELECT 1 FROM document_sources ds JOIN messages m ON m.id = ds.message_id JOIN requests r ON r.id = m.request_id
				WHERE ds.document_id = f.rowid AND ` + strings.Join(reqWhere, " AND ") + `)`
			args = append(args, reqArgs...)
		}
		if q.OnlyDocuments != nil {
			ids, _ := json.Marshal(q.OnlyDocuments)
			part += ` AND f.rowid IN (SELECT value FROM json_each(?))`
			args = append(args, string(ids))
		}
		parts = append(parts, part)
	}
	if q.Kind != SearchDocuments && q.OnlyDocuments == nil {
		part := `SELECT 'message' AS kind, f.rowid AS id, bm25(messages_fts) AS rank
			FROM messages_fts f WHERE messages_fts MATCH ?`
		args = append(args, match)
		if len(reqWhere) > 0 {
			part += ` AND EXISTS (SELECT 1 FROM messages m JOIN requests r ON r.id = m.request_id
				WHERE m.id = f.rowid AND ` + strings.Join(reqWhere, " AND ") + `)`
			args = append(args, reqArgs...)
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return []Hit{}, nil // messages only, narrowed to documents: nothing
	}
	// Ranked first, snippets after: a snippet in the ranked query is made
	// for every match before the page is cut from them, and a common word
	// matches most of the corpus (issue 11: a third of the query's time at
	// 20,000 documents).
	sqlText := strings.Join(parts, " UNION ALL ") + ` ORDER BY rank, kind, id LIMIT ? OFFSET ?`
	args = append(args, limit, max(q.Offset, 0))
	rows, err := s.core.DB().QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, queryProblem(q.Text, err)
	}
	out := []Hit{}
	for rows.Next() {
		var h Hit
		if err := rows.Scan(&h.Kind, &h.ID, &h.Rank); err != nil {
			rows.Close()
			return nil, queryProblem(q.Text, err)
		}
		out = append(out, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, queryProblem(q.Text, err)
	}
	for i := range out {
		if err := s.snippet(ctx, &out[i], match); err != nil {
			return nil, queryProblem(q.Text, err)
		}
		if err := s.fillHit(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// snippet sets a hit's snippet: the matched terms with some of their
// context, from the full-text index's row for the hit alone.
func (s *Store) snippet(ctx context.Context, h *Hit, match string) error {
	q := `SELECT snippet(documents_fts, 0, char(2), char(3), '…', 24) FROM documents_fts WHERE documents_fts MATCH ? AND rowid = ?`
	if h.Kind == "message" {
		q = `SELECT snippet(messages_fts, -1, char(2), char(3), '…', 24) FROM messages_fts WHERE messages_fts MATCH ? AND rowid = ?`
	}
	return s.core.DB().QueryRowContext(ctx, q, match, h.ID).Scan(&h.Snippet)
}

// queryProblem turns the full-text engine's refusal of a query into a
// QueryError; anything else stays a store error.
func queryProblem(query string, err error) error {
	msg := err.Error()
	if i := strings.Index(msg, "fts5: "); i >= 0 {
		return &QueryError{Query: query, Problem: strings.TrimSpace(msg[i+len("fts5: "):])}
	}
	if strings.Contains(msg, "malformed MATCH") || strings.Contains(msg, "unknown special query") {
		return &QueryError{Query: query, Problem: msg}
	}
	return fmt.Errorf("search %q: %w", query, err)
}

// fillHit adds what a hit's reader needs to know about where it came from.
func (s *Store) fillHit(ctx context.Context, h *Hit) error {
	var err error
	if h.Kind == "document" {
		if err = s.core.DB().QueryRowContext(ctx, `SELECT status FROM documents WHERE id = ?`, h.ID).Scan(&h.Status); err != nil {
			return fmt.Errorf("search: document %d: %w", h.ID, err)
		}
		h.Sources, err = s.documentSources(ctx, h.ID)
		return err
	}
	var from, name string
	err = s.core.DB().QueryRowContext(ctx, `SELECT m.from_addr, m.from_name, m.subject, m.kind, coalesce(r.ref, ''), coalesce(a.name, ''), m.dismissed_at IS NOT NULL
		FROM messages m LEFT JOIN requests r ON r.id = m.request_id LEFT JOIN authorities a ON a.id = r.authority_id WHERE m.id = ?`, h.ID).
		Scan(&from, &name, &h.Subject, &h.MessageKind, &h.RequestRef, &h.Authority, &h.Dismissed)
	if err != nil {
		return fmt.Errorf("search: message %d: %w", h.ID, err)
	}
	h.From = from
	if name != "" {
		h.From = name + " <" + from + ">"
	}
	return nil
}

// ftsQuery turns what a person typed into an FTS5 query. Each word and
// each "quoted phrase" becomes a quoted string, so punctuation ("don't",
// "s.17") is never FTS5 syntax; a trailing * keeps prefix matching. The
// words OR, AND and NOT in capitals, and parentheses around words, pass
// through as FTS5's operators ("covert OR overt", "consent NOT parental"),
// so a query can be one FTS5 cannot read ("OR consent"): Search says so.
func ftsQuery(q string) string {
	var terms []string
	for len(q) > 0 {
		q = strings.TrimLeft(q, " \t\r\n")
		if q == "" {
			break
		}
		if q[0] == '(' || q[0] == ')' {
			terms = append(terms, q[:1])
			q = q[1:]
			continue
		}
		var term string
		closing := 0
		if q[0] == '"' {
			end := strings.IndexByte(q[1:], '"')
			if end < 0 {
				term, q = q[1:], ""
			} else {
				term, q = q[1:end+1], q[end+2:]
			}
		} else {
			end := strings.IndexAny(q, " \t\r\n")
			if end < 0 {
				term, q = q, ""
			} else {
				term, q = q[:end], q[end:]
			}
			switch term {
			case "OR", "AND", "NOT":
				terms = append(terms, term)
				continue
			}
			for strings.HasSuffix(term, ")") {
				term = term[:len(term)-1]
				closing++
			}
		}
		prefix := strings.HasSuffix(term, "*")
		term = strings.TrimRight(term, "*")
		if strings.TrimSpace(term) != "" {
			t := `"` + strings.ReplaceAll(term, `"`, `""`) + `"`
			if prefix {
				t += "*"
			}
			terms = append(terms, t)
		}
		for ; closing > 0; closing-- {
			terms = append(terms, ")")
		}
	}
	// Operators and parentheses alone look for nothing.
	for _, t := range terms {
		if strings.HasPrefix(t, `"`) {
			return strings.Join(terms, " ")
		}
	}
	return ""
}
