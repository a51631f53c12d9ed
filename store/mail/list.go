package mail

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"foidesk/store"
)

// MessageSummary is one row of foidesk messages list.
type MessageSummary struct {
	ID         int64  `json:"id"`
	MessageID  string `json:"message_id"`
	From       string `json:"from"`
	FromName   string `json:"from_name"`
	Subject    string `json:"subject"`
	Kind       string `json:"kind"`
	KindReason string `json:"kind_reason"`
	KindBy     string `json:"kind_by"`
	// KindDetail is what a refusal cites (exemptions, the cost limit) or
	// where a published reply says the information is; only for those
	// kinds.
	KindDetail   string    `json:"kind_detail,omitempty"`
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
	// Dismissed: a person said the message belongs to no request.
	Dismissed       bool       `json:"dismissed"`
	DismissedAt     *time.Time `json:"dismissed_at,omitempty"`
	DismissedReason string     `json:"dismissed_reason,omitempty"`
}

// MessageFilter selects messages; zero fields match everything.
type MessageFilter struct {
	Unmatched bool // not matched to a request and not dismissed
	Dismissed bool // dismissed by a person
	Kind      string
	RequestID int64
	AfterID   int64
	Limit     int
}

// Messages lists at most f.Limit stored messages with an id above
// f.AfterID, in the order they were stored. A limit is required: a caller
// that wants every message streams them with EachMessage.
func (s *Store) Messages(ctx context.Context, f MessageFilter) ([]MessageSummary, error) {
	if f.Limit <= 0 {
		return nil, fmt.Errorf("list messages: a limit is required (got %d); EachMessage streams every message", f.Limit)
	}
	return s.messages(ctx, f, f.AfterID, f.Limit)
}

// EachMessage calls fn with every stored message f selects, in the order
// they were stored, from the one after f.AfterID and at most f.Limit of
// them (0: all), reading them in batches so that memory stays flat in the
// number of messages. It returns whether more messages follow the last
// one given to fn (only ever when f.Limit cut the listing).
func (s *Store) EachMessage(ctx context.Context, f MessageFilter, fn func(MessageSummary) error) (more bool, err error) {
	fetch := func(ctx context.Context, after int64, n int) ([]MessageSummary, error) {
		return s.messages(ctx, f, after, n)
	}
	return store.Walk(ctx, store.Page{After: f.AfterID, Limit: f.Limit}, fetch, func(m MessageSummary) int64 { return m.ID }, fn)
}

