package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Document origins.
const (
	DocumentFromAttachment = "attachment"
	DocumentFromBody       = "body"
)

// DocumentInput is one extraction's outcome, as extract hands it to the
// store.
type DocumentInput struct {
	Origin     string // DocumentFromAttachment or DocumentFromBody
	SHA256     string // the attachment blob's name, or the raw message's for a body
	Type       string
	Status     string
	Reason     string
	Engine     string
	Pages      int
	Words      int
	Text       string
	Detail     any    // notes, members, page origins, timings: stored as JSON
	MinHash    []byte // near-duplicate signature; nil when too short
	SimilarTo  int64  // 0: no near-duplicate from another authority
	Similarity float64
}

// DocumentSource is where a document arrived: a message, and the attachment
// unless it is the message's body.
type DocumentSource struct {
	MessageID    int64
	AttachmentID int64 // 0 for a body document
	Filename     string
}

// Saved reports what SaveDocument did.
type Saved struct {
	DocumentID int64
	Created    bool // false: an identical file was already a document, now linked
	Queued     bool // a review queue entry was added
}

// SaveDocument records a document and where it came from, in one
// transaction: the document (unless one with the same origin and SHA-256
// exists, in which case the source is linked to it), its full-text index
// entry, the source, a review queue entry when substantive, and events.
func (s *Store) SaveDocument(ctx context.Context, d DocumentInput, src DocumentSource, substantive bool) (Saved, error) {
	var out Saved
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		now := s.now().UTC().Format(time.RFC3339Nano)
		subj, err := messageSubject(ctx, tx, src.MessageID)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT id FROM documents WHERE origin = ? AND sha256 = ?`, d.Origin, d.SHA256).Scan(&out.DocumentID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			detail, err := json.Marshal(d.Detail)
			if err != nil || d.Detail == nil {
				detail = []byte("{}")
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO documents (origin, sha256, type, status, reason, engine, pages, words, text, detail, minhash, similar_to, similarity, extracted_at, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				d.Origin, d.SHA256, d.Type, d.Status, d.Reason, d.Engine, d.Pages, d.Words, d.Text, string(detail),
				d.MinHash, nullID(d.SimilarTo), nullSimilarity(d.SimilarTo, d.Similarity), now, now)
			if err != nil {
				return fmt.Errorf("save document %s: %w", d.SHA256, err)
			}
			out.DocumentID, _ = res.LastInsertId()
			out.Created = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO documents_fts (rowid, text) VALUES (?, ?)`, out.DocumentID, d.Text); err != nil {
				return fmt.Errorf("index document %d: %w", out.DocumentID, err)
			}
			ev := map[string]any{"document_id": out.DocumentID, "origin": d.Origin, "sha256": d.SHA256, "filename": src.Filename,
				"type": d.Type, "status": d.Status, "reason": d.Reason, "engine": d.Engine, "pages": d.Pages}
			if d.SimilarTo != 0 {
				ev["similar_to"], ev["similarity"] = d.SimilarTo, d.Similarity
			}
			if err := s.AppendEvent(ctx, tx, "document.extracted", subj, ev); err != nil {
				return err
			}
		case err != nil:
			return fmt.Errorf("find document %s: %w", d.SHA256, err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO document_sources (document_id, message_id, attachment_id, filename, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, out.DocumentID, src.MessageID, nullID(src.AttachmentID), src.Filename, now)
		if err != nil {
			return fmt.Errorf("link document %d: %w", out.DocumentID, err)
		}
		if n, _ := res.RowsAffected(); n > 0 && !out.Created {
			if err := s.AppendEvent(ctx, tx, "document.linked", subj, map[string]any{
				"document_id": out.DocumentID, "sha256": d.SHA256, "filename": src.Filename, "reason": "identical file already extracted"}); err != nil {
				return err
			}
		}
		if substantive {
			res, err := tx.ExecContext(ctx, `INSERT INTO review_queue (document_id, message_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
				out.DocumentID, src.MessageID, now)
			if err != nil {
				return fmt.Errorf("queue document %d: %w", out.DocumentID, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				out.Queued = true
				if err := s.AppendEvent(ctx, tx, "review.queued", subj, map[string]any{"document_id": out.DocumentID}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return out, err
}

func nullSimilarity(to int64, v float64) any {
	if to == 0 {
		return nil
	}
	return v
}

// messageSubject names a message and its request (if matched) for events.
func messageSubject(ctx context.Context, tx *sql.Tx, messageID int64) (Subject, error) {
	var req, auth sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT m.request_id, r.authority_id FROM messages m LEFT JOIN requests r ON r.id = m.request_id WHERE m.id = ?`, messageID).Scan(&req, &auth)
	if errors.Is(err, sql.ErrNoRows) {
		return Subject{}, fmt.Errorf("message %d: %w", messageID, ErrNotFound)
	}
	if err != nil {
		return Subject{}, err
	}
	return Subject{Message: messageID, Request: req.Int64, Authority: auth.Int64}, nil
}

// UpdateDocumentExtraction replaces a document's extraction (after a
// better engine or tesseract became available), keeping its sources and
// review entries, and records what changed.
func (s *Store) UpdateDocumentExtraction(ctx context.Context, id int64, d DocumentInput) error {
	return s.Tx(ctx, func(tx *sql.Tx) error {
		var oldStatus, oldEngine string
		var msgID int64
		err := tx.QueryRowContext(ctx, `SELECT d.status, d.engine, coalesce((SELECT min(message_id) FROM document_sources WHERE document_id = d.id), 0)
			FROM documents d WHERE d.id = ?`, id).Scan(&oldStatus, &oldEngine, &msgID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("document %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		detail, err := json.Marshal(d.Detail)
		if err != nil || d.Detail == nil {
			detail = []byte("{}")
		}
		now := s.now().UTC().Format(time.RFC3339Nano)
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET type = ?, status = ?, reason = ?, engine = ?, pages = ?, words = ?, text = ?, detail = ?,
			minhash = ?, similar_to = ?, similarity = ?, extracted_at = ? WHERE id = ?`,
			d.Type, d.Status, d.Reason, d.Engine, d.Pages, d.Words, d.Text, string(detail), d.MinHash,
			nullID(d.SimilarTo), nullSimilarity(d.SimilarTo, d.Similarity), now, id); err != nil {
			return fmt.Errorf("update document %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM documents_fts WHERE rowid = ?`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO documents_fts (rowid, text) VALUES (?, ?)`, id, d.Text); err != nil {
			return fmt.Errorf("index document %d: %w", id, err)
		}
		var subj Subject
		if msgID != 0 {
			if subj, err = messageSubject(ctx, tx, msgID); err != nil {
				return err
			}
		}
		return s.AppendEvent(ctx, tx, "document.reextracted", subj, map[string]any{
			"document_id": id, "old_status": oldStatus, "old_engine": oldEngine,
			"status": d.Status, "engine": d.Engine, "reason": d.Reason, "pages": d.Pages})
	})
}

// PendingBody is a response that came without attachments: its body is the
// document.
type PendingBody struct {
	MessageID int64
	SHA256    string // the raw message's
	Kind      string
	Body      string
}

// PendingAttachments lists attachments not yet linked to a document, oldest
// first, with their message's request and kind.
func (s *Store) PendingAttachments(ctx context.Context, limit int) ([]Attachment, error) {
	q := `SELECT a.id, a.message_id, a.seq, a.part, a.filename, a.content_type, a.size, a.sha256, coalesce(m.request_id, 0), m.kind
		FROM attachments a JOIN messages m ON m.id = a.message_id
		WHERE NOT EXISTS (SELECT 1 FROM document_sources ds WHERE ds.attachment_id = a.id) AND a.id > ? ORDER BY a.id`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	return s.attachments(ctx, q, 0)
}

// PendingBodies lists responses without attachments whose body is not yet a
// document.
func (s *Store) PendingBodies(ctx context.Context) ([]PendingBody, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.id, m.sha256, m.kind, m.body_text FROM messages m
		WHERE m.kind = 'response'
		AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id)
		AND NOT EXISTS (SELECT 1 FROM document_sources ds WHERE ds.message_id = m.id AND ds.attachment_id IS NULL)
		ORDER BY m.id`)
	if err != nil {
		return nil, fmt.Errorf("list pending bodies: %w", err)
	}
	defer rows.Close()
	var out []PendingBody
	for rows.Next() {
		var b PendingBody
		if err := rows.Scan(&b.MessageID, &b.SHA256, &b.Kind, &b.Body); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// HasDocument reports the id of the document with this origin and SHA-256,
// or 0.
func (s *Store) HasDocument(ctx context.Context, origin, sha string) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM documents WHERE origin = ? AND sha256 = ?`, origin, sha).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// DocumentSignature is a document's near-duplicate signature and the
// authorities it came from.
type DocumentSignature struct {
	ID          int64
	MinHash     []byte
	Authorities []int64
}

// DocumentSignatures lists every document that has a signature.
func (s *Store) DocumentSignatures(ctx context.Context) ([]DocumentSignature, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT d.id, d.minhash, coalesce(group_concat(DISTINCT r.authority_id), '')
		FROM documents d
		LEFT JOIN document_sources ds ON ds.document_id = d.id
		LEFT JOIN messages m ON m.id = ds.message_id
		LEFT JOIN requests r ON r.id = m.request_id
		WHERE d.minhash IS NOT NULL GROUP BY d.id ORDER BY d.id`)
	if err != nil {
		return nil, fmt.Errorf("list document signatures: %w", err)
	}
	defer rows.Close()
	var out []DocumentSignature
	for rows.Next() {
		var d DocumentSignature
		var auths string
		if err := rows.Scan(&d.ID, &d.MinHash, &auths); err != nil {
			return nil, err
		}
		d.Authorities = parseIDs(auths)
		out = append(out, d)
	}
	return out, rows.Err()
}

func parseIDs(s string) []int64 {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		var v int64
		if _, err := fmt.Sscan(f, &v); err == nil {
			out = append(out, v)
		}
	}
	return out
}

// MessageAuthority is the authority a message's request went to, or 0.
func (s *Store) MessageAuthority(ctx context.Context, messageID int64) (int64, error) {
	var a sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT r.authority_id FROM messages m LEFT JOIN requests r ON r.id = m.request_id WHERE m.id = ?`, messageID).Scan(&a)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("message %d: %w", messageID, ErrNotFound)
	}
	return a.Int64, err
}

// DocumentSourceInfo is one place a document arrived, for listings.
type DocumentSourceInfo struct {
	MessageID    int64  `json:"message_id"`
	AttachmentID int64  `json:"attachment_id,omitempty"`
	Filename     string `json:"filename"`
	RequestRef   string `json:"request_ref,omitempty"`
	Authority    string `json:"authority,omitempty"`
}

// DocumentSummary is a document without its text.
type DocumentSummary struct {
	ID          int64                `json:"id"`
	Origin      string               `json:"origin"`
	SHA256      string               `json:"sha256"`
	Type        string               `json:"type"`
	Status      string               `json:"status"`
	Reason      string               `json:"reason"`
	Engine      string               `json:"engine"`
	Pages       int                  `json:"pages"`
	Words       int                  `json:"words"`
	SimilarTo   int64                `json:"similar_to,omitempty"`
	Similarity  float64              `json:"similarity,omitempty"`
	Review      string               `json:"review"` // pending, done, or "" when not queued
	Sources     []DocumentSourceInfo `json:"sources"`
	ExtractedAt string               `json:"extracted_at"`
}

// DocumentFilter selects documents; zero fields match everything.
type DocumentFilter struct {
	Status    string
	ID        int64
	RequestID int64 // documents from the messages matched to this request
}

// Documents lists documents, oldest first, with their sources.
func (s *Store) Documents(ctx context.Context, f DocumentFilter) ([]DocumentSummary, error) {
	q := `SELECT d.id, d.origin, d.sha256, d.type, d.status, d.reason, d.engine, d.pages, d.words, coalesce(d.similar_to, 0), coalesce(d.similarity, 0), d.extracted_at,
		(SELECT CASE WHEN count(*) = 0 THEN '' WHEN sum(state = 'pending') > 0 THEN 'pending' ELSE 'done' END FROM review_queue rq WHERE rq.document_id = d.id)
		FROM documents d`
	var where []string
	var args []any
	if f.Status != "" {
		where = append(where, "d.status = ?")
		args = append(args, f.Status)
	}
	if f.ID != 0 {
		where = append(where, "d.id = ?")
		args = append(args, f.ID)
	}
	if f.RequestID != 0 {
		where = append(where, "d.id IN (SELECT ds.document_id FROM document_sources ds JOIN messages m ON m.id = ds.message_id WHERE m.request_id = ?)")
		args = append(args, f.RequestID)
	}
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY d.id"
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	var out []DocumentSummary
	for rows.Next() {
		var d DocumentSummary
		if err := rows.Scan(&d.ID, &d.Origin, &d.SHA256, &d.Type, &d.Status, &d.Reason, &d.Engine, &d.Pages, &d.Words, &d.SimilarTo, &d.Similarity, &d.ExtractedAt, &d.Review); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Sources, err = s.documentSources(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) documentSources(ctx context.Context, id int64) ([]DocumentSourceInfo, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT ds.message_id, coalesce(ds.attachment_id, 0), ds.filename, coalesce(r.ref, ''), coalesce(a.name, '')
		FROM document_sources ds JOIN messages m ON m.id = ds.message_id
		LEFT JOIN requests r ON r.id = m.request_id LEFT JOIN authorities a ON a.id = r.authority_id
		WHERE ds.document_id = ? ORDER BY ds.id`, id)
	if err != nil {
		return nil, fmt.Errorf("list document sources: %w", err)
	}
	defer rows.Close()
	out := []DocumentSourceInfo{}
	for rows.Next() {
		var d DocumentSourceInfo
		if err := rows.Scan(&d.MessageID, &d.AttachmentID, &d.Filename, &d.RequestRef, &d.Authority); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// SearchHit is one document matching a search.
type SearchHit struct {
	DocumentID int64                `json:"document_id"`
	Status     string               `json:"status"`
	Snippet    string               `json:"snippet"`
	Rank       float64              `json:"rank"`
	Sources    []DocumentSourceInfo `json:"sources"`
}

// SearchDocuments finds documents containing every word of query (a word
// ending in * matches as a prefix; "quoted words" match as a phrase), best
// first. The query is never passed to FTS5 raw, so punctuation a person
// types ("don't", "s.17") cannot be a syntax error.
func (s *Store) SearchDocuments(ctx context.Context, query string, limit int) ([]SearchHit, error) {
	match := ftsQuery(query)
	if match == "" {
		return nil, fmt.Errorf("search: no words in %q", query)
	}
	if limit <= 0 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, `SELECT f.rowid, d.status, snippet(documents_fts, 0, '[', ']', '…', 16), bm25(documents_fts)
		FROM documents_fts f JOIN documents d ON d.id = f.rowid
		WHERE documents_fts MATCH ? ORDER BY bm25(documents_fts) LIMIT ?`, match, limit)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", query, err)
	}
	var out []SearchHit
	for rows.Next() {
		var h SearchHit
		if err := rows.Scan(&h.DocumentID, &h.Status, &h.Snippet, &h.Rank); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Sources, err = s.documentSources(ctx, out[i].DocumentID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ftsQuery turns what a person typed into an FTS5 query: each word and
// each "quoted phrase" becomes a quoted string (all must match); a
// trailing * keeps prefix matching.
func ftsQuery(q string) string {
	var terms []string
	for len(q) > 0 {
		q = strings.TrimLeft(q, " \t\r\n")
		if q == "" {
			break
		}
		var term string
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
		}
		prefix := strings.HasSuffix(term, "*")
		term = strings.TrimRight(term, "*")
		if strings.TrimSpace(term) == "" {
			continue
		}
		t := `"` + strings.ReplaceAll(term, `"`, `""`) + `"`
		if prefix {
			t += "*"
		}
		terms = append(terms, t)
	}
	return strings.Join(terms, " ")
}

// DocumentText returns a document's text.
func (s *Store) DocumentText(ctx context.Context, id int64) (string, error) {
	var text string
	err := s.db.QueryRowContext(ctx, `SELECT text FROM documents WHERE id = ?`, id).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("document %d: %w", id, ErrNotFound)
	}
	return text, err
}

// ReviewItem is one review queue entry with what a reviewer needs to pick
// it up.
type ReviewItem struct {
	ID         int64   `json:"id"`
	DocumentID int64   `json:"document_id"`
	MessageID  int64   `json:"message_id"`
	RequestRef string  `json:"request_ref,omitempty"`
	Authority  string  `json:"authority,omitempty"`
	Filename   string  `json:"filename"`
	Status     string  `json:"status"` // the document's extraction status
	SimilarTo  int64   `json:"similar_to,omitempty"`
	Similarity float64 `json:"similarity,omitempty"`
	State      string  `json:"state"`
	Outcome    string  `json:"outcome,omitempty"`
}

// ReviewQueue lists review entries, oldest first; pendingOnly leaves out
// decided ones.
func (s *Store) ReviewQueue(ctx context.Context, pendingOnly bool) ([]ReviewItem, error) {
	q := `SELECT rq.id, rq.document_id, rq.message_id, coalesce(r.ref, ''), coalesce(a.name, ''),
		coalesce((SELECT ds.filename FROM document_sources ds WHERE ds.document_id = rq.document_id AND ds.message_id = rq.message_id ORDER BY ds.id LIMIT 1), ''),
		d.status, coalesce(d.similar_to, 0), coalesce(d.similarity, 0), rq.state, coalesce(rq.outcome, '')
		FROM review_queue rq JOIN documents d ON d.id = rq.document_id JOIN messages m ON m.id = rq.message_id
		LEFT JOIN requests r ON r.id = m.request_id LEFT JOIN authorities a ON a.id = r.authority_id`
	if pendingOnly {
		q += ` WHERE rq.state = 'pending'`
	}
	q += ` ORDER BY rq.id`
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list review queue: %w", err)
	}
	defer rows.Close()
	var out []ReviewItem
	for rows.Next() {
		var r ReviewItem
		if err := rows.Scan(&r.ID, &r.DocumentID, &r.MessageID, &r.RequestRef, &r.Authority, &r.Filename, &r.Status, &r.SimilarTo, &r.Similarity, &r.State, &r.Outcome); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DecideReview records a reviewer's outcome for one queue entry. Deciding
// again replaces the outcome; both decisions stay in the event log.
func (s *Store) DecideReview(ctx context.Context, id int64, outcome string) error {
	if strings.TrimSpace(outcome) == "" {
		return errors.New("review outcome must not be empty")
	}
	return s.Tx(ctx, func(tx *sql.Tx) error {
		var docID, msgID int64
		var old sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT document_id, message_id, outcome FROM review_queue WHERE id = ?`, id).Scan(&docID, &msgID, &old)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("review entry %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE review_queue SET state = 'done', outcome = ?, decided_at = ? WHERE id = ?`,
			outcome, s.now().UTC().Format(time.RFC3339Nano), id); err != nil {
			return fmt.Errorf("decide review %d: %w", id, err)
		}
		subj, err := messageSubject(ctx, tx, msgID)
		if err != nil {
			return err
		}
		return s.AppendEvent(ctx, tx, "review.decided", subj, map[string]any{
			"review_id": id, "document_id": docID, "outcome": outcome, "previous_outcome": old.String})
	})
}
