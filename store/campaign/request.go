package campaign

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"foidesk/ref"
	"foidesk/store"
)

// A request is one letter to one authority: made by Create, rendered by
// Queue, moved through its outbox states by the dispatcher's outbox and by
// recovery. Its status, due date, replied_on and status_reason are the
// request lifecycle's, derived by the core store (store.DeriveClock) and
// meaningful once it is sent.

// Outbox states of a request.
const (
	OutboxDraft     = "draft"
	OutboxQueued    = "queued"
	OutboxSending   = "sending"
	OutboxSent      = "sent"
	OutboxRetry     = "retry"
	OutboxFailed    = "failed"
	OutboxUnknown   = "unknown"
	OutboxCancelled = "cancelled"
)

// OutboxStates lists every outbox state in lifecycle order, for reports.
var OutboxStates = []string{OutboxDraft, OutboxQueued, OutboxSending, OutboxRetry, OutboxSent, OutboxFailed, OutboxUnknown, OutboxCancelled}

// Settled reports whether a request's sending is over: sent, failed, or
// unknown (whether it arrived is then a person's question, never a resend).
func Settled(state string) bool {
	return state == OutboxSent || state == OutboxFailed || state == OutboxUnknown
}

// Waiting reports whether a dispatcher will still try a request: queued,
// being sent, or waiting for a retry.
func Waiting(state string) bool {
	return state == OutboxQueued || state == OutboxSending || state == OutboxRetry
}

// WouldSend reports whether sending the campaign now would send a request
// in this state: a draft (queued first), a queued one, one waiting to retry.
func WouldSend(state string) bool {
	return state == OutboxDraft || state == OutboxQueued || state == OutboxRetry
}

// Recipient is an authority as a campaign sees it.
type Recipient struct {
	AuthorityID int64
	Code        string
	Name        string
	Email       string
	Nation      string
	Regime      string
	// SharedEmail: the register marks the authority's address as shared by
	// design with other authorities.
	SharedEmail bool
}

// Request is one letter to one authority, with its outbox state.
type Request struct {
	ID            int64
	CampaignID    int64
	Campaign      string
	AuthorityID   int64
	Authority     Recipient
	Ref           string
	Regime        string
	ToEmail       string
	MessageID     string
	OutboxState   string
	Attempts      int
	NextAttemptAt time.Time
	SMTPCode      int
	SMTPEnhanced  string
	SMTPText      string
	Subject       string
	RawMessage    []byte // only when asked for
	SentAt        time.Time
	DueDate       string
	Status        string // the lifecycle's stored status; meaningful once sent
	RepliedOn     string // YYYY-MM-DD of the response that stopped the clock
	StatusReason  string // the fact that put the request where it is
	ClaimedBy     string
	ClaimedAt     time.Time
	UpdatedAt     time.Time
}

const requestCols = `r.id, r.campaign_id, c.name, r.authority_id, coalesce(a.code, ''), a.name, coalesce(a.nation, ''), a.regime, a.email_shared,
	r.ref, r.regime, r.to_email, r.message_id, r.outbox_state, r.attempts, r.next_attempt_at,
	r.smtp_code, r.smtp_enhanced, r.smtp_text, r.subject, r.sent_at, r.due_date, r.status, r.replied_on, r.status_reason, r.claimed_by, r.claimed_at, r.updated_at`

const requestFrom = ` FROM requests r JOIN campaigns c ON c.id = r.campaign_id JOIN authorities a ON a.id = r.authority_id`

// rawJoin adds a request's stored message (request_messages, 0034), as m.
const rawJoin = ` LEFT JOIN request_messages m ON m.request_id = r.id`

type scanner interface{ Scan(dest ...any) error }

