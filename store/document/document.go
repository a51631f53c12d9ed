// Package document keeps what foidesk extracted from the mail: one
// document per distinct file (the same origin and SHA-256 is one
// document, however many messages carried it), with its text, its
// full-text index entry and its near-duplicate signature; every place it
// arrived; and the review queue of substantive ones. Package extract does
// the extracting and declares what it needs of this store
// (extract.DocumentStore). Saving a document, its sources, its queue entry
// and their events is one transaction.
//
// document.go records documents and lists the work still to do, list.go
// lists and searches them, review.go is the review queue.
package document

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"foidesk/store"
	"foidesk/store/mail"
)

// Store is the documents and review queue of an open database.
type Store struct{ core *store.Store }

// New returns the documents kept in st.
func New(st *store.Store) *Store { return &Store{core: st} }

// Document origins.
const (
	FromAttachment = "attachment"
	FromBody       = "body"
)

// Input is one extraction's outcome, as extract hands it to the store.
type Input struct {
	Origin     string // FromAttachment or FromBody
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

// Source is where a document arrived: a message, and the attachment
// unless it is the message's body.
type Source struct {
	MessageID    int64
	AttachmentID int64 // 0 for a body document
	Filename     string
}

// Saved reports what Save did.
type Saved struct {
	DocumentID int64
	Created    bool // false: an identical file was already a document, now linked
	Queued     bool // a review queue entry was added
	Capped     bool // to be queued, but its message already has MaxQueuedPerMessage attachments queued
}

// MaxQueuedPerMessage is how many of one message's attachments the review
// queue takes. A message of hundreds of parts (one arrived with 498, under
// ingest's max_parts) would otherwise bury every other council's reply
// under one council's bundle; 50 is more than any real reply to a single
// request has needed. The rest are still documents, extracted and
// searchable, and the message's queue entries carry a note saying so
// (CapNote), with a review.capped event. A message's body does not count
// and is never held back: it is the council's own answer.
const MaxQueuedPerMessage = 50

// CapNote is the note on a message's queue entries once it reached
// MaxQueuedPerMessage.
func CapNote(messageID int64) string {
	return fmt.Sprintf("message %d had more attachments to review than the %d one message may queue: only the first %d are in the queue; the others are extracted and searchable (foidesk documents list)",
		messageID, MaxQueuedPerMessage, MaxQueuedPerMessage)
}

// Save records a document and where it came from, in one transaction: the
// document (unless one with the same origin and SHA-256
// exists, in which case the source is linked to it), its full-text index
// entry, the source, a review queue entry when substantive (and its
// message has not reached MaxQueuedPerMessage), and events.
func (s *Store) Save(ctx context.Context, d Input, src Source, substantive bool) (Saved, error) {
	var out Saved
	err := s.core.Tx(ctx, func(tx *sql.Tx) error {
		now := s.core.Now().UTC().Format(time.RFC3339Nano)
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
			if err := s.core.AppendEvent(ctx, tx, "document.extracted", subj, ev); err != nil {
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
			if err := s.core.AppendEvent(ctx, tx, "document.linked", subj, map[string]any{
				"document_id": out.DocumentID, "sha256": d.SHA256, "filename": src.Filename, "reason": "identical file already extracted"}); err != nil {
				return err
			}
		}
		if substantive && src.AttachmentID != 0 {
			n, err := queuedAttachments(ctx, tx, src.MessageID)
			if err != nil {
				return err
			}
			if n >= MaxQueuedPerMessage {
				out.Capped = true
				return s.capped(ctx, tx, subj, out.DocumentID, src, now)
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
				if err := s.core.AppendEvent(ctx, tx, "review.queued", subj, map[string]any{"document_id": out.DocumentID}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return out, err
}

// capped records that a document of src's message was not queued because
// of MaxQueuedPerMessage: the first time, a note on the message's queue
// entries and a review.capped event.
func (s *Store) capped(ctx context.Context, tx *sql.Tx, subj store.Subject, docID int64, src Source, now string) error {
	note := CapNote(src.MessageID)
	res, err := tx.ExecContext(ctx, `UPDATE review_queue SET note = ? WHERE message_id = ? AND note <> ?`, note, src.MessageID, note)
	if err != nil {
		return fmt.Errorf("note the review cap on message %d: %w", src.MessageID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // already noted
	}
	return s.core.AppendEvent(ctx, tx, "review.capped", subj, map[string]any{
		"document_id": docID, "filename": src.Filename, "limit": MaxQueuedPerMessage, "reason": note})
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullSimilarity(to int64, v float64) any {
	if to == 0 {
		return nil
	}
	return v
}

// messageSubject names a message and its request (if matched) for events.
func messageSubject(ctx context.Context, tx *sql.Tx, messageID int64) (store.Subject, error) {
	var req, auth sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT m.request_id, r.authority_id FROM messages m LEFT JOIN requests r ON r.id = m.request_id WHERE m.id = ?`, messageID).Scan(&req, &auth)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Subject{}, fmt.Errorf("message %d: %w", messageID, store.ErrNotFound)
	}
	if err != nil {
		return store.Subject{}, err
	}
	return store.Subject{Message: messageID, Request: req.Int64, Authority: auth.Int64}, nil
}

// UpdateExtraction replaces a document's extraction (after a
// better engine or tesseract became available), keeping its sources and
// review entries, and records what changed.
func (s *Store) UpdateExtraction(ctx context.Context, id int64, d Input) error {
	return s.core.Tx(ctx, func(tx *sql.Tx) error {
		var oldStatus, oldEngine string
		var msgID int64
		err := tx.QueryRowContext(ctx, `SELECT d.status, d.engine, coalesce((SELECT min(message_id) FROM document_sources WHERE document_id = d.id), 0)
			FROM documents d WHERE d.id = ?`, id).Scan(&oldStatus, &oldEngine, &msgID)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("document %d: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		detail, err := json.Marshal(d.Detail)
		if err != nil || d.Detail == nil {
			detail = []byte("{}")
		}
		now := s.core.Now().UTC().Format(time.RFC3339Nano)
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
		var subj store.Subject
		if msgID != 0 {
			if subj, err = messageSubject(ctx, tx, msgID); err != nil {
				return err
			}
		}
		return s.core.AppendEvent(ctx, tx, "document.reextracted", subj, map[string]any{
			"document_id": id, "old_status": oldStatus, "old_engine": oldEngine,
			"status": d.Status, "engine": d.Engine, "reason": d.Reason, "pages": d.Pages})
	})
}

// PendingBody is a response whose body is not yet a document.
type PendingBody struct {
	MessageID int64
	SHA256    string // the raw message's
	Kind      string
	Body      string
}

// PendingAttachments lists at most limit attachments with an id above
// after not yet linked to a document, oldest first, with their message's
// request and kind: a caller pages through them by the last id. A
// dismissed message's attachments are left alone: a person said it
// belongs to no request.
func (s *Store) PendingAttachments(ctx context.Context, after int64, limit int) ([]mail.Attachment, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("list pending attachments: a limit is required (got %d)", limit)
	}
	q := `SELECT a.id, a.message_id, a.seq, a.part, a.filename, a.content_type, a.size, a.sha256, coalesce(m.request_id, 0), m.kind
		FROM attachments a JOIN messages m ON m.id = a.message_id
		WHERE NOT EXISTS (SELECT 1 FROM document_sources ds WHERE ds.attachment_id = a.id) AND a.id > ? AND m.dismissed_at IS NULL ORDER BY a.id LIMIT ?`
	rows, err := s.core.DB().QueryContext(ctx, q, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	defer rows.Close()
	var out []mail.Attachment
	for rows.Next() {
		var a mail.Attachment
		if err := rows.Scan(&a.ID, &a.MessageID, &a.Seq, &a.Part, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, &a.RequestID, &a.Kind); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// PendingBodies lists answers (responses, refusals and "already published"
// replies, not dismissed) whose body is not yet a document and whose
// attachments all are, so that whether to queue the body can take its
// attachments into account (extract's review rule): at most limit of them
// with a message id above after, oldest first, so that a caller holds one
// page of bodies at a time.
func (s *Store) PendingBodies(ctx context.Context, after int64, limit int) ([]PendingBody, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("list pending bodies: a limit is required (got %d)", limit)
	}
	rows, err := s.core.DB().QueryContext(ctx, `SELECT m.id, m.sha256, m.kind, m.body_text FROM messages m
		WHERE m.id > ? AND m.kind IN ('response', 'refusal', 'published') AND m.dismissed_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.message_id = m.id
			AND NOT EXISTS (SELECT 1 FROM document_sources ds WHERE ds.attachment_id = a.id))
		AND NOT EXISTS (SELECT 1 FROM document_sources ds WHERE ds.message_id = m.id AND ds.attachment_id IS NULL)
		ORDER BY m.id LIMIT ?`, after, limit)
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

// QueuedAttachments is how many review queue entries a message has for
// documents that arrived as its attachments.
func (s *Store) QueuedAttachments(ctx context.Context, messageID int64) (int, error) {
	return queuedAttachments(ctx, s.core.DB(), messageID)
}

// queryRower is a database or a transaction.
type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func queuedAttachments(ctx context.Context, q queryRower, messageID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM review_queue rq
		WHERE rq.message_id = ? AND EXISTS (SELECT 1 FROM document_sources ds
			WHERE ds.document_id = rq.document_id AND ds.message_id = rq.message_id AND ds.attachment_id IS NOT NULL)`, messageID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count queued attachments of message %d: %w", messageID, err)
	}
	return n, nil
}

// Find reports the id of the document with this origin and SHA-256,
// or 0.
func (s *Store) Find(ctx context.Context, origin, sha string) (int64, error) {
	var id int64
	err := s.core.DB().QueryRowContext(ctx, `SELECT id FROM documents WHERE origin = ? AND sha256 = ?`, origin, sha).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// Signature is a document's near-duplicate signature and the
// authorities it came from.
type Signature struct {
	ID          int64
	MinHash     []byte
	Authorities []int64
}

// Signatures lists every document that has a signature: the exhaustive
// comparison extraction used before Candidates, kept as the reference the
// banded lookup is tested and measured against.
func (s *Store) Signatures(ctx context.Context) ([]Signature, error) {
	out, err := scanSignatures(s.core.DB().QueryContext(ctx, signatureSelect+`WHERE d.minhash IS NOT NULL GROUP BY d.id ORDER BY d.id`))
	if err != nil {
		return nil, fmt.Errorf("list document signatures: %w", err)
	}
	return out, nil
}

// signatureSelect reads documents' signatures with the authorities they
// came from; the caller adds WHERE, GROUP BY d.id and the order.
const signatureSelect = `SELECT d.id, d.minhash, coalesce(group_concat(DISTINCT r.authority_id), '')
	FROM documents d
	LEFT JOIN document_sources ds ON ds.document_id = d.id
	LEFT JOIN messages m ON m.id = ds.message_id
	LEFT JOIN requests r ON r.id = m.request_id
	`

// scanSignatures reads signatureSelect's rows.
func scanSignatures(rows *sql.Rows, err error) ([]Signature, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Signature
	for rows.Next() {
		var d Signature
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

// MessageBody is a message's readable body text, for extracting a body
// document again.
func (s *Store) MessageBody(ctx context.Context, messageID int64) (string, error) {
	var body string
	err := s.core.DB().QueryRowContext(ctx, `SELECT body_text FROM messages WHERE id = ?`, messageID).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("message %d: %w", messageID, store.ErrNotFound)
	}
	return body, err
}

// MessageAuthority is the authority a message's request went to, or 0.
func (s *Store) MessageAuthority(ctx context.Context, messageID int64) (int64, error) {
	var a sql.NullInt64
	err := s.core.DB().QueryRowContext(ctx, `SELECT r.authority_id FROM messages m LEFT JOIN requests r ON r.id = m.request_id WHERE m.id = ?`, messageID).Scan(&a)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("message %d: %w", messageID, store.ErrNotFound)
	}
	return a.Int64, err
}
