package document

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"foidesk/store"
	"foidesk/store/mail"
)

// SourceInfo is one place a document arrived, for listings.
type SourceInfo struct {
	MessageID    int64  `json:"message_id"`
	AttachmentID int64  `json:"attachment_id,omitempty"`
	Filename     string `json:"filename"`
	RequestRef   string `json:"request_ref,omitempty"`
	Authority    string `json:"authority,omitempty"`
}

// Summary is a document without its text.
type Summary struct {
	ID          int64        `json:"id"`
	Origin      string       `json:"origin"`
	SHA256      string       `json:"sha256"`
	Type        string       `json:"type"`
	Status      string       `json:"status"`
	Reason      string       `json:"reason"`
	Engine      string       `json:"engine"`
	Pages       int          `json:"pages"`
	Words       int          `json:"words"`
	SimilarTo   int64        `json:"similar_to,omitempty"`
	Similarity  float64      `json:"similarity,omitempty"`
	Review      string       `json:"review"` // pending, done, or "" when not queued
	Sources     []SourceInfo `json:"sources"`
	ExtractedAt string       `json:"extracted_at"`
}

// Filter selects documents; zero fields match everything.
type Filter struct {
	Status    string
	ID        int64
	RequestID int64 // documents from the messages matched to this request
	AfterID   int64 // only documents with a greater id
	Limit     int   // at most this many (Each: 0 for all)
}

// List lists documents f selects, oldest first, with their sources: one
// document (f.ID) or at most f.Limit of them after f.AfterID. A caller
// that wants every document streams them with Each.
func (s *Store) List(ctx context.Context, f Filter) ([]Summary, error) {
	n := f.Limit
	if f.ID != 0 && n == 0 {
		n = 1
	}
	if n <= 0 {
		return nil, fmt.Errorf("list documents: a limit is required (got %d); Each streams every document", f.Limit)
	}
	return s.list(ctx, f, f.AfterID, n)
}

// Each calls fn with every document f selects, oldest first, with its
// sources, from the one after f.AfterID and at most f.Limit of them (0:
// all). It reads a batch of documents and their sources in two queries,
// so memory stays flat in the number of documents, and holds no statement
// open while fn runs (fn may write: Reextract updates each document). It
// returns whether more documents follow the last one given to fn.
func (s *Store) Each(ctx context.Context, f Filter, fn func(Summary) error) (more bool, err error) {
	fetch := func(ctx context.Context, after int64, n int) ([]Summary, error) { return s.list(ctx, f, after, n) }
	return store.Walk(ctx, store.Page{After: f.AfterID, Limit: f.Limit}, fetch, func(d Summary) int64 { return d.ID }, fn)
}

// RequestDocuments lists every document extracted from the mail matched
// to one request, oldest first: a request's own documents, which its
// timeline shows whole.
func (s *Store) RequestDocuments(ctx context.Context, requestID int64) ([]Summary, error) {
	if requestID == 0 {
		return nil, fmt.Errorf("list a request's documents: no request id")
	}
	out := []Summary{}
	_, err := s.Each(ctx, Filter{RequestID: requestID}, func(d Summary) error {
		out = append(out, d)
		return nil
	})
	return out, err
}

// listQuery selects at most n documents f selects with an id above after,
// walking the primary key or documents_status, which ends in it
// (TestDocumentPages).
func listQuery(f Filter, after int64, n int) (string, []any) {
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
	where = append(where, "d.id > ?")
	args = append(args, after, n)
	return q + " WHERE " + strings.Join(where, " AND ") + " ORDER BY d.id LIMIT ?", args
}