func scanRequest(row scanner, withRaw bool) (Request, error) {
	var r Request
	var next, sent, claimedAt, updated, subject, due, enh, text, claimedBy, replied, reason sql.NullString
	var code sql.NullInt64
	dest := []any{&r.ID, &r.CampaignID, &r.Campaign, &r.AuthorityID, &r.Authority.Code, &r.Authority.Name, &r.Authority.Nation, &r.Authority.Regime, &r.Authority.SharedEmail,
		&r.Ref, &r.Regime, &r.ToEmail, &r.MessageID, &r.OutboxState, &r.Attempts, &next,
		&code, &enh, &text, &subject, &sent, &due, &r.Status, &replied, &reason, &claimedBy, &claimedAt, &updated}
	if withRaw {
		dest = append(dest, &r.RawMessage)
	}
	if err := row.Scan(dest...); err != nil {
		return r, err
	}
	r.Authority.AuthorityID = r.AuthorityID
	r.Authority.Email = r.ToEmail
	r.NextAttemptAt, r.SentAt, r.ClaimedAt, r.UpdatedAt = parseTS(next), parseTS(sent), parseTS(claimedAt), parseTS(updated)
	r.SMTPCode, r.SMTPEnhanced, r.SMTPText = int(code.Int64), enh.String, text.String
	r.Subject, r.DueDate, r.ClaimedBy = subject.String, due.String, claimedBy.String
	r.RepliedOn, r.StatusReason = replied.String, reason.String
	return r, nil
}

// Requests lists every request of a campaign by authority name, all held
// at once; withRaw also loads each stored message. It is for the callers
// that need the whole campaign together (campaign preview --out renders
// every letter before writing any; test fixtures); listings stream with
// EachRequest.
func (s *Store) Requests(ctx context.Context, campaignID int64, withRaw bool) ([]Request, error) {
	q := "SELECT " + requestCols
	if withRaw {
		q += ", m.raw" + requestFrom + rawJoin
	} else {
		q += requestFrom
	}
	q += " WHERE r.campaign_id = ? ORDER BY a.name, r.id"
	rows, err := s.core.DB().QueryContext(ctx, q, campaignID)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	out, err := scanRequests(rows, withRaw)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	return out, nil
}

// RequestFilter selects a page of a campaign's requests.
type RequestFilter struct {
	CampaignID int64
	WithRaw    bool  // load each stored message too
	AfterID    int64 // only requests with a greater id
	Limit      int   // at most this many (0: all)
}

// EachRequest calls fn with each request of campaign f.CampaignID in the
// order they were made (by id: a campaign is created in the order of its
// authorities' names), from the one after f.AfterID and at most f.Limit
// of them (0: all), reading them in batches so that memory stays flat in
// the size of the campaign; no statement is open while fn runs. It
// returns whether more follow the last one given to fn.
func (s *Store) EachRequest(ctx context.Context, f RequestFilter, fn func(Request) error) (more bool, err error) {
	if f.CampaignID == 0 {
		return false, fmt.Errorf("list requests: no campaign")
	}
	fetch := func(ctx context.Context, after int64, n int) ([]Request, error) {
		q, args := requestPageQuery(f, after, n)
		rows, err := s.core.DB().QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("list requests: %w", err)
		}
		out, err := scanRequests(rows, f.WithRaw)
		if err != nil {
			return nil, fmt.Errorf("list requests: %w", err)
		}
		return out, nil
	}
	return store.Walk(ctx, store.Page{After: f.AfterID, Limit: f.Limit}, fetch, func(r Request) int64 { return r.ID }, fn)
}

// requestPageQuery selects at most n of a campaign's requests with an id
// above after, walking requests_campaign (migration 0180) so that a page
// costs its own rows (TestRequestPagesQueryPlan).
func requestPageQuery(f RequestFilter, after int64, n int) (string, []any) {
	q := "SELECT " + requestCols
	if f.WithRaw {
		q += ", m.raw" + requestFrom + rawJoin
	} else {
		q += requestFrom
	}
	return q + " WHERE r.campaign_id = ? AND r.id > ? ORDER BY r.id LIMIT ?", []any{f.CampaignID, after, n}
}

// RequestByRef finds a request by its reference token (normalised, so a
// lower-case or O-for-0 token still finds it), stored message included.
func (s *Store) RequestByRef(ctx context.Context, token string) (Request, error) {
	row := s.core.DB().QueryRowContext(ctx, "SELECT "+requestCols+", m.raw"+requestFrom+rawJoin+" WHERE r.ref = ?", ref.Normalize(token))
	r, err := scanRequest(row, true)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("request %s: %w", token, store.ErrNotFound)
	}
	return r, err
}

// UnknownRequests lists the `unknown` requests of a campaign (0: all).
func (s *Store) UnknownRequests(ctx context.Context, campaignID int64) ([]Request, error) {
	rows, err := s.core.DB().QueryContext(ctx, "SELECT "+requestCols+requestFrom+
		" WHERE r.outbox_state = 'unknown' AND (?1 = 0 OR r.campaign_id = ?1) ORDER BY r.id", campaignID)
	if err != nil {
		return nil, fmt.Errorf("unknown requests: %w", err)
	}
	return scanRequests(rows, false)
}

