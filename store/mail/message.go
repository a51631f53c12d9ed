// Package mail keeps the mail foidesk reads from the IMAP server: each
// message once (the same raw bytes, the same mailbox UID, or a copy with
// the same Message-ID and the same content are one message; a reused
// Message-ID alone is not), where on the server it was seen, its
// attachments, the request it answers and what triage or a person decided
// it is; and each mailbox's sync state, advanced in the transaction that
// records a message, so a crash never counts a UID as done without its
// message. The raw bytes are in the blob store (package blob), made durable
// before the message is recorded. Package ingest fetches, parses, matches and triages,
// and declares what it needs of this store (ingest.MailStore).
//
// A decision changes more than the message (decisions.go): a permanent
// bounce flags the authority's address, an acknowledgement teaches the
// authority's case reference, a person's assignment teaches the sender's
// address, and the request's clock is derived again from all its facts
// (store.DeriveClock), all in the decision's transaction. What a decision
// changed is remembered, so a correction undoes exactly that.
//
// A person may dismiss a message as belonging to no request (dismiss.go):
// it leaves the unmatched queue and is never matched or extracted again
// until it is undismissed.
//
// message.go records messages, list.go lists them, decisions.go applies
// and corrects decisions, dismiss.go dismisses, matching.go answers
// matching's questions, mailboxes.go is the sync state.
package mail

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"foidesk/lifecycle"
	"foidesk/store"
)

// Store is the mail of an open database.
type Store struct{ core *store.Store }

// New returns the mail kept in st.
func New(st *store.Store) *Store { return &Store{core: st} }

// Message kinds: what triage decided a piece of incoming mail is.
const (
	KindBounce        = lifecycle.KindBounce
	KindAutoReply     = lifecycle.KindAutoReply
	KindAck           = lifecycle.KindAck
	KindClarification = lifecycle.KindClarification
	KindResponse      = lifecycle.KindResponse
	KindRefusal       = lifecycle.KindRefusal
	KindPublished     = lifecycle.KindPublished
)

// Kinds lists every message kind, for validating a person's correction.
var Kinds = []string{KindBounce, KindAutoReply, KindAck, KindClarification, KindResponse, KindRefusal, KindPublished}

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
	KindDetail      string // a refusal's exemptions or cost limit; where a published reply says the information is
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
	Duplicate bool   // already stored (same raw bytes, same UID, or a copy of the same content); only the location was added
	RequestID int64  // of the stored message
	Ref       string // the matched request's reference, "" when unmatched
}

