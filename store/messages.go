package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"foidesk/lifecycle"
)

// Message kinds: what triage decided a piece of incoming mail is.
const (
	KindBounce        = lifecycle.KindBounce
	KindAutoReply     = lifecycle.KindAutoReply
	KindAck           = lifecycle.KindAck
	KindClarification = lifecycle.KindClarification
	KindResponse      = lifecycle.KindResponse
)

// Kinds lists every message kind, for validating a person's correction.
var Kinds = []string{KindBounce, KindAutoReply, KindAck, KindClarification, KindResponse}

// NewAttachment is one attachment already written to the blob store.
type NewAttachment struct {
	Part        string
	Filename    string
	ContentType string
	Size        int64
	SHA256      string
}

// Derived is everything foidesk works out from a raw message; reparse
// recomputes it from the raw file.
type Derived struct {
	HeaderMessageID string
	FromAddr        string
	FromName        string
	Subject         string
	SentDate        time.Time
	BodyText        string
	ParseProblem    string
	Attachments     []NewAttachment

	RequestID   int64 // 0: unmatched
	MatchedBy   string
	MatchDetail string

	Kind            string
	KindReason      string
	BounceStatus    string // enhanced status code
	BounceRecipient string
	CaseRef         string
}

// NewMessage is a message to record: its raw blob, where it was found and
// what was derived from it.
type NewMessage struct {
	SHA256 string
	Size   int64
	Loc    Location
	Derived
}

// Recorded reports what RecordMessage did.
type Recorded struct {
	ID        int64
	Duplicate bool   // already stored (same raw bytes or same Message-ID); only the location was added
	RequestID int64  // of the stored message
	Ref       string // the matched request's reference, "" when unmatched
}

