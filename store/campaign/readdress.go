package campaign

import (
	"context"
	"database/sql"
	"fmt"

	"foidesk/store"
)

// A request is addressed from the register as it is when the request is
// sent, not as it was when the campaign was created: an address corrected
// by a re-import reaches every request that has not gone out yet: a draft
// when it is queued, a queued one not yet tried at the re-import itself
// (store.ReaddressWaiting), and a failed or unknown one when a person
// resends it. Each
// correction is a request.readdressed event (old → new). A retry is not
// re-addressed: it sends the bytes already tried.

// readdress gives r the register's current address when it differs from the
// request's, recording the change; it returns the address r is now to go
// to and whether it changed. why says when ("queue", "resend").
func (s *Store) readdress(ctx context.Context, tx *sql.Tx, r Request, why, now string) (string, bool, error) {
	cur, err := store.RegisterEmail(ctx, tx, r.AuthorityID)
	if err != nil {
		return "", false, err
	}
	if cur == "" {
		return "", false, fmt.Errorf("request %s: %s has no address in the register now, so nothing can be sent to it; import its address first", r.Ref, r.Authority.Name)
	}
	if cur == r.ToEmail {
		return r.ToEmail, false, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE requests SET to_email = ?, updated_at = ? WHERE id = ?`, cur, now, r.ID); err != nil {
		return "", false, fmt.Errorf("re-address request %s: %w", r.Ref, err)
	}
	err = s.core.AppendEvent(ctx, tx, "request.readdressed", store.Subject{Authority: r.AuthorityID, Request: r.ID},
		map[string]any{"from": r.ToEmail, "to": cur, "when": why, "message_id": r.MessageID})
	return cur, true, err
}
