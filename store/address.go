package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// A request is addressed from the register as it is when the request is
// sent, not as it was when its campaign was created (store/campaign
// re-addresses a request when it is queued or resent). These are the
// pieces both the campaign and the register use: when the register
// corrects an authority's address, letters queued to it and not yet tried
// take the new one in the same transaction.

// RegisterEmail is the authority's address in the register now, "" when it
// has none.
func RegisterEmail(ctx context.Context, tx Querier, authorityID int64) (string, error) {
	var email sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT email FROM authorities WHERE id = ?`, authorityID).Scan(&email); err != nil {
		return "", fmt.Errorf("look up the authority's address: %w", err)
	}
	return strings.TrimSpace(email.String), nil
}

// RewriteTo returns the stored message raw with its To header naming
// address instead, keeping the display name and every other byte: the
// Message-ID, Date, subject and body of a resent letter stay the ones first
// tried.
func RewriteTo(raw []byte, address string) ([]byte, error) {
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		return nil, errors.New("stored message has no header block")
	}
	head := raw[:end+2]
	start, stop := -1, -1
	for i := 0; i < len(head); {
		j := bytes.Index(head[i:], []byte("\r\n"))
		next := i + j + 2
		line := head[i : i+j]
		switch {
		case start >= 0 && stop < 0 && len(line) > 0 && (line[0] == ' ' || line[0] == '\t'):
			// a folded continuation of To
		case start >= 0 && stop < 0:
			stop = i
		}
		if len(line) >= 3 && bytes.EqualFold(line[:3], []byte("to:")) {
			if start >= 0 {
				return nil, errors.New("stored message has more than one To header")
			}
			start = i
		}
		i = next
	}
	if start < 0 {
		return nil, errors.New("stored message has no To header")
	}
	if stop < 0 {
		stop = len(head)
	}
	value := strings.ReplaceAll(string(head[start+3:stop]), "\r\n", "")
	old, err := mail.ParseAddress(strings.TrimSpace(value))
	if err != nil {
		return nil, fmt.Errorf("stored message To %q: %w", strings.TrimSpace(value), err)
	}
	to := (&mail.Address{Name: old.Name, Address: address}).String()
	out := make([]byte, 0, len(raw)+len(to))
	out = append(out, raw[:start]...)
	out = append(out, "To: "+to+"\r\n"...)
	return append(out, raw[stop:]...), nil
}

// ReaddressWaiting re-addresses, inside the register's transaction that
// changed an authority's address, every request to it that is queued and
// not yet tried: its To header and address take the register's new one,
// with a request.readdressed event each. Drafts take it when queued,
// failed or unknown requests when resent; a retry keeps the bytes it
// already tried. It returns how many requests it re-addressed.
func (s *Store) ReaddressWaiting(ctx context.Context, tx *sql.Tx, authorityID int64) (int, error) {
	cur, err := RegisterEmail(ctx, tx, authorityID)
	if err != nil || cur == "" {
		return 0, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT r.id, r.ref, r.to_email, r.message_id, m.raw FROM requests r JOIN request_messages m ON m.request_id = r.id
		WHERE r.authority_id = ? AND r.outbox_state = 'queued' AND r.attempts = 0 AND r.to_email <> ?`, authorityID, cur)
	if err != nil {
		return 0, fmt.Errorf("requests waiting for %d: %w", authorityID, err)
	}
	type waiting struct {
		id             int64
		ref, to, msgID string
		raw            []byte
	}
	var ws []waiting
	for rows.Next() {
		var w waiting
		if err := rows.Scan(&w.id, &w.ref, &w.to, &w.msgID, &w.raw); err != nil {
			rows.Close()
			return 0, err
		}
		ws = append(ws, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	now := s.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	for _, w := range ws {
		raw, err := RewriteTo(w.raw, cur)
		if err != nil {
			return 0, fmt.Errorf("re-address request %s: %w", w.ref, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE requests SET to_email = ?, updated_at = ? WHERE id = ?`, cur, now, w.id); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE request_messages SET raw = ? WHERE request_id = ?`, raw, w.id); err != nil {
			return 0, err
		}
		if err := s.AppendEvent(ctx, tx, "request.readdressed", Subject{Authority: authorityID, Request: w.id},
			map[string]any{"from": w.to, "to": cur, "when": "register corrected", "message_id": w.msgID}); err != nil {
			return 0, err
		}
	}
	return len(ws), nil
}
