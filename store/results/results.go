// Package results is a campaign's results as a campaigner publishes them:
// one row per targeted authority (Each, read one at a time; Rows) and the
// summary every figure of which is counted from those rows (Tally,
// Summarize). It only reads; the
// report command, the dashboard and the authorities grid all read
// through it, so they never disagree.
package results

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
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
	// Authorities, when not nil, keeps only the rows of these authorities
	// (a page of the grid fetched by id); nil keeps every row.
	Authorities []int64
}

// Store reads results from the core store.
type Store struct{ core *store.Store }

// New is the results handle over an open store.
func New(st *store.Store) *Store { return &Store{core: st} }

// Rows lists one row per authority campaign c targets, by authority name:
// every request, and every authority its stored target selects that has
// no request (no address, or added to the register later). It holds
// every row; a caller that can take them one at a time uses Each.
func (s *Store) Rows(ctx context.Context, c campaign.Campaign, o Options) ([]Row, error) {
	var rows []Row
	err := s.Each(ctx, c, o, func(r Row) error {
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// Each calls fn with the rows Rows lists, in the same order, one at a
// time as they are read: the rows are never all held, so a national
// survey's 100,000 rows are read in memory that does not grow with
// them (only the coding, which is per coded request, is read whole).
// An error from fn stops the reading and is returned as it is.
func (s *Store) Each(ctx context.Context, c campaign.Campaign, o Options, fn func(Row) error) error {
	var codes map[int64]Code
	if o.Codes != nil {
		var err error
		if codes, err = o.Codes.RequestCodes(ctx, c.ID); err != nil {
			return fmt.Errorf("read coding: %w", err)
		}
	}
	q, args := rowsQuery(c, o.Authorities)
	rs, err := s.core.DB().QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("campaign rows: %w", err)
	}
	defer rs.Close()
	rule := s.core.Lifecycle()
	for rs.Next() {
		var q request
		var src int
		var noEmail bool
		var ord int64
		var lastKind, lastAt, lastSent, answerKind, answerDetail, docs sql.NullString
		if err := rs.Scan(&src, &q.Name, &ord, &q.ID, &q.AuthorityID, &q.Code, &q.Nation, &q.Regime, &q.Ref, &q.OutboxState, &q.SentAt, &q.DueDate, &q.Status, &q.RepliedOn,
			&noEmail, &lastKind, &lastAt, &lastSent, &answerKind, &answerDetail, &docs); err != nil {
			return err
		}
		var row Row
		if src == 0 {
			m := messageFact{lastKind: lastKind.String, answerKind: answerKind.String, answerDetail: answerDetail.String}
			if t, err := time.Parse(time.RFC3339Nano, lastAt.String); err == nil {
				// Its Date header, unless that claims a time after it was stored.
				if d, err := time.Parse(time.RFC3339, lastSent.String); err == nil && d.Before(t) {
					t = d
				}
				m.lastDate = deadline.ReceiptDate(t).String()
			}
			if row, err = requestRow(rule, q, m, docs.String, codes, o); err != nil {
				return err
			}
		} else {
			row = Row{AuthorityID: q.AuthorityID, Code: q.Code, Name: q.Name, Nation: q.Nation, Regime: q.Regime, State: NotAdded}
			if noEmail {
				row.State = NoAddress
			}
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return rs.Err()
}

// requestRow is request q's row: its state on o.On, its lateness, its
// last message m, its documents (ids separated by commas) and its coding.
func requestRow(rule *lifecycle.Rule, q request, m messageFact, docs string, codes map[int64]Code, o Options) (Row, error) {
	sh, err := rule.Show(lifecycle.Request{Regime: q.Regime, Outbox: q.OutboxState, Status: q.Status, Due: q.DueDate, RepliedOn: q.RepliedOn}, o.On, o.Thresholds)
	if err != nil {
		return Row{}, fmt.Errorf("request %s: %w", q.Ref, err)
	}
	row := Row{
		RequestID: q.ID, AuthorityID: q.AuthorityID, Code: q.Code, Name: q.Name, Nation: q.Nation,
		Regime: q.Regime, Ref: q.Ref, Due: q.DueDate, RepliedOn: q.RepliedOn, DaysLate: sh.DaysLate, State: sh.Status,
		Delivery: delivery(q),
	}
	if docs != "" {
		for _, f := range strings.Split(docs, ",") {
			id, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return Row{}, fmt.Errorf("request %s: document id %q: %w", q.Ref, f, err)
			}
			row.Documents = append(row.Documents, id)
		}
	}
	if q.SentAt != "" {
		t, err := time.Parse(time.RFC3339Nano, q.SentAt)
		if err != nil {
			return Row{}, fmt.Errorf("request %s: sent at %q: %w", q.Ref, q.SentAt, err)
		}
		row.Sent = deadline.ReceiptDate(t).String()
	}
	if q.OutboxState != campaign.OutboxSent {
		row.Due, row.DaysLate = "", nil
	}
	if row.DaysLate, err = WorkingDaysLate(rule, row.Regime, row.Due, row.RepliedOn, o.On, row.DaysLate); err != nil {
		return Row{}, fmt.Errorf("request %s: %w", q.Ref, err)
	}
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
	return row, nil
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
// information is not held; published is published; a response answered,
// or not-held when its detail says so.
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
		// Triage marks a response saying the information is not held
		// (s.1(1)(a) FOIA, s.17 FOISA) with that detail.
		if strings.Contains(strings.ToLower(detail), "not held") {
			return OutcomeNotHeld, nil
		}
		return OutcomeAnswered, nil
	}
	return "", nil
}

// messageFact is what a row says of its request's mail: the date and
// kind of its last message, and the kind and detail of its last
// answering one (a response, refusal or published).
type messageFact struct {
	lastDate, lastKind       string
	answerKind, answerDetail string
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
