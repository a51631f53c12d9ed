package mail

import (
	"context"
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
// To, or learned from a person's assignment), else by its domain.
func (s *Store) OpenRequestsForSender(ctx context.Context, addr string) ([]RequestRef, error) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return nil, nil
	}
	exact, err := s.requestRefs(ctx, `SELECT r.id, r.ref, r.authority_id FROM requests r WHERE `+openRequest+` AND r.authority_id IN (
		SELECT id FROM authorities WHERE lower(email) = ?1
		UNION SELECT authority_id FROM requests WHERE lower(to_email) = ?1
		UNION SELECT authority_id FROM authority_senders WHERE address = ?1) ORDER BY r.id`, addr)
	if err != nil || len(exact) > 0 {
		return exact, err
	}
	domain := addr[at:] // "@example.gov.uk"
	return s.requestRefs(ctx, `SELECT r.id, r.ref, r.authority_id FROM requests r WHERE `+openRequest+` AND r.authority_id IN (
		SELECT id FROM authorities WHERE lower(email) LIKE '%' || ?1
		UNION SELECT authority_id FROM requests WHERE lower(to_email) LIKE '%' || ?1
		UNION SELECT authority_id FROM authority_senders WHERE address LIKE '%' || ?1) ORDER BY r.id`, domain)
}
