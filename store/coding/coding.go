// Package coding is how reviewers code a campaign's review queue: the
// campaign's codebook (codebook.go), the claims that keep two reviewers
// off the same document at the same moment and hand out the next one
// (queue.go), codings and an admin's resolution of a double-coding
// disagreement (code.go), and the numbers: codings by label and reviewer
// and Cohen's kappa (stats.go, kappa.go).
//
// The unit of coding is a review queue entry (package store/document): a
// document as it reached one request, so the same model policy sent by
// two councils is coded once for each. A campaign's queue is the entries
// whose message is matched to one of its requests.
//
// Every change is an event in its transaction, naming the reviewer and
// what a coding replaced. Besides its own tables, the package marks a
// queue entry done (review_queue.state and outcome, as 'documents list'
// shows them) in the transaction whose coding settles it: that is the
// review decision, and it must not be recorded apart from its coding.
package coding

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"foidesk/store"
)

// Store is the codebooks, claims and codings of an open database.
type Store struct{ core *store.Store }

// New returns the coding kept in st.
func New(st *store.Store) *Store { return &Store{core: st} }

// DefaultLease is how long a reviewer holds the document they were given
// before another may take it.
const DefaultLease = 20 * time.Minute

// Request outcomes a reviewer records beside the labels.
const (
	OutcomeProvided  = "provided"
	OutcomeNotHeld   = "not-held"
	OutcomeRefused   = "refused" // Detail: the exemption or the cost limit
	OutcomePartial   = "partial"
	OutcomePublished = "published" // Detail: the URL
)

// Outcomes lists the outcomes in the order forms offer them, with their
// names for people.
var Outcomes = []struct{ Value, Name string }{
	{OutcomeProvided, "information provided"},
	{OutcomeNotHeld, "not held"},
	{OutcomeRefused, "refused (exemption or cost)"},
	{OutcomePartial, "partial"},
	{OutcomePublished, "published elsewhere"},
}

// Roles of a coding.
const (
	RoleCoder      = "coder"
	RoleResolution = "resolution"
)

// Coding is one reviewer's coding of a queue entry.
type Coding struct {
	ID            int64     `json:"id"`
	ReviewID      int64     `json:"review_id"`
	DocumentID    int64     `json:"document_id"`
	Reviewer      string    `json:"reviewer"`
	Role          string    `json:"role"`
	Labels        []string  `json:"labels"`
	Outcome       string    `json:"outcome,omitempty"`
	OutcomeDetail string    `json:"outcome_detail,omitempty"`
	Notes         string    `json:"notes,omitempty"`
	Replaces      int64     `json:"replaces,omitempty"`
	CodedAt       time.Time `json:"coded_at"`
}

// Input is a coding to record.
type Input struct {
	ReviewID      int64
	Reviewer      string
	Labels        []string
	Outcome       string
	OutcomeDetail string
	Notes         string
	// AppliedFrom is the coding this one copies ("same model policy as
	// …"), for the event; 0 when coded by hand.
	AppliedFrom int64
}

// Errors a reviewer is told about.
var (
	ErrFullyCoded  = errors.New("this document has already been coded by as many reviewers as the campaign needs")
	ErrResolved    = errors.New("an admin has resolved this document's coding, and a resolution is final")
	ErrNotDisputed = errors.New("this document's codings do not disagree: there is nothing to resolve")
)

// InvalidInput is a coding refused for what it says.
type InvalidInput struct{ Msg string }

func (e InvalidInput) Error() string { return e.Msg }

// check validates in against cb.
func (in *Input) check(cb Codebook) error {
	in.Reviewer = strings.TrimSpace(in.Reviewer)
	if in.Reviewer == "" {
		return InvalidInput{"a coding needs the reviewer's name"}
	}
	seen := map[string]bool{}
	var labels []string
	for _, l := range in.Labels {
		if _, ok := cb.Label(l); !ok {
			return InvalidInput{fmt.Sprintf("%q is not a label of this campaign's codebook", l)}
		}
		if !seen[l] {
			seen[l] = true
			labels = append(labels, l)
		}
	}
	if len(labels) == 0 {
		return InvalidInput{"choose a label"}
	}
	if cb.Choice == Single && len(labels) > 1 {
		return InvalidInput{"this codebook takes one label per document"}
	}
	sort.Strings(labels)
	in.Labels = labels
	in.OutcomeDetail = strings.TrimSpace(in.OutcomeDetail)
	in.Notes = strings.TrimSpace(in.Notes)
	known := in.Outcome == ""
	for _, o := range Outcomes {
		known = known || o.Value == in.Outcome
	}
	if !known {
		return InvalidInput{fmt.Sprintf("unknown outcome %q", in.Outcome)}
	}
	if in.Outcome == OutcomePublished && in.OutcomeDetail != "" && !strings.HasPrefix(in.OutcomeDetail, "https://") && !strings.HasPrefix(in.OutcomeDetail, "http://") {
		return InvalidInput{"where the information is published must be an http:// or https:// address"}
	}
	if in.Outcome != OutcomeRefused && in.Outcome != OutcomePublished && in.Outcome != OutcomePartial {
		in.OutcomeDetail = ""
	}
	if len(in.Notes) > 10000 || len(in.OutcomeDetail) > 2000 {
		return InvalidInput{"notes are limited to 10,000 characters and the outcome's detail to 2,000"}
	}
	return nil
}