// MessageIDBySHA returns the stored message with these raw bytes, or 0.
func (s *Store) MessageIDBySHA(ctx context.Context, sum string) (int64, error) {
	var id int64
	err := s.core.DB().QueryRowContext(ctx, `SELECT id FROM messages WHERE sha256 = ?`, sum).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// RecordDuplicate notes that the message already stored as msgID was seen
// again at loc, and advances the mailbox past it.
func (s *Store) RecordDuplicate(ctx context.Context, msgID int64, loc Location) error {
	return s.core.Tx(ctx, func(tx *sql.Tx) error {
		if err := s.advanceLocked(ctx, tx, loc, msgID); err != nil {
			return err
		}
		return nil
	})
}

// RecordMessage stores one message, its attachments, match and triage
// decision, applies the state change the decision implies, advances the
// mailbox's last_uid and writes the events, all in one transaction. A message
// already stored (sameMessageLocked) is not stored again: only where it was
// seen is added.
func (s *Store) RecordMessage(ctx context.Context, m NewMessage) (Recorded, error) {
	var out Recorded
	err := s.core.Tx(ctx, func(tx *sql.Tx) error {
		out = Recorded{}
		existing, err := s.sameMessageLocked(ctx, tx, m)
		if err != nil {
			return err
		}
		if existing != 0 {
			out.ID, out.Duplicate = existing, true
			_ = tx.QueryRowContext(ctx, `SELECT coalesce(m.request_id, 0), coalesce(r.ref, '') FROM messages m LEFT JOIN requests r ON r.id = m.request_id WHERE m.id = ?`, existing).Scan(&out.RequestID, &out.Ref)
			return s.advanceLocked(ctx, tx, m.Loc, existing)
		}
		now := s.stamp()
		// Received on the campaign's clock, which the request's clock
		// reads; created and updated when it was written.
		received := s.core.CampaignNow().UTC().Format(time.RFC3339Nano)
		res, err := tx.ExecContext(ctx, `INSERT INTO messages (sha256, size, header_message_id, kind, received_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			m.SHA256, m.Size, nullStr(m.HeaderMessageID), KindResponse, received, now, now)
		if err != nil {
			return fmt.Errorf("insert message: %w", err)
		}
		out.ID, _ = res.LastInsertId()
		if err := s.writeDerivedLocked(ctx, tx, out.ID, m.Derived, false, false); err != nil {
			return err
		}
		if err := s.core.AppendEvent(ctx, tx, "message.recorded", store.Subject{Message: out.ID, Request: m.RequestID}, map[string]any{
			"sha256": m.SHA256, "size": m.Size, "mailbox": m.Loc.Mailbox, "uid": m.Loc.UID,
			"kind": m.Kind, "kind_reason": m.KindReason, "kind_detail": m.KindDetail, "matched_by": m.MatchedBy, "match_detail": m.MatchDetail,
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

// sameMessageLocked returns the stored message m is a copy of, or 0. A copy
// is the same raw bytes; or what was found at the same UID of the same
// mailbox under the same UIDVALIDITY (IMAP never reuses one for other mail);
// or a message with the same Message-ID whose content is the same (sender,
// subject, date, text and every attachment), parsed without a problem: one
// message filed in two mailboxes, one copy with a spam filter's header added.
// The Message-ID alone does not make a copy: councils' systems reuse them,
// and an acknowledgement and the response after it may share one.
func (s *Store) sameMessageLocked(ctx context.Context, tx *sql.Tx, m NewMessage) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM messages WHERE sha256 = ?`, m.SHA256).Scan(&id)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return id, err
	}
	if m.Loc.Mailbox != "" {
		err := tx.QueryRowContext(ctx, `SELECT message_id FROM message_locations WHERE mailbox = ? AND uidvalidity = ? AND uid = ?`,
			m.Loc.Mailbox, m.Loc.UIDValidity, m.Loc.UID).Scan(&id)
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
			return id, err
		}
	}
	if m.HeaderMessageID == "" || m.ParseProblem != "" {
		return 0, nil
	}
	var sent any
	if !m.SentDate.IsZero() {
		sent = m.SentDate.UTC().Format(time.RFC3339)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM messages WHERE header_message_id = ? AND parse_problem IS NULL
		AND from_addr = ? AND subject = ? AND sent_date IS ? AND body_text = ? ORDER BY id`,
		m.HeaderMessageID, strings.ToLower(m.FromAddr), m.Subject, sent, m.BodyText)
	if err != nil {
		return 0, err
	}
	var candidates []int64
	for rows.Next() {
		var c int64
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return 0, err
		}
		candidates = append(candidates, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, c := range candidates {
		same, err := sameAttachmentsLocked(ctx, tx, c, m.Attachments)
		if err != nil || same {
			return c, err
		}
	}
	return 0, nil
}

// sameAttachmentsLocked reports whether message id's attachments have the
// contents of list, in order.
func sameAttachmentsLocked(ctx context.Context, tx *sql.Tx, id int64, list []NewAttachment) (bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT sha256 FROM attachments WHERE message_id = ? AND seq > 0 ORDER BY seq`, id)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	i := 0
	for rows.Next() {
		var sum string
		if err := rows.Scan(&sum); err != nil {
			return false, err
		}
		if i >= len(list) || list[i].SHA256 != sum {
			return false, nil
		}
		i++
	}
	return i == len(list), rows.Err()
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
		nullStr(d.HeaderMessageID), strings.ToLower(d.FromAddr), d.FromName, d.Subject, sent,
		d.BodyText, nullStr(d.ParseProblem), nullStr(d.BounceStatus), nullStr(d.BounceRecipient), nullStr(d.CaseRef), s.stamp(), id)
	if err != nil {
		return fmt.Errorf("update message %d: %w", id, err)
	}
	if !keepMatch {
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET request_id = ?, matched_by = ?, match_detail = ? WHERE id = ?`,
			nullID(d.RequestID), nullStr(d.MatchedBy), d.MatchDetail, id); err != nil {
			return err
		}
	}
	if !keepKind {
		if _, err := tx.ExecContext(ctx, `UPDATE messages SET kind = ?, kind_reason = ?, kind_detail = ?, kind_by = 'rules', needs_person = ? WHERE id = ?`,
			d.Kind, d.KindReason, d.KindDetail, boolInt(d.Kind == KindClarification), id); err != nil {
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

func validKind(k string) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

func (s *Store) stamp() string { return s.core.Now().UTC().Format(time.RFC3339Nano) }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullStr(v string) any {
	if v == "" {
		return nil
	}
	return v
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
