// Package results is a campaign's results as a campaigner publishes them:
// one row per targeted authority (Rows) and the summary every figure of
// which is computed from those rows (Summarize). It only reads; the
// report command, the dashboard and the authorities grid all read
// through it, so they never disagree.
package results

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/store"
	"foidesk/store/campaign"
)

// States a row has that no request has: the authority is targeted by the
// campaign but no request was made to it.
const (
	// NoAddress: the register has no address for the authority, so no
	// request was ever made.
	NoAddress = "no-address"
	// NotAdded: the authority matches the campaign's target but was put in
	// the register after the campaign was made ('foidesk campaign add
	// --missing' adds it).
	NotAdded = "not-added"
)

// Delivery values of a row.
const (
	Delivered = "delivered"
	Bounced   = "bounced"   // a permanent bounce: not-delivered
	NotSent   = ""          // never sent (draft, queued, no address)
	SendError = "failed"    // the mail server refused it
	Uncertain = "unknown"   // the connection dropped mid-send
	Cancelled = "cancelled" // withdrawn before sending
	Sending   = "sending"   // queued, being sent or waiting to retry
)

// Outcomes of a request: coded by a person, or inferred from the kind of
// the last answering message (OutcomeInferred on the row).
const (
	OutcomeAnswered  = "answered"  // a response
	OutcomeRefused   = "refused"   // a refusal (an exemption, the cost limit)
	OutcomePublished = "published" // the information is published elsewhere
	OutcomeNotHeld   = "not-held"  // the authority holds no such information
)

// Code is what coding says of one request: its labels, outcome,
// exemptions and notes; CoderA and CoderB are the two coders' codes when
// it was coded twice (for agreement), else empty.
type Code struct {
	Labels     []string
	Outcome    string
	Exemptions []string
	Notes      string
	CoderA     string
	CoderB     string
}

// Codes is how the report reads coding, keyed by request id. A nil Codes
// means no coding yet: the coding columns stay empty and the summary says
// "not coded".
type Codes interface {
	RequestCodes(ctx context.Context, campaignID int64) (map[int64]Code, error)
}

// Row is one targeted authority and what became of its request.
type Row struct {
	RequestID   int64  `json:"request_id,omitempty"` // 0: no request was made
	AuthorityID int64  `json:"authority_id"`
	Code        string `json:"code"`
	Name        string `json:"name"`
	Nation      string `json:"nation"`
	Regime      string `json:"regime"`
	Ref         string `json:"ref"`
	Sent        string `json:"sent"`     // YYYY-MM-DD (Europe/London) the server accepted it; "" never
	Delivery    string `json:"delivery"` // delivered, bounced, failed, unknown, sending, cancelled or ""
	Due         string `json:"due"`
	RepliedOn   string `json:"replied_on"`
	// DaysLate: working days late (negative: early) the reply was, or the
	// awaited reply is on the as-of date; nil when no due date applies.
	DaysLate *int   `json:"working_days_late"`
	State    string `json:"state"` // lifecycle.Rule.Show on the as-of date, or NoAddress/NotAdded
	Outcome  string `json:"outcome"`
	// OutcomeInferred: Outcome comes from the kind of the last answering
	// message, not from a person's coding.
	OutcomeInferred bool     `json:"outcome_inferred"`
	Exemptions      []string `json:"exemptions"`
	Coded           bool     `json:"coded"`
	Labels          []string `json:"labels"`
	Notes           string   `json:"notes"`
	CoderA          string   `json:"coder_a,omitempty"`
	CoderB          string   `json:"coder_b,omitempty"`
	Documents       []int64  `json:"documents"`
	LastMessage     string   `json:"last_message"` // YYYY-MM-DD of the last message matched to it
	LastKind        string   `json:"last_kind"`
}

// Late reports whether the row's reply came (or is) more than zero
// working days late.
func (r Row) Late() bool { return r.DaysLate != nil && *r.DaysLate > 0 }

// Replied reports whether an answer came.
func (r Row) Replied() bool { return r.RepliedOn != "" }

// Options say how rows are judged.
type Options struct {
	On         deadline.Date        // the as-of date states are shown on
	Thresholds lifecycle.Thresholds // due-soon and very-overdue
	Codes      Codes                // nil: not coded yet
}

// Store reads results from the core store.
type Store struct{ core *store.Store }

// New is the results handle over an open store.
func New(st *store.Store) *Store { return &Store{core: st} }