// entry is what coding needs to know of a queue entry.
type entry struct {
	reviewID, documentID, messageID, campaignID int64
	state                                       string
	subject                                     store.Subject
}

func loadEntry(ctx context.Context, q store.Querier, reviewID int64) (entry, error) {
	var e entry
	var req, auth sql.NullInt64
	var camp sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT rq.id, rq.document_id, rq.message_id, rq.state, m.request_id, r.authority_id, r.campaign_id
		FROM review_queue rq JOIN messages m ON m.id = rq.message_id LEFT JOIN requests r ON r.id = m.request_id WHERE rq.id = ?`, reviewID).
		Scan(&e.reviewID, &e.documentID, &e.messageID, &e.state, &req, &auth, &camp)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !camp.Valid) {
		return e, fmt.Errorf("review entry %d: %w", reviewID, store.ErrNotFound)
	}
	if err != nil {
		return e, fmt.Errorf("review entry %d: %w", reviewID, err)
	}
	e.campaignID = camp.Int64
	e.subject = store.Subject{Message: e.messageID, Request: req.Int64, Authority: auth.Int64}
	return e, nil
}

// currentCodings lists an entry's current codings, oldest first.
func currentCodings(ctx context.Context, q store.Querier, reviewID int64) ([]Coding, error) {
	return scanCodings(q.QueryContext(ctx, codingColumns+` WHERE c.review_id = ? AND c.current = 1 ORDER BY c.id`, reviewID))
}

const codingColumns = `SELECT c.id, c.review_id, c.document_id, c.reviewer, c.role, c.labels, c.outcome, c.outcome_detail, c.notes, coalesce(c.replaces, 0), c.coded_at FROM codings c`

func scanCodings(rows *sql.Rows, err error) ([]Coding, error) {
	if err != nil {
		return nil, fmt.Errorf("read codings: %w", err)
	}
	defer rows.Close()
	var out []Coding
	for rows.Next() {
		var c Coding
		var labels, at string
		if err := rows.Scan(&c.ID, &c.ReviewID, &c.DocumentID, &c.Reviewer, &c.Role, &labels, &c.Outcome, &c.OutcomeDetail, &c.Notes, &c.Replaces, &at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(labels), &c.Labels); err != nil {
			return nil, fmt.Errorf("coding %d: labels: %w", c.ID, err)
		}
		c.CodedAt, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Code records in.Reviewer's coding of an entry. It replaces their own
// earlier coding of it; without double coding it replaces whoever's
// coding the entry had, since the campaign keeps one. With double coding
// a third reviewer is refused (ErrFullyCoded), and once an admin has
// resolved the entry, so is everyone (ErrResolved). The reviewer's claim
// on the entry ends. When the coding settles the entry (its one coding;
// or two that agree) the queue entry is marked done.
func (s *Store) Code(ctx context.Context, in Input) (Coding, error) {
	return s.record(ctx, in, RoleCoder)
}

// Resolve records an admin's final coding of a double-coded entry whose
// two codings disagree (ErrNotDisputed otherwise). Resolving again
// replaces the earlier resolution.
func (s *Store) Resolve(ctx context.Context, in Input) (Coding, error) {
	return s.record(ctx, in, RoleResolution)
}

func (s *Store) record(ctx context.Context, in Input, role string) (Coding, error) {
	var out Coding
	err := s.core.Tx(ctx, func(tx *sql.Tx) error {
		e, err := loadEntry(ctx, tx, in.ReviewID)
		if err != nil {
			return err
		}
		cb, err := codebook(ctx, tx, e.campaignID)
		if err != nil {
			return err
		}
		if err := in.check(cb); err != nil {
			return err
		}
		cur, err := currentCodings(ctx, tx, e.reviewID)
		if err != nil {
			return err
		}
		var coders []Coding
		var resolution *Coding
		for i, c := range cur {
			if c.Role == RoleResolution {
				resolution = &cur[i]
			} else {
				coders = append(coders, c)
			}
		}
		var replaced *Coding
		switch role {
		case RoleCoder:
			if resolution != nil {
				return ErrResolved
			}
			for i, c := range coders {
				if strings.EqualFold(c.Reviewer, in.Reviewer) || !cb.DoubleCoding {
					replaced = &coders[i]
				}
			}
			if replaced == nil && len(coders) >= cb.Required() {
				return ErrFullyCoded
			}
		case RoleResolution:
			if resolution == nil && (len(coders) < 2 || sameLabels(coders[0].Labels, coders[1].Labels)) {
				return ErrNotDisputed
			}
			replaced = resolution
		}
		now := s.core.Now().UTC()
		labels, _ := json.Marshal(in.Labels)
		if replaced != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE codings SET current = 0 WHERE id = ?`, replaced.ID); err != nil {
				return fmt.Errorf("replace coding %d: %w", replaced.ID, err)
			}
		}
		var replacesID any
		if replaced != nil {
			replacesID = replaced.ID
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO codings (review_id, document_id, campaign_id, reviewer, role, labels, outcome, outcome_detail, notes, replaces, coded_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.reviewID, e.documentID, e.campaignID, in.Reviewer, role, string(labels),
			in.Outcome, in.OutcomeDetail, in.Notes, replacesID, now.Format(time.RFC3339Nano))
		if err != nil {
			return fmt.Errorf("record coding: %w", err)
		}
		id, _ := res.LastInsertId()
		out = Coding{ID: id, ReviewID: e.reviewID, DocumentID: e.documentID, Reviewer: in.Reviewer, Role: role, Labels: in.Labels,
			Outcome: in.Outcome, OutcomeDetail: in.OutcomeDetail, Notes: in.Notes, CodedAt: now}
		if _, err := tx.ExecContext(ctx, `DELETE FROM review_claims WHERE review_id = ? AND reviewer = ?`, e.reviewID, in.Reviewer); err != nil {
			return fmt.Errorf("release claim: %w", err)
		}
		ev := map[string]any{"review_id": e.reviewID, "document_id": e.documentID, "campaign_id": e.campaignID, "coding_id": id,
			"reviewer": in.Reviewer, "role": role, "labels": in.Labels, "outcome": in.Outcome, "outcome_detail": in.OutcomeDetail, "notes": in.Notes}
		if replaced != nil {
			out.Replaces = replaced.ID
			ev["replaces"] = replaced.ID
			ev["replaced_reviewer"] = replaced.Reviewer
			ev["replaced_labels"] = replaced.Labels
			ev["replaced_outcome"] = replaced.Outcome
		}
		if in.AppliedFrom != 0 {
			ev["applied_from"] = in.AppliedFrom
		}
		kind := "review.coded"
		if role == RoleResolution {
			kind = "review.resolved"
		}
		if err := s.core.AppendEvent(ctx, tx, kind, e.subject, ev); err != nil {
			return err
		}
		return s.settle(ctx, tx, e, cb)
	})
	return out, err
}

