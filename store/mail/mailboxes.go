package mail

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"foidesk/store"
)

// Per-mailbox IMAP sync state: what foidesk has recorded from each mailbox.

// MailboxState is what foidesk remembers about one IMAP mailbox.
type MailboxState struct {
	Name        string
	UIDValidity uint32
	LastUID     uint32
	Known       bool // false: never synced
}

// MailboxState reads the sync state of a mailbox.
func (s *Store) MailboxState(ctx context.Context, name string) (MailboxState, error) {
	st := MailboxState{Name: name}
	var v, last int64
	err := s.core.DB().QueryRowContext(ctx, `SELECT uidvalidity, last_uid FROM mailboxes WHERE name = ?`, name).Scan(&v, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read mailbox state %s: %w", name, err)
	}
	st.UIDValidity, st.LastUID, st.Known = uint32(v), uint32(last), true
	return st, nil
}

// StartMailbox records the UIDVALIDITY the server reports. A first sight
// starts at UID 0; a changed value means every UID is new, so the mailbox is
// rescanned from 0 and deduplication by content keeps anything from being
// counted twice.
func (s *Store) StartMailbox(ctx context.Context, name string, uidvalidity uint32) (MailboxState, error) {
	var out MailboxState
	err := s.core.Tx(ctx, func(tx *sql.Tx) error {
		var v, last int64
		err := tx.QueryRowContext(ctx, `SELECT uidvalidity, last_uid FROM mailboxes WHERE name = ?`, name).Scan(&v, &last)
		now := s.stamp()
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, `INSERT INTO mailboxes (name, uidvalidity, last_uid, updated_at) VALUES (?, ?, 0, ?)`, name, uidvalidity, now); err != nil {
				return err
			}
			out = MailboxState{Name: name, UIDValidity: uidvalidity, Known: true}
			return s.core.AppendEvent(ctx, tx, "mailbox.added", store.Subject{}, map[string]any{"mailbox": name, "uidvalidity": uidvalidity})
		case err != nil:
			return err
		case uint32(v) == uidvalidity:
			out = MailboxState{Name: name, UIDValidity: uidvalidity, LastUID: uint32(last), Known: true}
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mailboxes SET uidvalidity = ?, last_uid = 0, updated_at = ? WHERE name = ?`, uidvalidity, now, name); err != nil {
			return err
		}
		out = MailboxState{Name: name, UIDValidity: uidvalidity, Known: true}
		return s.core.AppendEvent(ctx, tx, "mailbox.uidvalidity_changed", store.Subject{}, map[string]any{
			"mailbox": name, "old_uidvalidity": v, "new_uidvalidity": uidvalidity, "old_last_uid": last})
	})
	if err != nil {
		return out, fmt.Errorf("mailbox %s: %w", name, err)
	}
	return out, nil
}

// Location says where on the server a message was found.
type Location struct {
	Mailbox     string
	UIDValidity uint32
	UID         uint32
}

// advanceLocked records loc and moves the mailbox's last_uid forward, in the
// transaction that records the message, so a crash can never leave a UID
// counted as done without its message.
func (s *Store) advanceLocked(ctx context.Context, tx *sql.Tx, loc Location, msgID int64) error {
	if loc.Mailbox == "" {
		return nil
	}
	now := s.stamp()
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO message_locations (mailbox, uidvalidity, uid, message_id, seen_at) VALUES (?, ?, ?, ?, ?)`,
		loc.Mailbox, loc.UIDValidity, loc.UID, msgID, now); err != nil {
		return fmt.Errorf("record location: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE mailboxes SET last_uid = ?, updated_at = ? WHERE name = ? AND uidvalidity = ? AND last_uid < ?`,
		loc.UID, now, loc.Mailbox, loc.UIDValidity, loc.UID); err != nil {
		return fmt.Errorf("advance mailbox %s: %w", loc.Mailbox, err)
	}
	return nil
}