// list reads at most n documents f selects with an id above after, in id
// order, with their sources.
func (s *Store) list(ctx context.Context, f Filter, after int64, n int) ([]Summary, error) {
	q, args := listQuery(f, after, n)
	rows, err := s.core.DB().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	out := []Summary{}
	for rows.Next() {
		var d Summary
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
	if err := s.fillSources(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// sourcesChunk is how many documents' sources one query reads.
const sourcesChunk = 500

// fillSources reads the sources of docs (in id order, as List returns
// them), one query for each sourcesChunk documents rather than one a
// document.
func (s *Store) fillSources(ctx context.Context, docs []Summary) error {
	for start := 0; start < len(docs); start += sourcesChunk {
		page := docs[start:min(start+sourcesChunk, len(docs))]
		at := make(map[int64]*Summary, len(page))
		args := make([]any, len(page))
		for i := range page {
			page[i].Sources = []SourceInfo{}
			at[page[i].ID] = &page[i]
			args[i] = page[i].ID
		}
		rows, err := s.core.DB().QueryContext(ctx, `SELECT ds.document_id, ds.message_id, coalesce(ds.attachment_id, 0), ds.filename, coalesce(r.ref, ''), coalesce(a.name, '')
		FROM document_sources ds JOIN messages m ON m.id = ds.message_id
		LEFT JOIN requests r ON r.id = m.request_id LEFT JOIN authorities a ON a.id = r.authority_id
		WHERE ds.document_id IN (?`+strings.Repeat(", ?", len(page)-1)+`) ORDER BY ds.document_id, ds.id`, args...)
		if err != nil {
			return fmt.Errorf("list document sources: %w", err)
		}
		for rows.Next() {
			var doc int64
			var d SourceInfo
			if err := rows.Scan(&doc, &d.MessageID, &d.AttachmentID, &d.Filename, &d.RequestRef, &d.Authority); err != nil {
				rows.Close()
				return err
			}
			if sum := at[doc]; sum != nil {
				sum.Sources = append(sum.Sources, d)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// documentSources lists one document's sources.
func (s *Store) documentSources(ctx context.Context, id int64) ([]SourceInfo, error) {
	one := []Summary{{ID: id}}
	err := s.fillSources(ctx, one)
	return one[0].Sources, err
}

// Text returns a document's text.
func (s *Store) Text(ctx context.Context, id int64) (string, error) {
	var text string
	err := s.core.DB().QueryRowContext(ctx, `SELECT text FROM documents WHERE id = ?`, id).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("document %d: %w", id, store.ErrNotFound)
	}
	return text, err
}

// Get returns one document's summary and its text (pages separated by
// form feeds), or an error wrapping store.ErrNotFound.
func (s *Store) Get(ctx context.Context, id int64) (Summary, string, error) {
	docs, err := s.List(ctx, Filter{ID: id})
	if err != nil {
		return Summary{}, "", err
	}
	if len(docs) == 0 {
		return Summary{}, "", fmt.Errorf("document %d: %w", id, store.ErrNotFound)
	}
	text, err := s.Text(ctx, id)
	return docs[0], text, err
}

// AttachmentDocument is one attachment of a message with the document
// extracted from it, if any.
type AttachmentDocument struct {
	mail.Attachment
	DocumentID int64  `json:"document_id,omitempty"` // 0: not extracted yet
	Status     string `json:"status,omitempty"`      // the document's
	Reason     string `json:"reason,omitempty"`
	Type       string `json:"type,omitempty"`
	Pages      int    `json:"pages,omitempty"`
	Review     string `json:"review"` // of this message's queue entry: pending, done, or ""
}

// MessageAttachments lists one message's attachments in order, each with
// its document and the review state of its queue entry for this message.
func (s *Store) MessageAttachments(ctx context.Context, messageID int64) ([]AttachmentDocument, error) {
	rows, err := s.core.DB().QueryContext(ctx, `SELECT a.id, a.message_id, a.seq, a.part, a.filename, a.content_type, a.size, a.sha256, coalesce(m.request_id, 0), m.kind,
		coalesce(d.id, 0), coalesce(d.status, ''), coalesce(d.reason, ''), coalesce(d.type, ''), coalesce(d.pages, 0),
		coalesce((SELECT rq.state FROM review_queue rq WHERE rq.document_id = d.id AND rq.message_id = a.message_id), '')
		FROM attachments a JOIN messages m ON m.id = a.message_id
		LEFT JOIN document_sources ds ON ds.attachment_id = a.id
		LEFT JOIN documents d ON d.id = ds.document_id
		WHERE a.message_id = ? AND a.seq > 0 GROUP BY a.id ORDER BY a.seq`, messageID)
	if err != nil {
		return nil, fmt.Errorf("list attachments of message %d: %w", messageID, err)
	}
	defer rows.Close()
	out := []AttachmentDocument{}
	for rows.Next() {
		var a AttachmentDocument
		if err := rows.Scan(&a.ID, &a.MessageID, &a.Seq, &a.Part, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, &a.RequestID, &a.Kind,
			&a.DocumentID, &a.Status, &a.Reason, &a.Type, &a.Pages, &a.Review); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// BodyDocument is the document made from a message's own text, or 0
// when there is none (yet).
func (s *Store) BodyDocument(ctx context.Context, messageID int64) (int64, error) {
	var id int64
	err := s.core.DB().QueryRowContext(ctx, `SELECT document_id FROM document_sources WHERE message_id = ? AND attachment_id IS NULL`, messageID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}
