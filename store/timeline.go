package store

import (
	"context"
	"fmt"
)

// Timeline is everything recorded about one request: its row, every event
// about it or about a message matched to it, those messages, and the
// documents extracted from them.
type Timeline struct {
	Request   Request
	Events    []Event
	Messages  []MessageSummary
	Documents []DocumentSummary
}

// RequestTimeline gathers a request's timeline, events in the order they
// happened.
func (s *Store) RequestTimeline(ctx context.Context, ref string) (Timeline, error) {
	var t Timeline
	var err error
	if t.Request, err = s.RequestByRef(ctx, ref); err != nil {
		return t, err
	}
	id := t.Request.ID
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, kind, authority_id, request_id, message_id, detail FROM events
		WHERE request_id = ?1 OR message_id IN (SELECT id FROM messages WHERE request_id = ?1) ORDER BY id`, id)
	if err != nil {
		return t, fmt.Errorf("timeline of %s: %w", t.Request.Ref, err)
	}
	if t.Events, err = scanEvents(rows); err != nil {
		return t, fmt.Errorf("timeline of %s: %w", t.Request.Ref, err)
	}
	if t.Messages, err = s.Messages(ctx, MessageFilter{RequestID: id}); err != nil {
		return t, err
	}
	t.Documents, err = s.Documents(ctx, DocumentFilter{RequestID: id})
	return t, err
}
