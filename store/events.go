package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Subject names what an event is about. Zero fields are absent.
type Subject struct {
	Authority int64
	Request   int64
	Message   int64
}

// Event is one row of the append-only audit log.
type Event struct {
	ID      int64
	At      time.Time
	Kind    string
	Subject Subject
	Detail  json.RawMessage
}

// AppendEvent records one state change inside the transaction that makes it
// (q is that transaction), so the change and its audit record commit or
// vanish together. Every package that writes to the database records its
// changes through it; the log is append-only (triggers refuse UPDATE and
// DELETE).
func (s *Store) AppendEvent(ctx context.Context, q Querier, kind string, subj Subject, detail any) error {
	_, err := s.AppendEventID(ctx, q, kind, subj, detail)
	return err
}

// AppendEventID is AppendEvent returning the new event's id, for a fact a
// person may later undo by naming it.
func (s *Store) AppendEventID(ctx context.Context, q Querier, kind string, subj Subject, detail any) (int64, error) {
	raw := []byte("{}")
	if detail != nil {
		var err error
		if raw, err = json.Marshal(detail); err != nil {
			return 0, fmt.Errorf("event %s: encode detail: %w", kind, err)
		}
	}
	args := []any{s.now().UTC().Format(time.RFC3339Nano), kind, nullID(subj.Authority), nullID(subj.Request), nullID(subj.Message), string(raw)}
	var res sql.Result
	var err error
	if st, ok := q.(preparedEvents); ok {
		res, err = st.events.ExecContext(ctx, args...)
	} else {
		res, err = q.ExecContext(ctx, eventInsert, args...)
	}
	if err != nil {
		return 0, fmt.Errorf("record event %s: %w", kind, err)
	}
	return res.LastInsertId()
}

const eventInsert = `INSERT INTO events (at, kind, authority_id, request_id, message_id, detail) VALUES (?, ?, ?, ?, ?, ?)`

// preparedEvents is a transaction with eventInsert prepared on it, for a
// caller that appends many events in one transaction (RecomputeClocks):
// AppendEvent given one uses the statement instead of preparing its own.
type preparedEvents struct {
	*sql.Tx
	events *sql.Stmt
}

// EventFilter selects events; zero fields match everything. Subject.Authority
// matches the events about the authority and those about any of its
// requests.
type EventFilter struct {
	Kind    string // exact kind, or a prefix ending in "." (e.g. "authority.")
	Subject Subject
	AfterID int64
	Limit   int
}