// settle marks the entry done, with its final labels as the outcome, when
// its codings settle it, and pending again when they no longer do.
func (s *Store) settle(ctx context.Context, tx *sql.Tx, e entry, cb Codebook) error {
	cur, err := currentCodings(ctx, tx, e.reviewID)
	if err != nil {
		return err
	}
	final, ok := finalOf(cur, cb.Required())
	state, outcome := "pending", any(nil)
	if ok {
		state, outcome = "done", strings.Join(final.Labels, ",")
	}
	var was string
	var wasOutcome sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT state, outcome FROM review_queue WHERE id = ?`, e.reviewID).Scan(&was, &wasOutcome); err != nil {
		return err
	}
	if was == state && (outcome == nil || wasOutcome.String == outcome) {
		return nil
	}
	var decided any
	if ok {
		decided = s.core.Now().UTC().Format(time.RFC3339Nano)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE review_queue SET state = ?, outcome = ?, decided_at = ? WHERE id = ?`, state, outcome, decided, e.reviewID); err != nil {
		return fmt.Errorf("settle review entry %d: %w", e.reviewID, err)
	}
	return s.core.AppendEvent(ctx, tx, "review.decided", e.subject, map[string]any{
		"review_id": e.reviewID, "document_id": e.documentID, "state": state, "outcome": outcome, "previous_outcome": wasOutcome.String, "by": "coding"})
}

// finalOf is an entry's final coding: a resolution; else, when the
// required number of coders have coded and (with two) agree, the first.
func finalOf(cur []Coding, required int) (Coding, bool) {
	var coders []Coding
	for _, c := range cur {
		if c.Role == RoleResolution {
			return c, true
		}
		coders = append(coders, c)
	}
	if len(coders) < required || len(coders) == 0 {
		return Coding{}, false
	}
	if required == 2 && !sameLabels(coders[0].Labels, coders[1].Labels) {
		return Coding{}, false
	}
	return coders[0], true
}

func sameLabels(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

// Final is the final coding of a document in a campaign (the newest
// settled entry of it), for "same model policy as …"; ok is false when
// it has none yet.
func (s *Store) Final(ctx context.Context, campaignID, documentID int64) (Coding, bool, error) {
	cb, err := s.Codebook(ctx, campaignID)
	if err != nil {
		return Coding{}, false, err
	}
	all, err := scanCodings(s.core.DB().QueryContext(ctx, codingColumns+` WHERE c.document_id = ? AND c.campaign_id = ? AND c.current = 1 ORDER BY c.review_id DESC, c.id`, documentID, campaignID))
	if err != nil {
		return Coding{}, false, err
	}
	for i := 0; i < len(all); {
		j := i
		for j < len(all) && all[j].ReviewID == all[i].ReviewID {
			j++
		}
		if f, ok := finalOf(all[i:j], cb.Required()); ok {
			return f, true, nil
		}
		i = j
	}
	return Coding{}, false, nil
}
