package coding

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"foidesk/store"
)

// Item is a queue entry as a reviewer sees it: the document, the request
// and authority it answers, and the message it came with.
type Item struct {
	ReviewID      int64
	CampaignID    int64 // 0: the message is matched to no request
	DocumentID    int64
	MessageID     int64
	AttachmentID  int64 // 0: the document is the message's body
	Filename      string
	OriginalSHA   string // the attachment's blob; "" for a body document
	ContentType   string // as the attachment declared it
	Text          string // pages separated by form feeds
	Pages         int
	Status        string // the document's extraction status
	Note          string // the queue entry's note (document.CapNote)
	RequestRef    string
	RequestStatus string
	DueDate       string
	Authority     string
	Subject       string
	FromName      string
	FromAddr      string
	SentDate      time.Time
	SimilarTo     int64 // "same model policy as" this document; 0: none
	Similarity    float64
	ClaimExpires  time.Time
	Mine          *Coding // the reviewer's own current coding, when they come back to it
}

// Next gives reviewer the next document of the campaign to code and
// claims it for lease, in one transaction (the store's transactions take
// the write lock at once, so two reviewers asking together are served
// one after the other and get different entries). A reviewer who holds a
// live claim gets that entry again, its lease renewed. Otherwise the
// oldest entry is chosen that is not done, that the reviewer has not
// coded, and that still needs a coder once the others' live claims are
// counted: one coder, two with double coding, so two reviewers share an
// entry only then, and never one twice. Entries the reviewer skipped
// come last. nil means nothing is left for this reviewer.
func (s *Store) Next(ctx context.Context, campaignID int64, reviewer string, lease time.Duration) (*Item, error) {
	if reviewer == "" {
		return nil, errors.New("next document: the reviewer's name is required")
	}
	if lease <= 0 {
		lease = DefaultLease
	}
	var reviewID int64
	err := s.core.Tx(ctx, func(tx *sql.Tx) error {
		cb, err := codebook(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		now := s.core.Now().UTC()
		nowS := now.Format(time.RFC3339Nano)
		err = tx.QueryRowContext(ctx, `SELECT k.review_id FROM review_claims k
			JOIN review_queue rq ON rq.id = k.review_id JOIN messages m ON m.id = rq.message_id JOIN requests r ON r.id = m.request_id
			WHERE k.reviewer = ?1 AND k.expires_at > ?2 AND r.campaign_id = ?3 AND rq.state = 'pending'
			AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.review_id = k.review_id AND c.current = 1 AND (c.reviewer = ?1 OR c.role = 'resolution'))
			ORDER BY k.review_id LIMIT 1`, reviewer, nowS, campaignID).Scan(&reviewID)
		fresh := false
		if errors.Is(err, sql.ErrNoRows) {
			fresh = true
			reviewID, err = pick(ctx, tx, campaignID, reviewer, nowS, cb.Required(), false)
			if err == nil && reviewID == 0 {
				reviewID, err = pick(ctx, tx, campaignID, reviewer, nowS, cb.Required(), true)
			}
		}
		if err != nil || reviewID == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM review_claims WHERE reviewer = ?1 AND review_id <> ?2 AND EXISTS
			(SELECT 1 FROM review_queue rq JOIN messages m ON m.id = rq.message_id JOIN requests r ON r.id = m.request_id
				WHERE rq.id = review_claims.review_id AND r.campaign_id = ?3)`,
			reviewer, reviewID, campaignID); err != nil {
			return fmt.Errorf("drop older claims: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO review_claims (review_id, reviewer, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (review_id, reviewer) DO UPDATE SET expires_at = excluded.expires_at`,
			reviewID, reviewer, now.Add(lease).Format(time.RFC3339Nano)); err != nil {
			return fmt.Errorf("claim review entry %d: %w", reviewID, err)
		}
		if !fresh {
			return nil
		}
		e, err := loadEntry(ctx, tx, reviewID)
		if err != nil {
			return err
		}
		return s.core.AppendEvent(ctx, tx, "review.claimed", e.subject, map[string]any{
			"review_id": reviewID, "document_id": e.documentID, "campaign_id": campaignID, "reviewer": reviewer, "until": now.Add(lease).Format(time.RFC3339)})
	})
	if err != nil || reviewID == 0 {
		return nil, err
	}
	return s.Item(ctx, reviewID, reviewer)
}

