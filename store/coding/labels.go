package coding

import (
	"context"
	"fmt"
	"slices"
)

// What search needs of coding: the labels to offer as a filter, and the
// documents a label was given to (web.Labels).

// LabelNames lists the labels of every campaign's codebook, in codebook
// order, each once.
func (s *Store) LabelNames(ctx context.Context) ([]string, error) {
	ids, err := s.campaignIDs(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, id := range ids {
		cb, err := s.Codebook(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, l := range cb.Labels {
			if !slices.Contains(out, l.Name) {
				out = append(out, l.Name)
			}
		}
	}
	return out, nil
}

// LabelledDocuments lists the documents whose settled coding carries
// label: a queue entry's coding once as many reviewers as its campaign
// needs agree, or an admin's resolution. A coding still waiting for its
// second coder, or two that disagree, does not count. campaign, when not
// "", keeps that campaign's codings only.
//
// It holds the document ids (8 bytes each: 800 KB for 100,000), because
// search filters by them (document.Query.OnlyDocuments). The codings it
// reads to settle them are one campaign's entries carrying the label, a
// campaign at a time, without document text; at 100,000 coded documents
// in one campaign that is up to a few codings each, some tens of MB
// while a search with a label filter runs.
func (s *Store) LabelledDocuments(ctx context.Context, campaign, label string) ([]int64, error) {
	ids, err := s.campaignIDs(ctx, campaign)
	if err != nil {
		return nil, err
	}
	out := []int64{}
	for _, id := range ids {
		cb, err := s.Codebook(ctx, id)
		if err != nil {
			return nil, err
		}
		all, err := scanCodings(s.core.DB().QueryContext(ctx, codingColumns+` WHERE c.campaign_id = ? AND c.current = 1
			AND c.review_id IN (SELECT review_id FROM codings, json_each(codings.labels) j WHERE codings.campaign_id = ? AND codings.current = 1 AND j.value = ?)
			ORDER BY c.review_id, c.id`, id, id, label))
		if err != nil {
			return nil, err
		}
		for i := 0; i < len(all); {
			j := i
			for j < len(all) && all[j].ReviewID == all[i].ReviewID {
				j++
			}
			if f, ok := finalOf(all[i:j], cb.Required()); ok && slices.Contains(f.Labels, label) && !slices.Contains(out, f.DocumentID) {
				out = append(out, f.DocumentID)
			}
			i = j
		}
	}
	slices.Sort(out)
	return out, nil
}

// campaignIDs lists the campaigns' ids, or the one named name.
func (s *Store) campaignIDs(ctx context.Context, name string) ([]int64, error) {
	rows, err := s.core.DB().QueryContext(ctx, `SELECT id FROM campaigns WHERE ?1 = '' OR name = ?1 ORDER BY id`, name)
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