// messagesQuery selects at most n messages f selects with an id above
// after, in id order.
func messagesQuery(f MessageFilter, after int64, n int) (string, []any) {
	var where []string
	var args []any
	if f.Unmatched {
		where = append(where, "m.request_id IS NULL AND m.dismissed_at IS NULL")
	}
	if f.Dismissed {
		where = append(where, "m.dismissed_at IS NOT NULL")
	}
	if f.Kind != "" {
		where = append(where, "m.kind = ?")
		args = append(args, f.Kind)
	}
	if f.RequestID != 0 {
		where = append(where, "m.request_id = ?")
		args = append(args, f.RequestID)
	}
	where = append(where, "m.id > ?")
	args = append(args, after)
	q := `SELECT m.id, coalesce(m.header_message_id, ''), m.from_addr, m.from_name, m.subject, m.kind, m.kind_reason, m.kind_by,
		m.request_id, r.ref, m.matched_by, m.match_detail, (SELECT count(*) FROM attachments a WHERE a.message_id = m.id AND a.seq > 0),
		m.needs_person AND m.dismissed_at IS NULL, coalesce(m.bounce_status, ''), coalesce(m.case_ref, ''), coalesce(m.parse_problem, ''), m.sha256, m.size, m.received_at,
		length(trim(m.body_text)) > 0, CASE WHEN m.kind IN ('refusal', 'published') THEN m.kind_detail ELSE '' END,
		m.dismissed_at, m.dismissed_reason
		FROM messages m LEFT JOIN requests r ON r.id = m.request_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY m.id LIMIT ?"
	args = append(args, n)
	return q, args
}

// messages reads at most n messages f selects with an id above after, in
// id order. The filters walk the primary key (or an index that ends in
// it: messages_request, messages_unmatched), so a page costs its own rows,
// never a sort of every earlier one (TestMessagePagesQueryPlan).
func (s *Store) messages(ctx context.Context, f MessageFilter, after int64, n int) ([]MessageSummary, error) {
	q, args := messagesQuery(f, after, n)
	rows, err := s.core.DB().QueryContext(ctx, q, args...)
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
		var dismissed sql.NullString
		if err := rows.Scan(&m.ID, &m.MessageID, &m.From, &m.FromName, &m.Subject, &m.Kind, &m.KindReason, &m.KindBy,
			&req, &ref, &by, &m.MatchDetail, &m.Attachments, &m.NeedsPerson, &m.BounceStatus, &m.CaseRef, &m.ParseProblem,
			&m.SHA256, &m.Size, &received, &m.HasBody, &m.KindDetail, &dismissed, &m.DismissedReason); err != nil {
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
		if dismissed.Valid {
			at, _ := time.Parse(time.RFC3339Nano, dismissed.String)
			m.Dismissed, m.DismissedAt = true, &at
		}
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
		return MessageSummary{}, "", fmt.Errorf("message %d: %w", id, store.ErrNotFound)
	}
	var body string
	err = s.core.DB().QueryRowContext(ctx, `SELECT body_text FROM messages WHERE id = ?`, id).Scan(&body)
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

// MessageAttachments lists one message's attachments in order.
func (s *Store) MessageAttachments(ctx context.Context, messageID int64) ([]Attachment, error) {
	return s.attachments(ctx, `SELECT a.id, a.message_id, a.seq, a.part, a.filename, a.content_type, a.size, a.sha256, coalesce(m.request_id, 0), m.kind
		FROM attachments a JOIN messages m ON m.id = a.message_id WHERE a.message_id = ? AND a.seq > 0 ORDER BY a.seq`, messageID)
}

func (s *Store) attachments(ctx context.Context, q string, arg any) ([]Attachment, error) {
	rows, err := s.core.DB().QueryContext(ctx, q, arg)
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
	rows, err := s.core.DB().QueryContext(ctx, `SELECT mailbox, uidvalidity, uid FROM message_locations WHERE message_id = ? ORDER BY mailbox, uidvalidity, uid`, messageID)
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

// MessageRaw is a stored message's id and the SHA-256 of its raw file.
type MessageRaw struct {
	ID     int64
	SHA256 string
}

// MessageSHAs lists at most limit stored messages with an id above after,
// by id, each with its raw file's SHA-256: reparse walks them a page at a
// time.
func (s *Store) MessageSHAs(ctx context.Context, after int64, limit int) ([]MessageRaw, error) {
	rows, err := s.core.DB().QueryContext(ctx, `SELECT id, sha256 FROM messages WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MessageRaw
	for rows.Next() {
		var m MessageRaw
		if err := rows.Scan(&m.ID, &m.SHA256); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Detail is one message as a person reads it: its summary, the Date it
// was sent, the request's authority, its readable body text and where it
// was seen on the server.
type Detail struct {
	MessageSummary
	SentDate  time.Time  // zero when it had no readable Date header
	Authority string     // of the matched request; "" when unmatched
	Body      string     // readable text, HTML converted, capped
	Locations []Location // where it was seen on the server
}

// MessageDetail returns one stored message as a person reads it, or an
// error wrapping store.ErrNotFound.
func (s *Store) MessageDetail(ctx context.Context, id int64) (Detail, error) {
	sum, body, err := s.Message(ctx, id)
	if err != nil {
		return Detail{}, err
	}
	d := Detail{MessageSummary: sum, Body: body}
	var sent sql.NullString
	if err := s.core.DB().QueryRowContext(ctx, `SELECT m.sent_date, coalesce(a.name, '') FROM messages m
		LEFT JOIN requests r ON r.id = m.request_id LEFT JOIN authorities a ON a.id = r.authority_id WHERE m.id = ?`, id).Scan(&sent, &d.Authority); err != nil {
		return Detail{}, fmt.Errorf("message %d: %w", id, err)
	}
	if sent.Valid {
		d.SentDate, _ = time.Parse(time.RFC3339, sent.String)
	}
	if d.Locations, err = s.MessageLocations(ctx, id); err != nil {
		return Detail{}, fmt.Errorf("message %d: %w", id, err)
	}
	return d, nil
}

// UnmatchedCount is how many messages wait in the unmatched queue: not
// matched to a request and not dismissed.
func (s *Store) UnmatchedCount(ctx context.Context) (int, error) {
	var n int
	err := s.core.DB().QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE request_id IS NULL AND dismissed_at IS NULL`).Scan(&n)
	return n, err
}

// Snippets returns the start of each message's readable text, white space
// collapsed by the caller, at most n characters each: for listings.
func (s *Store) Snippets(ctx context.Context, ids []int64, n int) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = fmt.Sprint(id)
	}
	rows, err := s.core.DB().QueryContext(ctx, `SELECT id, substr(body_text, 1, ?) FROM messages WHERE id IN (SELECT value FROM json_each(?))`,
		n, "["+strings.Join(list, ",")+"]")
	if err != nil {
		return nil, fmt.Errorf("message snippets: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			return nil, err
		}
		out[id] = text
	}
	return out, rows.Err()
}

// RequestMessages lists every message matched to one request, in the
// order they were stored: a request's own correspondence, which a
// timeline shows whole. Listings across requests page or stream
// (Messages, EachMessage).
func (s *Store) RequestMessages(ctx context.Context, requestID int64) ([]MessageSummary, error) {
	if requestID == 0 {
		return nil, fmt.Errorf("list a request's messages: no request id")
	}
	out := []MessageSummary{}
	_, err := s.EachMessage(ctx, MessageFilter{RequestID: requestID}, func(m MessageSummary) error {
		out = append(out, m)
		return nil
	})
	return out, err
}
