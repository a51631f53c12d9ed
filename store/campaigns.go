package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"foidesk/ref"
	"strings"
	"time"
)

// Campaign states. A campaign is a draft until it is queued for sending;
// paused and cancelled campaigns are skipped by every dispatcher before its
// next message; done means every request is settled.
const (
	CampaignDraft     = "draft"
	CampaignQueued    = "queued"
	CampaignPaused    = "paused"
	CampaignCancelled = "cancelled"
	CampaignDone      = "done"
)

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

// Campaign is one survey: a letter sent to many authorities.
type Campaign struct {
	ID        int64
	Name      string
	Template  string
	Subject   string // overrides the template's subject when not empty
	State     string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Target selects the authorities a campaign writes to: every authority, or
// those in any of Nations and carrying any of Tags (each filter applies only
// when given).
type Target struct {
	All     bool
	Nations []string // e.g. "Scotland"; matched without regard to case
	Tags    []string
}

// NewCampaign describes a campaign to create.
type NewCampaign struct {
	Name     string
	Template string
	Subject  string
	Target   Target
	// MessageID builds the Message-ID (without angle brackets) for a request
	// from its reference token; it must be unique per token.
	MessageID func(ref string) string
	// Ref draws each request's reference token; nil means ref.New. Tests
	// that replay real mail carrying a known token set it.
	Ref func() string
}

// Recipient is an authority as a campaign sees it.
type Recipient struct {
	AuthorityID int64
	Code        string
	Name        string
	Email       string
	Nation      string
	Regime      string
}

// CreatedCampaign reports what CreateCampaign did.
type CreatedCampaign struct {
	Campaign Campaign
	Requests int
	// NoEmail lists targeted authorities without an address: no request is
	// made for them, and the user is told.
	NoEmail []Recipient
}

// ErrCampaignExists is returned when a campaign of that name exists.
var ErrCampaignExists = errors.New("a campaign with that name already exists")

// ErrNoTargets is returned when the target selects no authority at all.
var ErrNoTargets = errors.New("no authority matches the campaign's target")

// tsFormat is a fixed-width UTC timestamp, so that text comparison in SQL
// orders times correctly (RFC 3339 with trimmed fractions does not).
const tsFormat = "2006-01-02T15:04:05.000000Z"

func ts(t time.Time) string { return t.UTC().Format(tsFormat) }

func parseTS(s sql.NullString) time.Time {
	if !s.Valid || s.String == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s.String)
	if err != nil {
		return time.Time{}
	}
	return t
}