// AuthorityRequests lists the requests made to the authority with this
// code (any case) that replies can belong to: sent, or whose sending is
// unknown; oldest first. An unknown code is store.ErrNotFound.
func (s *Store) AuthorityRequests(ctx context.Context, code string) ([]Request, error) {
	var n int
	if err := s.core.DB().QueryRowContext(ctx, `SELECT count(*) FROM authorities WHERE code = ? COLLATE NOCASE`, code).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("authority %q: %w", code, store.ErrNotFound)
	}
	rows, err := s.core.DB().QueryContext(ctx, "SELECT "+requestCols+requestFrom+
		" WHERE a.code = ? COLLATE NOCASE AND r.outbox_state IN ('sent', 'unknown') ORDER BY r.id", code)
	if err != nil {
		return nil, fmt.Errorf("requests of %s: %w", code, err)
	}
	return scanRequests(rows, false)
}

// scanRequests reads every row of a request listing and closes rows.
func scanRequests(rows *sql.Rows, withRaw bool) ([]Request, error) {
	defer rows.Close()
	var out []Request
	for rows.Next() {
		r, err := scanRequest(rows, withRaw)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// answerable is the condition for a request a reply can belong to: sent,
// or whose sending is unknown.
const answerable = `r.outbox_state IN ('sent', 'unknown')`

// answerableQuery walks the authorities in name order (authorities_name,
// migration 0190) and each one's requests (requests_authority), sorting
// only one authority's requests by campaign, and stops at the limit; the
// CROSS JOINs keep SQLite to that order rather than sorting every
// answerable request (TestAnswerableQueryPlan).
const answerableQuery = "SELECT " + requestCols + ` FROM authorities a CROSS JOIN requests r ON r.authority_id = a.id
	CROSS JOIN campaigns c ON c.id = r.campaign_id WHERE ` + answerable + ` ORDER BY a.name, c.name, r.id LIMIT ?`

// AnswerableRequests lists at most limit requests a reply can belong to
// (sent, or whose sending is unknown), by authority name then campaign:
// the choices offered when a message is assigned by hand. The limit is
// required: at national scale there are 100,000 of them, and the query
// stops after limit, so its cost and memory stay flat in their number.
func (s *Store) AnswerableRequests(ctx context.Context, limit int) ([]Request, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("answerable requests: the limit must be positive (got %d)", limit)
	}
	rows, err := s.core.DB().QueryContext(ctx, answerableQuery, limit)
	if err != nil {
		return nil, fmt.Errorf("answerable requests: %w", err)
	}
	return scanRequests(rows, false)
}

// CountAnswerable is how many requests a reply can belong to, for the
// notice that says how much of the list AnswerableRequests gave.
func (s *Store) CountAnswerable(ctx context.Context) (int, error) {
	var n int
	err := s.core.DB().QueryRowContext(ctx, "SELECT count(*) FROM requests r WHERE "+answerable).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count answerable requests: %w", err)
	}
	return n, nil
}

// answerableByRefsQuery looks each reference of a JSON list up by the
// refs' unique index; the CROSS JOIN keeps SQLite from walking every
// answerable request instead (TestAnswerableQueryPlan).
const answerableByRefsQuery = "SELECT " + requestCols + ` FROM json_each(?) j CROSS JOIN requests r ON r.ref = j.value
	JOIN campaigns c ON c.id = r.campaign_id JOIN authorities a ON a.id = r.authority_id
	WHERE ` + answerable + ` ORDER BY a.name, c.name, r.id`

// AnswerableByRefs returns those of the requests with these references
// that a reply can belong to, by authority name then campaign, in one
// query: the suggestions a page makes for its messages' senders.
func (s *Store) AnswerableByRefs(ctx context.Context, refs []string) ([]Request, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	list, err := json.Marshal(refs)
	if err != nil {
		return nil, err
	}
	rows, err := s.core.DB().QueryContext(ctx, answerableByRefsQuery, string(list))
	if err != nil {
		return nil, fmt.Errorf("answerable requests by reference: %w", err)
	}
	return scanRequests(rows, false)
}
