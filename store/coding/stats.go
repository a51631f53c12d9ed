package coding

import (
	"context"
	"fmt"
	"iter"
	"sort"
	"strings"
)

// Stats are a campaign's coding numbers.
type Stats struct {
	DoubleCoding bool `json:"double_coding"`
	Entries      int  `json:"documents"`           // queue entries of the campaign
	Coded        int  `json:"coded"`               // settled: their final coding is known
	Uncoded      int  `json:"uncoded"`             // not yet settled
	Disputed     int  `json:"awaiting_resolution"` // double-coded, disagreeing, not resolved
	// ByLabel counts settled entries by final label, in codebook order.
	ByLabel []LabelCount `json:"by_label"`
	// Reviewers counts each reviewer's current codings (resolutions apart).
	Reviewers []ReviewerCount `json:"reviewers"`
	Agreement Agreement       `json:"agreement"`
}

// LabelCount is how many settled entries carry a label.
type LabelCount struct {
	Label string `json:"label"`
	N     int    `json:"n"`
}

// ReviewerCount is one reviewer's work.
type ReviewerCount struct {
	Reviewer    string `json:"reviewer"`
	Codings     int    `json:"codings"`
	Resolutions int    `json:"resolutions,omitempty"`
}

// Agreement is Cohen's kappa between the first and the second coder over
// the entries two reviewers coded: overall, on the set of labels each
// gave, and for each label, on whether each gave it. Defined is false
// when kappa is undefined (see Kappa).
type Agreement struct {
	DoubleCoded int          `json:"double_coded"`
	Kappa       float64      `json:"kappa"`
	Defined     bool         `json:"defined"`
	PerLabel    []LabelKappa `json:"per_label"`
}

// LabelKappa is the agreement on one label.
type LabelKappa struct {
	Label   string  `json:"label"`
	Kappa   float64 `json:"kappa"`
	Defined bool    `json:"defined"`
}

// Stats counts a campaign's codings and measures its coders' agreement.
func (s *Store) Stats(ctx context.Context, campaignID int64) (Stats, error) {
	cb, err := s.Codebook(ctx, campaignID)
	if err != nil {
		return Stats{}, err
	}
	out := Stats{DoubleCoding: cb.DoubleCoding}
	if err := s.core.DB().QueryRowContext(ctx, `SELECT count(*), coalesce(sum(rq.state = 'done'), 0) FROM review_queue rq
		JOIN messages m ON m.id = rq.message_id JOIN requests r ON r.id = m.request_id WHERE r.campaign_id = ?`, campaignID).Scan(&out.Entries, &out.Coded); err != nil {
		return Stats{}, fmt.Errorf("count review entries: %w", err)
	}
	out.Uncoded = out.Entries - out.Coded
	all, err := scanCodings(s.core.DB().QueryContext(ctx, codingColumns+` WHERE c.campaign_id = ? AND c.current = 1 ORDER BY c.review_id, c.id`, campaignID))
	if err != nil {
		return Stats{}, err
	}
	byLabel := map[string]int{}
	reviewers := map[string]*ReviewerCount{}
	var pairs [][2]Coding
	for group := range byReview(all) {
		var coders []Coding
		resolved := false
		for _, c := range group {
			rc := reviewers[strings.ToLower(c.Reviewer)]
			if rc == nil {
				rc = &ReviewerCount{Reviewer: c.Reviewer}
				reviewers[strings.ToLower(c.Reviewer)] = rc
			}
			if c.Role == RoleResolution {
				rc.Resolutions++
				resolved = true
			} else {
				rc.Codings++
				coders = append(coders, c)
			}
		}
		if len(coders) >= 2 {
			pairs = append(pairs, [2]Coding{coders[0], coders[1]})
			if !resolved && !sameLabels(coders[0].Labels, coders[1].Labels) {
				out.Disputed++
			}
		}
		if f, ok := finalOf(group, cb.Required()); ok {
			for _, l := range f.Labels {
				byLabel[l]++
			}
		}
	}
	for _, l := range cb.Labels {
		out.ByLabel = append(out.ByLabel, LabelCount{l.Name, byLabel[l.Name]})
	}
	for _, rc := range reviewers {
		out.Reviewers = append(out.Reviewers, *rc)
	}
	sort.Slice(out.Reviewers, func(i, j int) bool {
		return strings.ToLower(out.Reviewers[i].Reviewer) < strings.ToLower(out.Reviewers[j].Reviewer)
	})
	out.Agreement = agreement(cb, pairs)
	return out, nil
}