// Rows lists one row per authority campaign c targets, by authority name:
// every request, and every authority its stored target selects that has
// no request (no address, or added to the register later).
func (s *Store) Rows(ctx context.Context, c campaign.Campaign, o Options) ([]Row, error) {
	reqs, err := s.requests(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	msgs, err := s.messageFacts(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	docs, err := s.documents(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	var codes map[int64]Code
	if o.Codes != nil {
		if codes, err = o.Codes.RequestCodes(ctx, c.ID); err != nil {
			return nil, fmt.Errorf("read coding: %w", err)
		}
	}
	rule := s.core.Lifecycle()
	rows := make([]Row, 0, len(reqs))
	for _, q := range reqs {
		sh, err := rule.Show(lifecycle.Request{Regime: q.Regime, Outbox: q.OutboxState, Status: q.Status, Due: q.DueDate, RepliedOn: q.RepliedOn}, o.On, o.Thresholds)
		if err != nil {
			return nil, fmt.Errorf("request %s: %w", q.Ref, err)
		}
		row := Row{
			RequestID: q.ID, AuthorityID: q.AuthorityID, Code: q.Code, Name: q.Name, Nation: q.Nation,
			Regime: q.Regime, Ref: q.Ref, Due: q.DueDate, RepliedOn: q.RepliedOn, DaysLate: sh.DaysLate, State: sh.Status,
			Delivery: delivery(q), Documents: docs[q.ID],
		}
		if q.SentAt != "" {
			t, err := time.Parse(time.RFC3339Nano, q.SentAt)
			if err != nil {
				return nil, fmt.Errorf("request %s: sent at %q: %w", q.Ref, q.SentAt, err)
			}
			row.Sent = deadline.ReceiptDate(t).String()
		}
		if q.OutboxState != campaign.OutboxSent {
			row.Due, row.DaysLate = "", nil
		}
		if row.DaysLate, err = WorkingDaysLate(rule, row.Regime, row.Due, row.RepliedOn, o.On, row.DaysLate); err != nil {
			return nil, fmt.Errorf("request %s: %w", q.Ref, err)
		}
		m := msgs[q.ID]
		row.LastMessage, row.LastKind = m.lastDate, m.lastKind
		if code, ok := codes[q.ID]; ok {
			row.Coded = true
			row.Labels, row.Outcome, row.Exemptions, row.Notes = code.Labels, code.Outcome, code.Exemptions, code.Notes
			row.CoderA, row.CoderB = code.CoderA, code.CoderB
		}
		if row.Outcome == "" && m.answerKind != "" && row.Replied() {
			row.Outcome, row.Exemptions = inferOutcome(m.answerKind, m.answerDetail)
			row.OutcomeInferred = true
		}
		rows = append(rows, row)
	}
	missing, err := s.untargeted(ctx, c)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		rows = append(rows, missing...)
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Name < rows[j].Name })
	}
	return rows, nil
}

// WorkingDaysLate is shown (lifecycle.Shown.DaysLate: how late a reply
// was, or an awaited one is on the day on) with earliness filled in:
// Show says only that an answer is not late, and a published table says
// how early it came (negative), or how many working days are left.
func WorkingDaysLate(rule *lifecycle.Rule, regime, due, repliedOn string, on deadline.Date, shown *int) (*int, error) {
	if shown == nil || *shown != 0 {
		return shown, nil
	}
	reg, err := deadline.ParseRegime(regime)
	if err != nil {
		return nil, err
	}
	d, err := deadline.ParseDate(due)
	if err != nil {
		return nil, err
	}
	at := on
	if repliedOn != "" {
		if at, err = deadline.ParseDate(repliedOn); err != nil {
			return nil, err
		}
	}
	n := 0
	if at < d {
		n = -rule.Calendar(reg).WorkingDaysBetween(at, d)
	}
	return &n, nil
}

// request is what a row needs of a request.
type request struct {
	ID, AuthorityID                 int64
	Code, Name, Nation, Regime, Ref string
	OutboxState, SentAt, DueDate    string
	Status, RepliedOn               string
}

