package results

import (
	"encoding/json"
	"strings"

	"foidesk/lifecycle"
	"foidesk/store/campaign"
)

// rowsQuery is the one statement Each reads: the campaign's requests,
// each with its last message, its last answering message and its
// documents looked up by index as the row is read, then (UNION ALL) the
// authorities c's stored target selects that have no request; by name,
// requests before authorities of the same name, requests by id and
// authorities by id. One statement, so the rows are one snapshot and no
// per-request map is built in Go. only, when not nil, keeps the rows of
// those authorities alone.
//
// Columns: src (0 request, 1 untargeted authority), name, ord, request
// id, authority id, code, nation, regime, ref, outbox state, sent at,
// due date, status, replied on, no email, last kind, last received at,
// last Date header, answer kind, answer detail, documents.
func rowsQuery(c campaign.Campaign, only []int64) (string, []any) {
	var onlyJSON string
	if only != nil {
		b, _ := json.Marshal(only)
		onlyJSON = string(b)
	}
	q := `SELECT 0, a.name, r.id, r.id, r.authority_id, coalesce(a.code, ''), coalesce(a.nation, ''), r.regime, r.ref,
		r.outbox_state, coalesce(r.sent_at, ''), coalesce(r.due_date, ''), r.status, coalesce(r.replied_on, ''), 0,
		lm.kind, lm.received_at, coalesce(lm.sent_date, ''), am.kind, am.kind_detail,
		(SELECT group_concat(DISTINCT ds.document_id ORDER BY ds.document_id) FROM document_sources ds
			JOIN messages m ON m.id = ds.message_id WHERE m.request_id = r.id)
		FROM requests r JOIN authorities a ON a.id = r.authority_id
		LEFT JOIN messages lm ON lm.id = (SELECT max(id) FROM messages WHERE request_id = r.id)
		LEFT JOIN messages am ON am.id = (SELECT max(id) FROM messages WHERE request_id = r.id AND kind IN (?, ?, ?))
		WHERE r.campaign_id = ?`
	args := []any{lifecycle.KindResponse, lifecycle.KindRefusal, lifecycle.KindPublished, c.ID}
	if only != nil {
		q += ` AND r.authority_id IN (SELECT value FROM json_each(?))`
		args = append(args, onlyJSON)
	}
	if u, uargs := untargetedQuery(c); u != "" {
		q += "\n\t\tUNION ALL " + u
		args = append(args, uargs...)
		if only != nil {
			q += ` AND a.id IN (SELECT value FROM json_each(?))`
			args = append(args, onlyJSON)
		}
	}
	return q + "\n\t\tORDER BY 2, 1, 3", args
}

// untargetedQuery selects the authorities c's stored target selects that
// have no request in c, in rowsQuery's columns; "" when the target
// selects none (a campaign made before targets were stored has none).
func untargetedQuery(c campaign.Campaign) (string, []any) {
	t := c.Target
	if t == nil {
		return "", nil
	}
	q := `SELECT 1, a.name, a.id, 0, a.id, coalesce(a.code, ''), coalesce(a.nation, ''), a.regime, '',
		'', '', '', '', '', a.email IS NULL OR a.email = '',
		NULL, NULL, NULL, NULL, NULL, NULL
		FROM authorities a
		WHERE NOT EXISTS (SELECT 1 FROM requests r WHERE r.campaign_id = ? AND r.authority_id = a.id)`
	args := []any{c.ID}
	if !t.All {
		if len(t.Nations) == 0 && len(t.Tags) == 0 {
			return "", nil
		}
		if len(t.Nations) > 0 {
			q += " AND lower(a.nation) IN (" + placeholders(len(t.Nations)) + ")"
			for _, n := range t.Nations {
				args = append(args, strings.ToLower(n))
			}
		}
		if len(t.Tags) > 0 {
			q += " AND EXISTS (SELECT 1 FROM json_each(a.tags) WHERE lower(json_each.value) IN (" + placeholders(len(t.Tags)) + "))"
			for _, tag := range t.Tags {
				args = append(args, strings.ToLower(tag))
			}
		}
	}
	return q, args
}
