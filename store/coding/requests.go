package coding

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// RequestCoding is what the coding of a request's documents says about
// the request, for the published results: the labels of every settled
// document, the outcome and notes, and, when the first document was coded
// by two reviewers, each one's labels (for agreement).
type RequestCoding struct {
	Labels     []string // sorted, each once
	Outcome    string   // the latest settled entry's outcome that says one
	Exemptions []string // a refusal's detail: the exemptions or the cost limit
	Notes      string   // every settled entry's notes, "; " between
	// CoderA and CoderB are the first two coders' labels ("," between) of
	// the request's first double-coded entry; "" when none was.
	CoderA, CoderB string
}

// RequestCodings reads the coding of every request of campaign campaignID
// that has a settled coding, by request id, in one query.
//
// It holds the whole set, bounded by one campaign's coded requests: the
// results (results.Codes) look each row's coding up by request while
// streaming the rows in their own order, so a map is what they need. An
// entry is its labels, outcome, exemptions and notes, a few hundred
// bytes: a campaign of 100,000 requests, every one coded, holds some
// tens of MB here, which the national-scale benchmark's report and
// status commands carry within their 200 MB. A stream would need the
// results to read in request id order, joined to the codings.
func (s *Store) RequestCodings(ctx context.Context, campaignID int64) (map[int64]RequestCoding, error) {
	cb, err := s.Codebook(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	rows, err := s.core.DB().QueryContext(ctx, `SELECT m.request_id, c.id, c.review_id, c.document_id, c.reviewer, c.role, c.labels,
			c.outcome, c.outcome_detail, c.notes, coalesce(c.replaces, 0), c.coded_at
		FROM codings c JOIN review_queue q ON q.id = c.review_id JOIN messages m ON m.id = q.message_id
		WHERE c.campaign_id = ? AND c.current = 1 AND m.request_id IS NOT NULL
		ORDER BY m.request_id, c.review_id, c.id`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("codings of campaign %d: %w", campaignID, err)
	}
	defer rows.Close()
	type entry struct {
		request int64
		codings []Coding
	}
	var entries []entry
	for rows.Next() {
		var req int64
		var c Coding
		var labels, at string
		if err := rows.Scan(&req, &c.ID, &c.ReviewID, &c.DocumentID, &c.Reviewer, &c.Role, &labels, &c.Outcome, &c.OutcomeDetail, &c.Notes, &c.Replaces, &at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(labels), &c.Labels); err != nil {
			return nil, fmt.Errorf("coding %d: labels: %w", c.ID, err)
		}
		c.CodedAt, _ = time.Parse(time.RFC3339Nano, at)
		if n := len(entries); n == 0 || entries[n-1].codings[0].ReviewID != c.ReviewID {
			entries = append(entries, entry{request: req})
		}
		entries[len(entries)-1].codings = append(entries[len(entries)-1].codings, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := map[int64]RequestCoding{}
	for _, e := range entries {
		final, ok := finalOf(e.codings, cb.Required())
		if !ok {
			continue
		}
		rc := out[e.request]
		rc.Labels = append(rc.Labels, final.Labels...)
		if final.Outcome != "" {
			rc.Outcome = final.Outcome
			rc.Exemptions = nil
			if final.Outcome == OutcomeRefused && final.OutcomeDetail != "" {
				rc.Exemptions = splitDetail(final.OutcomeDetail)
			}
		}
		if n := strings.TrimSpace(final.Notes); n != "" {
			if rc.Notes != "" {
				rc.Notes += "; "
			}
			rc.Notes += n
		}
		if rc.CoderA == "" {
			var coders []Coding
			for _, c := range e.codings {
				if c.Role == RoleCoder {
					coders = append(coders, c)
				}
			}
			if len(coders) >= 2 {
				rc.CoderA, rc.CoderB = strings.Join(coders[0].Labels, ","), strings.Join(coders[1].Labels, ",")
			}
		}
		out[e.request] = rc
	}
	for id, rc := range out {
		sort.Strings(rc.Labels)
		rc.Labels = compactStrings(rc.Labels)
		out[id] = rc
	}
	return out, nil
}

// splitDetail reads a refusal's detail as its exemptions: "s.12; s.14"
// or "s.40, s.43".
func splitDetail(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}