// CreateCampaign creates a campaign and one draft request, with a fresh
// reference token and Message-ID, for every targeted authority that has an
// email address, all in one transaction.
func (s *Store) CreateCampaign(ctx context.Context, nc NewCampaign) (CreatedCampaign, error) {
	var out CreatedCampaign
	if strings.TrimSpace(nc.Name) == "" || nc.Template == "" || nc.MessageID == nil {
		return out, errors.New("create campaign: name, template and message id builder are required")
	}
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM campaigns WHERE name = ?`, nc.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("campaign %q: %w", nc.Name, ErrCampaignExists)
		}
		targets, err := selectTargets(ctx, tx, nc.Target)
		if err != nil {
			return err
		}
		if len(targets) == 0 {
			return ErrNoTargets
		}
		now := ts(s.now())
		res, err := tx.ExecContext(ctx,
			`INSERT INTO campaigns (name, template, subject, state, created_at, updated_at) VALUES (?, ?, ?, 'draft', ?, ?)`,
			nc.Name, nc.Template, nullStr(nc.Subject), now, now)
		if err != nil {
			return fmt.Errorf("create campaign: %w", err)
		}
		cid, _ := res.LastInsertId()
		for _, t := range targets {
			if strings.TrimSpace(t.Email) == "" {
				out.NoEmail = append(out.NoEmail, t)
				continue
			}
			rid, err := insertRequest(ctx, tx, cid, t, nc.MessageID, nc.Ref, now)
			if err != nil {
				return err
			}
			if err := s.AppendEvent(ctx, tx, "request.created", Subject{Authority: t.AuthorityID, Request: rid},
				map[string]any{"campaign": nc.Name, "to": t.Email}); err != nil {
				return err
			}
			out.Requests++
		}
		noEmail := make([]string, 0, len(out.NoEmail))
		for _, r := range out.NoEmail {
			noEmail = append(noEmail, r.Name)
		}
		if err := s.AppendEvent(ctx, tx, "campaign.created", Subject{}, map[string]any{
			"campaign": nc.Name, "campaign_id": cid, "template": nc.Template, "subject": nc.Subject,
			"requests": out.Requests, "no_email": noEmail,
		}); err != nil {
			return err
		}
		out.Campaign, err = getCampaign(ctx, tx, "id = ?", cid)
		return err
	})
	return out, err
}

// insertRequest adds one draft request, drawing a new reference token if
// the random one collides with an existing request.
func insertRequest(ctx context.Context, tx *sql.Tx, cid int64, t Recipient, mkID func(string) string, mkRef func() string, now string) (int64, error) {
	if mkRef == nil {
		mkRef = ref.New
	}
	for try := 0; ; try++ {
		token := mkRef()
		res, err := tx.ExecContext(ctx, `INSERT INTO requests
			(campaign_id, authority_id, ref, regime, to_email, message_id, outbox_state, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?)`,
			cid, t.AuthorityID, token, t.Regime, strings.TrimSpace(t.Email), mkID(token), now, now)
		if err == nil {
			return res.LastInsertId()
		}
		if try < 5 && strings.Contains(err.Error(), "UNIQUE") && strings.Contains(err.Error(), "ref") {
			continue
		}
		return 0, fmt.Errorf("create request for %s: %w", t.Name, err)
	}
}

func selectTargets(ctx context.Context, tx *sql.Tx, t Target) ([]Recipient, error) {
	q := `SELECT a.id, coalesce(a.code, ''), a.name, coalesce(a.email, ''), coalesce(a.nation, ''), a.regime FROM authorities a`
	var where []string
	var args []any
	if !t.All {
		if len(t.Nations) > 0 {
			where = append(where, "lower(a.nation) IN ("+placeholders(len(t.Nations))+")")
			for _, n := range t.Nations {
				args = append(args, strings.ToLower(n))
			}
		}
		if len(t.Tags) > 0 {
			where = append(where, "EXISTS (SELECT 1 FROM json_each(a.tags) WHERE lower(json_each.value) IN ("+placeholders(len(t.Tags))+"))")
			for _, tag := range t.Tags {
				args = append(args, strings.ToLower(tag))
			}
		}
		if len(where) == 0 {
			return nil, errors.New("a campaign needs a target: all authorities, or some nations or tags")
		}
	}
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY a.name, a.id"
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("select authorities: %w", err)
	}
	defer rows.Close()
	var out []Recipient
	for rows.Next() {
		var r Recipient
		if err := rows.Scan(&r.AuthorityID, &r.Code, &r.Name, &r.Email, &r.Nation, &r.Regime); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getCampaign(ctx context.Context, q queryer, where string, arg any) (Campaign, error) {
	var c Campaign
	var subject sql.NullString
	var created, updated sql.NullString
	err := q.QueryRowContext(ctx, `SELECT id, name, template, subject, state, created_at, updated_at FROM campaigns WHERE `+where, arg).
		Scan(&c.ID, &c.Name, &c.Template, &subject, &c.State, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("read campaign: %w", err)
	}
	c.Subject = subject.String
	c.CreatedAt, c.UpdatedAt = parseTS(created), parseTS(updated)
	return c, nil
}

// CampaignByName finds a campaign; ErrNotFound when there is none.
func (s *Store) CampaignByName(ctx context.Context, name string) (Campaign, error) {
	c, err := getCampaign(ctx, s.db, "name = ?", name)
	if errors.Is(err, ErrNotFound) {
		return c, fmt.Errorf("campaign %q: %w", name, ErrNotFound)
	}
	return c, err
}

// Campaigns lists every campaign, oldest first.
func (s *Store) Campaigns(ctx context.Context) ([]Campaign, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name FROM campaigns ORDER BY id`)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	var out []Campaign
	for _, n := range names {
		c, err := s.CampaignByName(ctx, n)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
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

const requestCols = `r.id, r.campaign_id, c.name, r.authority_id, coalesce(a.code, ''), a.name, coalesce(a.nation, ''), a.regime,
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
	dest := []any{&r.ID, &r.CampaignID, &r.Campaign, &r.AuthorityID, &r.Authority.Code, &r.Authority.Name, &r.Authority.Nation, &r.Authority.Regime,
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

// CampaignRequests lists a campaign's requests by authority name; withRaw
// also loads each stored message.
func (s *Store) CampaignRequests(ctx context.Context, campaignID int64, withRaw bool) ([]Request, error) {
	q := "SELECT " + requestCols
	if withRaw {
		q += ", m.raw" + requestFrom + rawJoin
	} else {
		q += requestFrom
	}
	q += " WHERE r.campaign_id = ? ORDER BY a.name, r.id"
	rows, err := s.db.QueryContext(ctx, q, campaignID)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	defer rows.Close()
	var out []Request
	for rows.Next() {
		r, err := scanRequest(rows, withRaw)
		if err != nil {
			return nil, fmt.Errorf("list requests: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RequestByRef finds a request by its reference token (normalised, so a
// lower-case or O-for-0 token still finds it), stored message included.
func (s *Store) RequestByRef(ctx context.Context, token string) (Request, error) {
	row := s.db.QueryRowContext(ctx, "SELECT "+requestCols+", m.raw"+requestFrom+rawJoin+" WHERE r.ref = ?", ref.Normalize(token))
	r, err := scanRequest(row, true)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("request %s: %w", token, ErrNotFound)
	}
	return r, err
}

// Rendered is a request's message as it will be sent.
type Rendered struct {
	Subject string
	Raw     []byte
}

// QueueCampaign renders every draft request of the campaign with render and
// stores the exact bytes, then marks the requests and the campaign queued,
// in one transaction: either every letter is ready to send or none is. A
// render error names the authority and leaves everything as it was.
func (s *Store) QueueCampaign(ctx context.Context, campaignID int64, render func(Request) (Rendered, error)) (int, error) {
	queued := 0
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		c, err := getCampaign(ctx, tx, "id = ?", campaignID)
		if err != nil {
			return err
		}
		switch c.State {
		case CampaignCancelled:
			return fmt.Errorf("campaign %q was cancelled; it cannot be sent", c.Name)
		case CampaignPaused:
			return fmt.Errorf("campaign %q is paused; run 'foidesk campaign resume %s' first", c.Name, c.Name)
		}
		rows, err := tx.QueryContext(ctx, "SELECT "+requestCols+requestFrom+" WHERE r.campaign_id = ? AND r.outbox_state = 'draft' ORDER BY r.id", campaignID)
		if err != nil {
			return err
		}
		var drafts []Request
		for rows.Next() {
			r, err := scanRequest(rows, false)
			if err != nil {
				rows.Close()
				return err
			}
			drafts = append(drafts, r)
		}
		rows.Close()
		now := ts(s.now())
		for _, r := range drafts {
			m, err := render(r)
			if err != nil {
				return fmt.Errorf("%s (%s): %w", r.Authority.Name, r.ToEmail, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE requests SET outbox_state = 'queued', subject = ?, updated_at = ? WHERE id = ? AND outbox_state = 'draft'`,
				m.Subject, now, r.ID); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO request_messages (request_id, raw) VALUES (?, ?)
				ON CONFLICT (request_id) DO UPDATE SET raw = excluded.raw`, r.ID, m.Raw); err != nil {
				return err
			}
			if err := s.AppendEvent(ctx, tx, "request.queued", Subject{Authority: r.AuthorityID, Request: r.ID},
				map[string]any{"message_id": r.MessageID, "subject": m.Subject}); err != nil {
				return err
			}
			queued++
		}
		if c.State == CampaignDraft || (c.State == CampaignDone && queued > 0) {
			if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET state = 'queued', updated_at = ? WHERE id = ?`, now, c.ID); err != nil {
				return err
			}
			return s.AppendEvent(ctx, tx, "campaign.queued", Subject{}, map[string]any{"campaign": c.Name, "requests": queued})
		}
		return nil
	})
	return queued, err
}

