package mail

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// RequestRef identifies a request for matching.
type RequestRef struct {
	ID          int64
	Ref         string
	AuthorityID int64
}

// openRequest is the condition for a request that can still receive replies.
const openRequest = `r.outbox_state IN ('sent', 'unknown') AND r.status NOT IN ('not-delivered', 'closed', 'withdrawn')`

func (s *Store) requestRefs(ctx context.Context, q string, args ...any) ([]RequestRef, error) {
	rows, err := s.core.DB().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RequestRef
	seen := map[int64]bool{}
	for rows.Next() {
		var r RequestRef
		if err := rows.Scan(&r.ID, &r.Ref, &r.AuthorityID); err != nil {
			return nil, err
		}
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	return out, rows.Err()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// RequestsByRefs returns the requests whose reference is one of refs.
func (s *Store) RequestsByRefs(ctx context.Context, refs []string) ([]RequestRef, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	return s.requestRefs(ctx, `SELECT id, ref, authority_id FROM requests r WHERE ref IN (`+placeholders(len(refs))+`) ORDER BY id`, anys(refs)...)
}

// RequestsByMessageIDs returns the requests whose Message-ID (without
// brackets) is one of ids.
func (s *Store) RequestsByMessageIDs(ctx context.Context, ids []string) ([]RequestRef, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return s.requestRefs(ctx, `SELECT id, ref, authority_id FROM requests r WHERE message_id IN (`+placeholders(len(ids))+`) ORDER BY id`, anys(ids)...)
}

// NormalizeCaseRef is the form case references are compared in.
func NormalizeCaseRef(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// RequestsByCaseRefs returns the requests an authority's case reference
// (normalized with NormalizeCaseRef) was learned for.
func (s *Store) RequestsByCaseRefs(ctx context.Context, norms []string) ([]RequestRef, error) {
	if len(norms) == 0 {
		return nil, nil
	}
	return s.requestRefs(ctx, `SELECT r.id, r.ref, r.authority_id FROM case_refs c JOIN requests r ON r.id = c.request_id WHERE c.norm IN (`+placeholders(len(norms))+`) ORDER BY r.id`, anys(norms)...)
}

// OpenRequestsForSender returns the open requests of the authorities this
// address belongs to: by the exact address (register email, a request's
// To, or learned from a person's assignment), else by its domain. It is
// OpenRequestsForSenders for one address, so that ingest's sender rule
// reads the domain indexes (migration 0190) rather than every request's
// recipient for each message it cannot match otherwise.
func (s *Store) OpenRequestsForSender(ctx context.Context, addr string) ([]RequestRef, error) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	found, err := s.OpenRequestsForSenders(ctx, []string{addr})
	if err != nil {
		return nil, err
	}
	return found[addr], nil
}

// OpenRequestsForSenders is OpenRequestsForSender for many addresses in
// one query, for a page that lists many messages: each lower-cased
// address maps to the open requests of the authorities it belongs to, by
// the exact address, else by its domain.
func (s *Store) OpenRequestsForSenders(ctx context.Context, addrs []string) (map[string][]RequestRef, error) {
	out := map[string][]RequestRef{}
	var domains []string
	seen := map[string]bool{}
	for _, a := range addrs {
		a = strings.ToLower(strings.TrimSpace(a))
		at := strings.LastIndexByte(a, '@')
		if at <= 0 || at == len(a)-1 || seen[a] {
			continue
		}
		seen[a] = true
		domains = append(domains, a[at:])
	}
	if len(domains) == 0 {
		return out, nil
	}
	rows, err := s.core.DB().QueryContext(ctx, openForDomains, jsonList(domains))
	if err != nil {
		return nil, fmt.Errorf("open requests for senders: %w", err)
	}
	defer rows.Close()
	type hit struct {
		address string
		req     RequestRef
	}
	var hits []hit
	for rows.Next() {
		var h hit
		if err := rows.Scan(&h.address, &h.req.ID, &h.req.Ref, &h.req.AuthorityID); err != nil {
			return nil, err
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for a := range seen {
		domain := a[strings.LastIndexByte(a, '@'):]
		var exact, byDomain []RequestRef
		for _, h := range hits {
			switch {
			case h.address == a:
				exact = appendRequest(exact, h.req)
			case strings.HasSuffix(h.address, domain) && strings.LastIndexByte(h.address, '@') == len(h.address)-len(domain):
				byDomain = appendRequest(byDomain, h.req)
			}
		}
		if len(exact) > 0 {
			out[a] = exact
		} else if len(byDomain) > 0 {
			out[a] = byDomain
		}
	}
	return out, nil
}

// openForDomains finds, for a JSON list of domains ("@example.gov.uk"),
// every address an authority is known by in those domains (its register
// email, a request's To, a sender learned from an assignment) with the
// open requests of that authority: an exact address is in its own domain,
// so the caller tells exact matches from the rest. Each part is looked up
// by its domain index (migration 0190), and the requests by authority
// (the CROSS JOIN keeps SQLite from walking every open request instead);
// TestOpenForDomainsQueryPlan checks it.
const openForDomains = `WITH wanted (key) AS (SELECT value FROM json_each(?)),
	known (authority_id, address) AS (
		SELECT id, lower(email) FROM authorities WHERE substr(lower(email), instr(lower(email), '@')) IN wanted
		UNION SELECT authority_id, lower(to_email) FROM requests WHERE substr(lower(to_email), instr(lower(to_email), '@')) IN wanted
		UNION SELECT authority_id, address FROM authority_senders WHERE substr(address, instr(address, '@')) IN wanted)
	SELECT k.address, r.id, r.ref, r.authority_id FROM known k CROSS JOIN requests r ON r.authority_id = k.authority_id
	WHERE ` + openRequest + ` ORDER BY r.id`

// jsonList is ss as a JSON array, for json_each.
func jsonList(ss []string) string {
	b, _ := json.Marshal(ss)
	return string(b)
}

// appendRequest adds r to list unless it is there.
func appendRequest(list []RequestRef, r RequestRef) []RequestRef {
	for _, x := range list {
		if x.ID == r.ID {
			return list
		}
	}
	return append(list, r)
}