// LastEventID is the id of the latest event, 0 when there is none: a
// daemon compares it between looks to learn, cheaply, that something
// happened, whichever process did it.
func (s *Store) LastEventID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM events`).Scan(&id); err != nil {
		return 0, fmt.Errorf("last event: %w", err)
	}
	return id, nil
}

// Events lists the events f selects in the order they happened, at most
// f.Limit of them after f.AfterID, or with no limit every one, held at
// once: for a narrow filter (one authority's history, a kind in a test).
// The audit log, of any size, streams with EachEvent.
func (s *Store) Events(ctx context.Context, f EventFilter) ([]Event, error) {
	q, args := eventsQuery(f)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	out, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return out, nil
}

// RequestEvents lists, in the order they happened, every event about a
// request or about a message matched to it: a request's history as
// 'foidesk requests show' prints it.
func (s *Store) RequestEvents(ctx context.Context, requestID int64) ([]Event, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, kind, authority_id, request_id, message_id, detail FROM events
		WHERE request_id = ?1 OR message_id IN (SELECT id FROM messages WHERE request_id = ?1) ORDER BY id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("events of request %d: %w", requestID, err)
	}
	out, err := scanEvents(rows)
	if err != nil {
		return nil, fmt.Errorf("events of request %d: %w", requestID, err)
	}
	return out, nil
}

// scanEvents reads event rows (id, at, kind, authority_id, request_id,
// message_id, detail) and closes them.
func scanEvents(rows *sql.Rows) ([]Event, error) {
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at, detail string
		var a, r, m sql.NullInt64
		if err := rows.Scan(&e.ID, &at, &e.Kind, &a, &r, &m, &detail); err != nil {
			return nil, err
		}
		e.At, _ = time.Parse(time.RFC3339Nano, at)
		e.Subject = Subject{Authority: a.Int64, Request: r.Int64, Message: m.Int64}
		e.Detail = json.RawMessage(detail)
		out = append(out, e)
	}
	return out, rows.Err()
}

// eventsQuery is the SQL and arguments Events runs for f.
func eventsQuery(f EventFilter) (string, []any) {
	var where []string
	var args []any
	if f.Kind != "" {
		if strings.HasSuffix(f.Kind, ".") {
			where = append(where, "kind LIKE ? ESCAPE '\\'")
			args = append(args, strings.NewReplacer("%", `\%`, "_", `\_`).Replace(f.Kind)+"%")
		} else {
			where = append(where, "kind = ?")
			args = append(args, f.Kind)
		}
	}
	// An authority's history is the events about it and the events about
	// its requests: an event about a request (the outbox's claims and
	// outcomes) names only the request, its authority being the request's.
	// The OR is answered by two index searches, events_authority and
	// events_request (for each of the authority's requests, found through
	// requests_authority), each row once, then sorted by id; see
	// TestEventsOfAnAuthorityUseIndexes.
	if id := f.Subject.Authority; id != 0 {
		where = append(where, "(authority_id = ? OR request_id IN (SELECT id FROM requests WHERE authority_id = ?))")
		args = append(args, id, id)
	}
	for col, id := range map[string]int64{"request_id": f.Subject.Request, "message_id": f.Subject.Message} {
		if id != 0 {
			where = append(where, col+" = ?")
			args = append(args, id)
		}
	}
	if f.AfterID > 0 {
		where = append(where, "id > ?")
		args = append(args, f.AfterID)
	}
	q := "SELECT id, at, kind, authority_id, request_id, message_id, detail FROM events"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	return q, args
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// ExportedEvent is an event as the audit export writes it: with its
// request's reference and the actor its detail names.
type ExportedEvent struct {
	Event
	Ref   string // the request's reference (of the event's request, or of its message's), "" when none
	Actor string // who made the change, as the detail records it ("by", "recorded_by", "resolved_by", "owner", "dispatcher"); "" when it does not say
}

// EachEvent calls fn with every event, in id order, reading them one at a
// time from the database (never the whole log in memory). campaignID,
// when not 0, keeps the campaign's own events (those naming it in their
// detail by id, or a campaign.* event by name) and the events about its
// requests and the mail matched to them.
func (s *Store) EachEvent(ctx context.Context, campaignID int64, campaignName string, fn func(ExportedEvent) error) error {
	q := `SELECT e.id, e.at, e.kind, e.authority_id, e.request_id, e.message_id, e.detail, coalesce(r.ref, mr.ref, ''),
		coalesce(json_extract(e.detail, '$.by'), json_extract(e.detail, '$.recorded_by'), json_extract(e.detail, '$.resolved_by'), json_extract(e.detail, '$.owner'), json_extract(e.detail, '$.dispatcher'), '')
		FROM events e
		LEFT JOIN requests r ON r.id = e.request_id
		LEFT JOIN messages m ON m.id = e.message_id
		LEFT JOIN requests mr ON mr.id = m.request_id`
	var args []any
	if campaignID != 0 {
		q += ` WHERE r.campaign_id = ?1 OR (e.request_id IS NULL AND mr.campaign_id = ?1) OR json_extract(e.detail, '$.campaign_id') = ?1
			OR (e.kind LIKE 'campaign.%' AND json_extract(e.detail, '$.campaign') = ?2)`
		args = append(args, campaignID, campaignName)
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY e.id", args...)
	if err != nil {
		return fmt.Errorf("export events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e ExportedEvent
		var at, detail string
		var a, r, m sql.NullInt64
		var actor any
		if err := rows.Scan(&e.ID, &at, &e.Kind, &a, &r, &m, &detail, &e.Ref, &actor); err != nil {
			return fmt.Errorf("export events: %w", err)
		}
		e.At, _ = time.Parse(time.RFC3339Nano, at)
		e.Subject = Subject{Authority: a.Int64, Request: r.Int64, Message: m.Int64}
		e.Detail = json.RawMessage(detail)
		if actor != nil {
			e.Actor = fmt.Sprint(actor)
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}