// ErrCampaignState is returned when an action does not apply to the
// campaign's current state (resuming one that is not paused, say).
var ErrCampaignState = errors.New("not possible in the campaign's current state")

// PauseCampaign stops dispatch of a queued campaign before its next message.
func (s *Store) PauseCampaign(ctx context.Context, name string) error {
	return s.moveCampaign(ctx, name, "pause", []string{CampaignQueued, CampaignDraft}, CampaignPaused)
}

// ResumeCampaign lets a paused campaign be dispatched again.
func (s *Store) ResumeCampaign(ctx context.Context, name string) error {
	return s.moveCampaign(ctx, name, "resume", []string{CampaignPaused}, CampaignQueued)
}

// CancelCampaign stops a campaign for good: requests not yet handed to
// SMTP are cancelled; one being sent at this moment finishes.
func (s *Store) CancelCampaign(ctx context.Context, name string) error {
	return s.moveCampaign(ctx, name, "cancel", []string{CampaignDraft, CampaignQueued, CampaignPaused}, CampaignCancelled)
}

func (s *Store) moveCampaign(ctx context.Context, name, action string, from []string, to string) error {
	return s.Tx(ctx, func(tx *sql.Tx) error {
		c, err := getCampaign(ctx, tx, "name = ?", name)
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("campaign %q: %w", name, ErrNotFound)
		}
		if err != nil {
			return err
		}
		ok := false
		for _, f := range from {
			ok = ok || c.State == f
		}
		if !ok {
			return fmt.Errorf("cannot %s campaign %q: it is %s: %w", action, name, c.State, ErrCampaignState)
		}
		// A paused draft (never queued) resumes as a draft.
		if action == "resume" {
			var queued int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM requests WHERE campaign_id = ? AND outbox_state <> 'draft'`, c.ID).Scan(&queued); err != nil {
				return err
			}
			if queued == 0 {
				to = CampaignDraft
			}
		}
		now := ts(s.now())
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET state = ?, updated_at = ? WHERE id = ?`, to, now, c.ID); err != nil {
			return err
		}
		detail := map[string]any{"campaign": name, "from": c.State, "to": to}
		if to == CampaignCancelled {
			res, err := tx.ExecContext(ctx, `UPDATE requests SET outbox_state = 'cancelled', updated_at = ?
				WHERE campaign_id = ? AND outbox_state IN ('draft', 'queued', 'retry')`, now, c.ID)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			detail["requests_cancelled"] = n
		}
		return s.AppendEvent(ctx, tx, "campaign."+map[string]string{"pause": "paused", "resume": "resumed", "cancel": "cancelled"}[action], Subject{}, detail)
	})
}

// CampaignCounts counts a campaign's requests per outbox state; every state
// is present, zero or not.
func (s *Store) CampaignCounts(ctx context.Context, campaignID int64) (map[string]int, error) {
	out := map[string]int{}
	for _, st := range OutboxStates {
		out[st] = 0
	}
	rows, err := s.db.QueryContext(ctx, `SELECT outbox_state, count(*) FROM requests WHERE campaign_id = ? GROUP BY outbox_state`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("count requests: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}