// MessageIDBySHA returns the stored message with these raw bytes, or 0.
func (s *Store) MessageIDBySHA(ctx context.Context, sum string) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM messages WHERE sha256 = ?`, sum).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// RecordDuplicate notes that the message already stored as msgID was seen
// again at loc, and advances the mailbox past it.
func (s *Store) RecordDuplicate(ctx context.Context, msgID int64, loc Location) error {
	return s.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.advanceLocked(ctx, tx, loc, msgID); err != nil {
			return err
		}
		return nil
	})
}

// RecordMessage stores one message, its attachments, match and triage
// decision, applies the state change the decision implies, advances the
// mailbox's last_uid and writes the events, all in one transaction. A message
// whose raw SHA-256 or Message-ID is already stored is not stored again.
func (s *Store) RecordMessage(ctx context.Context, m NewMessage) (Recorded, error) {
	var out Recorded
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		out = Recorded{}
		var existing int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM messages WHERE sha256 = ?`, m.SHA256).Scan(&existing)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if existing == 0 && m.HeaderMessageID != "" {
			err := tx.QueryRowContext(ctx, `SELECT id FROM messages WHERE header_message_id = ? ORDER BY id LIMIT 1`, m.HeaderMessageID).Scan(&existing)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if existing != 0 {
			out.ID, out.Duplicate = existing, true
			_ = tx.QueryRowContext(ctx, `SELECT coalesce(m.request_id, 0), coalesce(r.ref, '') FROM messages m LEFT JOIN requests r ON r.id = m.request_id WHERE m.id = ?`, existing).Scan(&out.RequestID, &out.Ref)
			return s.advanceLocked(ctx, tx, m.Loc, existing)
		}
		now := s.msgStamp()
		res, err := tx.ExecContext(ctx, `INSERT INTO messages (sha256, size, header_message_id, kind, received_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			m.SHA256, m.Size, msgNullStr(m.HeaderMessageID), KindResponse, now, now, now)
		if err != nil {
			return fmt.Errorf("insert message: %w", err)
		}
		out.ID, _ = res.LastInsertId()
		if err := s.writeDerivedLocked(ctx, tx, out.ID, m.Derived, false, false); err != nil {
			return err
		}
		if err := s.AppendEvent(ctx, tx, "message.recorded", Subject{Message: out.ID, Request: m.RequestID}, map[string]any{
			"sha256": m.SHA256, "size": m.Size, "mailbox": m.Loc.Mailbox, "uid": m.Loc.UID,
			"kind": m.Kind, "kind_reason": m.KindReason, "matched_by": m.MatchedBy, "match_detail": m.MatchDetail,
			"attachments": len(m.Attachments), "parse_problem": m.ParseProblem,
		}); err != nil {
			return err
		}
		if err := s.applyLocked(ctx, tx, out.ID); err != nil {
			return err
		}
		out.RequestID = m.RequestID
		if m.RequestID != 0 {
			_ = tx.QueryRowContext(ctx, `SELECT ref FROM requests WHERE id = ?`, m.RequestID).Scan(&out.Ref)
		}
		return s.advanceLocked(ctx, tx, m.Loc, out.ID)
	})
	if err != nil {
		return out, fmt.Errorf("record message %s: %w", m.SHA256, err)
	}
	return out, nil
}

// writeDerivedLocked replaces a message's derived fields and attachments.
// keepMatch and keepKind preserve a person's decisions across a reparse.
func (s *Store) writeDerivedLocked(ctx context.Context, tx *sql.Tx, id int64, d Derived, keepMatch, keepKind bool) error {
	var sent any
	if !d.SentDate.IsZero() {
		sent = d.SentDate.UTC().Format(time.RFC3339)
	}
	_, err := tx.ExecContext(ctx, `UPDATE messages SET header_message_id = ?, from_addr = ?, from_name = ?, subject = ?, sent_date = ?,
		body_text = ?, parse_problem = ?, bounce_status = ?, bounce_recipient = ?, case_ref = ?, updated_at = ? WHERE id = ?`,
		msgNullStr(d.HeaderMessageID), strings.ToLower(d.FromAddr), d.FromName, d.Subject, sent,
		d.BodyText, msgNullStr(d.ParseProblem), msgNullStr(d.BounceStatus), msgNullStr(d.BounceRecipient), msgNullStr(d.CaseRef), s.msgStamp(), id)
	if err != nil {
		return fmt.Errorf("update message %d: %w", id, err)
	}
	if !keepMatch {
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET request_id = ?, matched_by = ?, match_detail = ? WHERE id = ?`,
			nullID(d.RequestID), msgNullStr(d.MatchedBy), d.MatchDetail, id); err != nil {
			return err
		}
	}
	if !keepKind {
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET kind = ?, kind_reason = ?, kind_by = 'rules', needs_person = ? WHERE id = ?`,
			d.Kind, d.KindReason, msgBoolInt(d.Kind == KindClarification), id); err != nil {
			return err
		}
	}
	return s.writeAttachmentsLocked(ctx, tx, id, d.Attachments)
}

// writeAttachmentsLocked makes a message's attachment rows match list.
// Rows are kept, not replaced, where the same content is still there, so
// anything that refers to an attachment (an extracted document) keeps
// referring to it across a reparse. A row whose content is gone and that
// something still refers to is kept with a negative seq: no longer part of
// the message, but not pulled from under its referrer.
func (s *Store) writeAttachmentsLocked(ctx context.Context, tx *sql.Tx, id int64, list []NewAttachment) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, sha256 FROM attachments WHERE message_id = ? ORDER BY seq`, id)
	if err != nil {
		return err
	}
	type old struct {
		id   int64
		sum  string
		used bool
	}
	var existing []*old
	for rows.Next() {
		o := &old{}
		if err := rows.Scan(&o.id, &o.sum); err != nil {
			rows.Close()
			return err
		}
		existing = append(existing, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(existing) > 0 {
		// Out of the way of UNIQUE (message_id, seq) while renumbering.
		if _, err := tx.ExecContext(ctx, `UPDATE attachments SET seq = -id WHERE message_id = ?`, id); err != nil {
			return err
		}
	}
	for i, a := range list {
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		var reuse *old
		for _, o := range existing {
			if !o.used && o.sum == a.SHA256 {
				reuse = o
				break
			}
		}
		if reuse != nil {
			reuse.used = true
			if _, err := tx.ExecContext(ctx, `UPDATE attachments SET seq = ?, part = ?, filename = ?, content_type = ?, size = ? WHERE id = ?`,
				i+1, a.Part, a.Filename, ct, a.Size, reuse.id); err != nil {
				return fmt.Errorf("update attachment: %w", err)
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO attachments (message_id, seq, part, filename, content_type, size, sha256) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, i+1, a.Part, a.Filename, ct, a.Size, a.SHA256); err != nil {
			return fmt.Errorf("insert attachment: %w", err)
		}
	}
	for _, o := range existing {
		if o.used {
			continue
		}
		// Fails (and changes nothing) when a foreign key still points here.
		if _, err := tx.ExecContext(ctx, `DELETE FROM attachments WHERE id = ?`, o.id); err != nil && !strings.Contains(err.Error(), "FOREIGN KEY") {
			return fmt.Errorf("remove attachment %d: %w", o.id, err)
		}
	}
	return nil
}

// MessageSummary is one row of foidesk messages list.
type MessageSummary struct {
	ID           int64     `json:"id"`
	MessageID    string    `json:"message_id"`
	From         string    `json:"from"`
	FromName     string    `json:"from_name"`
	Subject      string    `json:"subject"`
	Kind         string    `json:"kind"`
	KindReason   string    `json:"kind_reason"`
	KindBy       string    `json:"kind_by"`
	RequestID    *int64    `json:"request_id"`
	RequestRef   *string   `json:"request_ref"`
	MatchedBy    *string   `json:"matched_by"`
	MatchDetail  string    `json:"match_detail"`
	Attachments  int       `json:"attachments"`
	NeedsPerson  bool      `json:"needs_person"`
	BounceStatus string    `json:"bounce_status,omitempty"`
	CaseRef      string    `json:"case_ref,omitempty"`
	ParseProblem string    `json:"parse_problem,omitempty"`
	SHA256       string    `json:"sha256"`
	Size         int64     `json:"size"`
	ReceivedAt   time.Time `json:"received_at"`
	HasBody      bool      `json:"has_body"` // readable text beyond whitespace
}

// MessageFilter selects messages; zero fields match everything.
type MessageFilter struct {
	Unmatched bool
	Kind      string
	RequestID int64
	AfterID   int64
	Limit     int
}

// Messages lists stored messages in the order they were stored.
func (s *Store) Messages(ctx context.Context, f MessageFilter) ([]MessageSummary, error) {
	var where []string
	var args []any
	if f.Unmatched {
		where = append(where, "m.request_id IS NULL")
	}
	if f.Kind != "" {
		where = append(where, "m.kind = ?")
		args = append(args, f.Kind)
	}
	if f.RequestID != 0 {
		where = append(where, "m.request_id = ?")
		args = append(args, f.RequestID)
	}
	if f.AfterID != 0 {
		where = append(where, "m.id > ?")
		args = append(args, f.AfterID)
	}
	q := `SELECT m.id, coalesce(m.header_message_id, ''), m.from_addr, m.from_name, m.subject, m.kind, m.kind_reason, m.kind_by,
		m.request_id, r.ref, m.matched_by, m.match_detail, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id AND a.seq > 0),
		m.needs_person, coalesce(m.bounce_status, ''), coalesce(m.case_ref, ''), coalesce(m.parse_problem, ''), m.sha256, m.size, m.received_at,
		length(trim(m.body_text)) > 0
		FROM messages m LEFT JOIN requests r ON r.id = m.request_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY m.id"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	out := []MessageSummary{}
	for rows.Next() {
		var m MessageSummary
		var req sql.NullInt64
		var ref, by sql.NullString
		var received string
		if err := rows.Scan(&m.ID, &m.MessageID, &m.From, &m.FromName, &m.Subject, &m.Kind, &m.KindReason, &m.KindBy,
			&req, &ref, &by, &m.MatchDetail, &m.Attachments, &m.NeedsPerson, &m.BounceStatus, &m.CaseRef, &m.ParseProblem,
			&m.SHA256, &m.Size, &received, &m.HasBody); err != nil {
			return nil, fmt.Errorf("list messages: %w", err)
		}
		if req.Valid {
			m.RequestID = &req.Int64
		}
		if ref.Valid {
			m.RequestRef = &ref.String
		}
		if by.Valid {
			m.MatchedBy = &by.String
		}
		m.ReceivedAt, _ = time.Parse(time.RFC3339Nano, received)
		out = append(out, m)
	}
	return out, rows.Err()
}

// Message returns one message's summary and its readable body text.
func (s *Store) Message(ctx context.Context, id int64) (MessageSummary, string, error) {
	ms, err := s.Messages(ctx, MessageFilter{AfterID: id - 1, Limit: 1})
	if err != nil {
		return MessageSummary{}, "", err
	}
	if len(ms) == 0 || ms[0].ID != id {
		return MessageSummary{}, "", fmt.Errorf("message %d: %w", id, ErrNotFound)
	}
	var body string
	err = s.db.QueryRowContext(ctx, `SELECT body_text FROM messages WHERE id = ?`, id).Scan(&body)
	return ms[0], body, err
}

// Attachment is one stored attachment; its bytes are at
// blob.Store{Dir: dataDir}.Path(SHA256).
type Attachment struct {
	ID          int64  `json:"id"`
	MessageID   int64  `json:"message_id"`
	Seq         int    `json:"seq"`
	Part        string `json:"part"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	RequestID   int64  `json:"request_id"` // 0 when the message is unmatched
	Kind        string `json:"kind"`       // the message's kind
}

// Attachments lists attachments with id > afterID (0: all), oldest first,
// with their message's request and kind, for extraction to work through.
func (s *Store) Attachments(ctx context.Context, afterID int64, limit int) ([]Attachment, error) {
	q := `SELECT a.id, a.message_id, a.seq, a.part, a.filename, a.content_type, a.size, a.sha256, coalesce(m.request_id, 0), m.kind
		FROM attachments a JOIN messages m ON m.id = a.message_id WHERE a.id > ? AND a.seq > 0 ORDER BY a.id`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	return s.attachments(ctx, q, afterID)
}

// MessageAttachments lists one message's attachments in order.
func (s *Store) MessageAttachments(ctx context.Context, messageID int64) ([]Attachment, error) {
	return s.attachments(ctx, `SELECT a.id, a.message_id, a.seq, a.part, a.filename, a.content_type, a.size, a.sha256, coalesce(m.request_id, 0), m.kind
		FROM attachments a JOIN messages m ON m.id = a.message_id WHERE a.message_id = ? AND a.seq > 0 ORDER BY a.seq`, messageID)
}

func (s *Store) attachments(ctx context.Context, q string, arg any) ([]Attachment, error) {
	rows, err := s.db.QueryContext(ctx, q, arg)
	if err != nil {
		return nil, fmt.Errorf("list attachments: %w", err)
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.ID, &a.MessageID, &a.Seq, &a.Part, &a.Filename, &a.ContentType, &a.Size, &a.SHA256, &a.RequestID, &a.Kind); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// MessageLocations lists where a message was seen on the server.
func (s *Store) MessageLocations(ctx context.Context, messageID int64) ([]Location, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT mailbox, uidvalidity, uid FROM message_locations WHERE message_id = ? ORDER BY mailbox, uidvalidity, uid`, messageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Location
	for rows.Next() {
		var l Location
		if err := rows.Scan(&l.Mailbox, &l.UIDValidity, &l.UID); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// MessageSHAs lists every stored message's id and raw SHA-256, for reparse.
func (s *Store) MessageSHAs(ctx context.Context) (map[int64]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, sha256 FROM messages ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var sum string
		if err := rows.Scan(&id, &sum); err != nil {
			return nil, err
		}
		out[id] = sum
	}
	return out, rows.Err()
}

// RequestStatus reports a request's lifecycle status and due date.
func (s *Store) RequestStatus(ctx context.Context, id int64) (status string, due string, err error) {
	var d sql.NullString
	err = s.db.QueryRowContext(ctx, `SELECT status, due_date FROM requests WHERE id = ?`, id).Scan(&status, &d)
	return status, d.String, err
}

// AuthorityEmailBounced reports whether an authority's address is flagged
// by a permanent bounce, and why.
func (s *Store) AuthorityEmailBounced(ctx context.Context, id int64) (bool, string, error) {
	var at, reason sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT email_bounced_at, email_bounce_reason FROM authorities WHERE id = ?`, id).Scan(&at, &reason)
	return at.Valid, reason.String, err
}

func validMsgKind(k string) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

func (s *Store) msgStamp() string { return s.now().UTC().Format(time.RFC3339Nano) }

func msgNullStr(v string) any {
	if v == "" {
		return nil
	}
	return v
}

func msgBoolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// RequestReplies lists the facts of every message matched to a request, in
// the order they were stored, as the lifecycle reads them.
func (s *Store) RequestReplies(ctx context.Context, requestID int64) ([]lifecycle.Reply, error) {
	return replyFacts(ctx, s.db, requestID)
}