// agreement measures kappa over double-coded pairs.
func agreement(cb Codebook, pairs [][2]Coding) Agreement {
	a := Agreement{DoubleCoded: len(pairs)}
	sets := make([][2]string, len(pairs))
	for i, p := range pairs {
		sets[i] = [2]string{strings.Join(p[0].Labels, "+"), strings.Join(p[1].Labels, "+")}
	}
	a.Kappa, a.Defined = Kappa(sets)
	for _, l := range cb.Labels {
		bin := make([][2]string, len(pairs))
		for i, p := range pairs {
			bin[i] = [2]string{has(p[0].Labels, l.Name), has(p[1].Labels, l.Name)}
		}
		k, ok := Kappa(bin)
		a.PerLabel = append(a.PerLabel, LabelKappa{Label: l.Name, Kappa: k, Defined: ok})
	}
	return a
}

func has(labels []string, l string) string {
	for _, x := range labels {
		if x == l {
			return "yes"
		}
	}
	return "no"
}

// Disagreement is a double-coded entry whose codings differ, with the
// admin's resolution once there is one.
type Disagreement struct {
	Item       Item
	Codings    [2]Coding
	Resolution *Coding
}

// Disagreements lists a page of a campaign's disputed entries, oldest
// first: at most limit of those after review id after; resolved says
// whether to list the resolved ones instead of those still waiting. next
// is the after of the following page, 0 when this page is the last.
//
// It walks the double-coded entries by review id in batches (their
// codings read in one query a batch, index codings_campaign_review), so a
// page costs what it shows whatever the campaign's size: at 100,000
// documents double-coded with 20 % disagreement, the whole list would be
// 20,000 documents' texts.
func (s *Store) Disagreements(ctx context.Context, campaignID int64, resolved bool, after int64, limit int) (out []Disagreement, next int64, err error) {
	if limit <= 0 {
		return nil, 0, fmt.Errorf("disagreements: a limit is required (got %d)", limit)
	}
	for {
		all, err := scanCodings(s.core.DB().QueryContext(ctx, codingColumns+` WHERE c.campaign_id = ?1 AND c.current = 1 AND c.review_id IN
			(SELECT review_id FROM codings WHERE campaign_id = ?1 AND current = 1 AND review_id > ?2 AND role = 'coder'
			 GROUP BY review_id HAVING count(*) >= 2 ORDER BY review_id LIMIT ?3)
			ORDER BY c.review_id, c.id`, campaignID, after, disputedBatch))
		if err != nil {
			return nil, 0, err
		}
		if len(all) == 0 {
			return out, 0, nil
		}
		for group := range byReview(all) {
			after = group[0].ReviewID
			var d Disagreement
			n := 0
			for k, c := range group {
				if c.Role == RoleResolution {
					d.Resolution = &group[k]
				} else if n < 2 {
					d.Codings[n] = c
					n++
				}
			}
			if sameLabels(d.Codings[0].Labels, d.Codings[1].Labels) || (d.Resolution != nil) != resolved {
				continue
			}
			if len(out) == limit {
				return out, out[len(out)-1].Item.ReviewID, nil
			}
			it, err := s.Item(ctx, group[0].ReviewID, "")
			if err != nil {
				return nil, 0, err
			}
			d.Item = *it
			out = append(out, d)
		}
	}
}

// byReview yields codings ordered by review id one review's at a time.
func byReview(all []Coding) iter.Seq[[]Coding] {
	return func(yield func([]Coding) bool) {
		for i := 0; i < len(all); {
			j := i
			for j < len(all) && all[j].ReviewID == all[i].ReviewID {
				j++
			}
			if !yield(all[i:j]) {
				return
			}
			i = j
		}
	}
}

// disputedBatch is how many double-coded entries Disagreements reads at a
// time; tests make it small to cross batches.
var disputedBatch = 200