// requests reads the campaign's requests, by authority name: only the
// columns a row needs, so that a national survey's 100,000 rows are read
// in little time and memory.
func (s *Store) requests(ctx context.Context, campaignID int64) ([]request, error) {
	rows, err := s.core.DB().QueryContext(ctx, `SELECT r.id, r.authority_id, coalesce(a.code, ''), a.name, coalesce(a.nation, ''), r.regime, r.ref,
		r.outbox_state, coalesce(r.sent_at, ''), coalesce(r.due_date, ''), r.status, coalesce(r.replied_on, '')
		FROM requests r JOIN authorities a ON a.id = r.authority_id WHERE r.campaign_id = ? ORDER BY a.name, r.id`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("campaign requests: %w", err)
	}
	defer rows.Close()
	var out []request
	for rows.Next() {
		var q request
		if err := rows.Scan(&q.ID, &q.AuthorityID, &q.Code, &q.Name, &q.Nation, &q.Regime, &q.Ref, &q.OutboxState, &q.SentAt, &q.DueDate, &q.Status, &q.RepliedOn); err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

func delivery(q request) string {
	switch q.OutboxState {
	case campaign.OutboxSent:
		if q.Status == lifecycle.NotDelivered {
			return Bounced
		}
		return Delivered
	case campaign.OutboxFailed:
		return SendError
	case campaign.OutboxUnknown:
		return Uncertain
	case campaign.OutboxCancelled:
		return Cancelled
	case campaign.OutboxQueued, campaign.OutboxSending, campaign.OutboxRetry:
		return Sending
	}
	return NotSent
}

// inferOutcome reads an outcome from the last answering message's kind: a
// refusal (its detail the exemptions cited, split on commas and
// semicolons) is refused, or not-held when the detail says the
// information is not held; published is published; a response answered.
func inferOutcome(kind, detail string) (string, []string) {
	switch kind {
	case lifecycle.KindRefusal:
		if strings.Contains(strings.ToLower(detail), "not held") {
			return OutcomeNotHeld, nil
		}
		var ex []string
		for _, f := range strings.FieldsFunc(detail, func(r rune) bool { return r == ',' || r == ';' }) {
			if f = strings.TrimSpace(f); f != "" {
				ex = append(ex, f)
			}
		}
		return OutcomeRefused, ex
	case lifecycle.KindPublished:
		return OutcomePublished, nil
	case lifecycle.KindResponse:
		return OutcomeAnswered, nil
	}
	return "", nil
}

type messageFact struct {
	lastDate, lastKind       string
	answerKind, answerDetail string
}

// messageFacts reads, per request of the campaign, its last message (the
// date it was sent, by its Date header when that is not later than when
// it was stored) and its last answering one.
func (s *Store) messageFacts(ctx context.Context, campaignID int64) (map[int64]messageFact, error) {
	rows, err := s.core.DB().QueryContext(ctx, `SELECT m.request_id, m.kind, m.kind_detail, m.received_at, coalesce(m.sent_date, '') FROM messages m
		JOIN requests r ON r.id = m.request_id WHERE r.campaign_id = ? ORDER BY m.id`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("campaign messages: %w", err)
	}
	defer rows.Close()
	out := map[int64]messageFact{}
	for rows.Next() {
		var id int64
		var kind, detail, at, sent string
		if err := rows.Scan(&id, &kind, &detail, &at, &sent); err != nil {
			return nil, err
		}
		f := out[id]
		f.lastKind = kind
		if t, err := time.Parse(time.RFC3339Nano, at); err == nil {
			// Its Date header, unless that claims a time after it was stored.
			if d, err := time.Parse(time.RFC3339, sent); err == nil && d.Before(t) {
				t = d
			}
			f.lastDate = deadline.ReceiptDate(t).String()
		}
		if lifecycle.IsResponse(kind) {
			f.answerKind, f.answerDetail = kind, detail
		}
		out[id] = f
	}
	return out, rows.Err()
}

// documents lists, per request of the campaign, the documents extracted
// from its mail, each once, in id order.
func (s *Store) documents(ctx context.Context, campaignID int64) (map[int64][]int64, error) {
	rows, err := s.core.DB().QueryContext(ctx, `SELECT DISTINCT m.request_id, ds.document_id FROM document_sources ds
		JOIN messages m ON m.id = ds.message_id JOIN requests r ON r.id = m.request_id
		WHERE r.campaign_id = ? ORDER BY m.request_id, ds.document_id`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("campaign documents: %w", err)
	}
	defer rows.Close()
	out := map[int64][]int64{}
	for rows.Next() {
		var req, doc int64
		if err := rows.Scan(&req, &doc); err != nil {
			return nil, err
		}
		out[req] = append(out[req], doc)
	}
	return out, rows.Err()
}

// untargeted lists the authorities c's stored target selects that have no
// request in c. A campaign made before targets were stored has none.
func (s *Store) untargeted(ctx context.Context, c campaign.Campaign) ([]Row, error) {
	t := c.Target
	if t == nil {
		return nil, nil
	}
	q := `SELECT a.id, coalesce(a.code, ''), a.name, coalesce(a.nation, ''), a.regime, a.email IS NULL OR a.email = '' FROM authorities a
		WHERE NOT EXISTS (SELECT 1 FROM requests r WHERE r.campaign_id = ? AND r.authority_id = a.id)`
	args := []any{c.ID}
	if !t.All {
		if len(t.Nations) == 0 && len(t.Tags) == 0 {
			return nil, nil
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
	rows, err := s.core.DB().QueryContext(ctx, q+" ORDER BY a.name, a.id", args...)
	if err != nil {
		return nil, fmt.Errorf("targeted authorities: %w", err)
	}
	defer rows.Close()
	var out []Row
	for rows.Next() {
		var r Row
		var noEmail bool
		if err := rows.Scan(&r.AuthorityID, &r.Code, &r.Name, &r.Nation, &r.Regime, &noEmail); err != nil {
			return nil, err
		}
		r.State = NotAdded
		if noEmail {
			r.State = NoAddress
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// MarshalJSON writes a row with its lists as [] when empty, never null.
func (r Row) MarshalJSON() ([]byte, error) {
	type plain Row
	for _, l := range []*[]string{&r.Exemptions, &r.Labels} {
		if *l == nil {
			*l = []string{}
		}
	}
	if r.Documents == nil {
		r.Documents = []int64{}
	}
	return json.Marshal(plain(r))
}