// pick finds the oldest entry reviewer may claim; skipped says whether to
// look among the entries they skipped or the others.
func pick(ctx context.Context, tx *sql.Tx, campaignID int64, reviewer, now string, required int, skipped bool) (int64, error) {
	skip := "NOT EXISTS"
	if skipped {
		skip = "EXISTS"
	}
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT rq.id FROM review_queue rq
		JOIN messages m ON m.id = rq.message_id JOIN requests r ON r.id = m.request_id
		WHERE rq.state = 'pending' AND r.campaign_id = ?1
		AND `+skip+` (SELECT 1 FROM review_skips s WHERE s.review_id = rq.id AND s.reviewer = ?2)
		AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.review_id = rq.id AND c.current = 1 AND (c.reviewer = ?2 OR c.role = 'resolution'))
		AND (SELECT count(*) FROM codings c WHERE c.review_id = rq.id AND c.current = 1 AND c.role = 'coder')
			+ (SELECT count(*) FROM review_claims k WHERE k.review_id = rq.id AND k.expires_at > ?3 AND k.reviewer <> ?2) < ?4
		ORDER BY rq.id LIMIT 1`, campaignID, reviewer, now, required).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("pick the next document: %w", err)
	}
	return id, nil
}

// Skip releases reviewer's claim on an entry and puts it last in their
// queue; others may take it at once.
func (s *Store) Skip(ctx context.Context, reviewID int64, reviewer string) error {
	return s.core.Tx(ctx, func(tx *sql.Tx) error {
		e, err := loadEntry(ctx, tx, reviewID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM review_claims WHERE review_id = ? AND reviewer = ?`, reviewID, reviewer); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO review_skips (review_id, reviewer, skipped_at) VALUES (?, ?, ?)
			ON CONFLICT DO UPDATE SET skipped_at = excluded.skipped_at`, reviewID, reviewer, s.core.Now().UTC().Format(time.RFC3339Nano)); err != nil {
			return fmt.Errorf("skip review entry %d: %w", reviewID, err)
		}
		return s.core.AppendEvent(ctx, tx, "review.skipped", e.subject, map[string]any{
			"review_id": reviewID, "document_id": e.documentID, "campaign_id": e.campaignID, "reviewer": reviewer})
	})
}

// Item reads an entry for reviewer (whose own current coding it
// includes, and whose claim's expiry).
func (s *Store) Item(ctx context.Context, reviewID int64, reviewer string) (*Item, error) {
	var it Item
	var sent, expires sql.NullString
	var att sql.NullInt64
	err := s.core.DB().QueryRowContext(ctx, `SELECT rq.id, rq.document_id, rq.message_id, rq.note, d.text, d.pages, d.status,
		coalesce(d.similar_to, 0), coalesce(d.similarity, 0),
		ds.attachment_id, coalesce(ds.filename, ''), coalesce(at.sha256, ''), coalesce(at.content_type, ''),
		coalesce(r.campaign_id, 0), coalesce(r.ref, ''), coalesce(r.status, ''), coalesce(r.due_date, ''), coalesce(a.name, ''),
		m.subject, m.from_name, m.from_addr, m.sent_date,
		(SELECT k.expires_at FROM review_claims k WHERE k.review_id = rq.id AND k.reviewer = ?2)
		FROM review_queue rq JOIN documents d ON d.id = rq.document_id JOIN messages m ON m.id = rq.message_id
		LEFT JOIN document_sources ds ON ds.id = (SELECT min(id) FROM document_sources WHERE document_id = rq.document_id AND message_id = rq.message_id)
		LEFT JOIN attachments at ON at.id = ds.attachment_id
		LEFT JOIN requests r ON r.id = m.request_id LEFT JOIN authorities a ON a.id = r.authority_id
		WHERE rq.id = ?1`, reviewID, reviewer).Scan(&it.ReviewID, &it.DocumentID, &it.MessageID, &it.Note, &it.Text, &it.Pages, &it.Status,
		&it.SimilarTo, &it.Similarity, &att, &it.Filename, &it.OriginalSHA, &it.ContentType, &it.CampaignID, &it.RequestRef, &it.RequestStatus, &it.DueDate, &it.Authority,
		&it.Subject, &it.FromName, &it.FromAddr, &sent, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("review entry %d: %w", reviewID, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("review entry %d: %w", reviewID, err)
	}
	it.AttachmentID = att.Int64
	it.SentDate, _ = time.Parse(time.RFC3339, sent.String)
	it.ClaimExpires, _ = time.Parse(time.RFC3339Nano, expires.String)
	mine, err := scanCodings(s.core.DB().QueryContext(ctx, codingColumns+` WHERE c.review_id = ? AND c.reviewer = ? AND c.role = 'coder' AND c.current = 1`, reviewID, reviewer))
	if err != nil {
		return nil, err
	}
	if len(mine) > 0 {
		it.Mine = &mine[0]
	}
	return &it, nil
}

// Remaining is how many entries of the campaign are not yet settled.
func (s *Store) Remaining(ctx context.Context, campaignID int64) (int, error) {
	var n int
	err := s.core.DB().QueryRowContext(ctx, `SELECT count(*) FROM review_queue rq JOIN messages m ON m.id = rq.message_id JOIN requests r ON r.id = m.request_id
		WHERE rq.state = 'pending' AND r.campaign_id = ?`, campaignID).Scan(&n)
	return n, err
}
