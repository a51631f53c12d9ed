// Package campaign keeps campaigns and their requests, and is the outbox
// that sends them. A campaign is one letter to many authorities: creating
// it makes one draft request for each targeted authority that has an
// address, with its own reference (package ref) and Message-ID; queueing
// renders every letter once and stores the exact bytes, all or none. A
// dispatcher (package mailer) then works through the outbox on a
// connection of its own (outbox.go): it claims a request in one commit
// before speaking SMTP and records the outcome in the next, so no request
// is sent twice, and what a dead dispatcher left `sending` becomes
// `unknown`, for a person or the sent mailbox to settle (recovery.go).
//
// Request lives here (request.go) because campaigns make requests and the
// outbox moves them. Its status and due date are the request lifecycle's,
// derived by the core store (store.DeriveClock) from the delivery and
// whatever else is known; the outbox writes them with the delivery.
package campaign

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"foidesk/ref"
	"foidesk/store"
)

// Store is the campaigns, requests and outbox of an open database.
type Store struct{ core *store.Store }

// New returns the campaigns kept in st.
func New(st *store.Store) *Store { return &Store{core: st} }

// Path is the database file; each dispatcher keeps a lock file beside it
// (package mailer), so its claims can be recovered when it dies.
func (s *Store) Path() string { return s.core.Path() }

// Campaign states. A campaign is a draft until it is queued for sending;
// paused and cancelled campaigns are skipped by every dispatcher before its
// next message; done means every request is settled.
const (
	Draft     = "draft"
	Queued    = "queued"
	Paused    = "paused"
	Cancelled = "cancelled"
	Done      = "done"
)

// Campaign is one survey: a letter sent to many authorities.
type Campaign struct {
	ID       int64
	Name     string
	Template string
	Subject  string // overrides the template's subject when not empty
	State    string
	// Target is whom the campaign was created for; nil for a campaign
	// created before targets were recorded.
	Target *Target
	// Chasers is when overdue requests are chased; off unless set with
	// SetChasers.
	Chasers   Chasers
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Target selects the authorities a campaign writes to: every authority, or
// those in any of Nations and carrying any of Tags (each filter applies only
// when given).
type Target struct {
	All     bool     `json:"all,omitempty"`
	Nations []string `json:"nations,omitempty"` // e.g. "Scotland"; matched without regard to case
	Tags    []string `json:"tags,omitempty"`
}

// Spec describes a campaign to create.
type Spec struct {
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
	// AllowDuplicates creates the campaign even when another campaign with
	// the same template already has requests to some of its authorities
	// (otherwise Create returns a *DuplicateError).
	AllowDuplicates bool
}

// Created reports what Create did.
type Created struct {
	Campaign Campaign
	Requests int
	// NoEmail lists targeted authorities without an address: no request is
	// made for them, and the user is told.
	NoEmail []Recipient
}

// ErrExists is returned when a campaign of that name exists.
var ErrExists = errors.New("a campaign with that name already exists")

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

// Create creates a campaign and one draft request, with a fresh
// reference token and Message-ID, for every targeted authority that has an
// email address, all in one transaction.
func (s *Store) Create(ctx context.Context, nc Spec) (Created, error) {
	var out Created
	if strings.TrimSpace(nc.Name) == "" || nc.Template == "" || nc.MessageID == nil {
		return out, errors.New("create campaign: name, template and message id builder are required")
	}
	err := s.core.Tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM campaigns WHERE name = ?`, nc.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("campaign %q: %w", nc.Name, ErrExists)
		}
		targets, err := selectTargets(ctx, tx, nc.Target)
		if err != nil {
			return err
		}
		if len(targets) == 0 {
			return ErrNoTargets
		}
		if !nc.AllowDuplicates {
			if err := checkDuplicates(ctx, tx, 0, nc.Template, targets); err != nil {
				return err
			}
		}
		target, err := json.Marshal(nc.Target)
		if err != nil {
			return err
		}
		now := ts(s.core.Now())
		res, err := tx.ExecContext(ctx,
			`INSERT INTO campaigns (name, template, subject, state, target, created_at, updated_at) VALUES (?, ?, ?, 'draft', ?, ?, ?)`,
			nc.Name, nc.Template, nullStr(nc.Subject), string(target), now, now)
		if err != nil {
			return fmt.Errorf("create campaign: %w", err)
		}
		cid, _ := res.LastInsertId()
		for _, t := range targets {
			if strings.TrimSpace(t.Email) == "" {
				out.NoEmail = append(out.NoEmail, t)
				continue
			}
			if _, err := s.createRequest(ctx, tx, cid, nc.Name, t, nc.MessageID, nc.Ref, now); err != nil {
				return err
			}
			out.Requests++
		}
		noEmail := make([]string, 0, len(out.NoEmail))
		for _, r := range out.NoEmail {
			noEmail = append(noEmail, r.Name)
		}
		if err := s.core.AppendEvent(ctx, tx, "campaign.created", store.Subject{}, map[string]any{
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

// createRequest adds one draft request to campaign cid (named name) for t
// and records it; it returns the request's reference token.
func (s *Store) createRequest(ctx context.Context, tx *sql.Tx, cid int64, name string, t Recipient, mkID func(string) string, mkRef func() string, now string) (string, error) {
	rid, token, err := insertRequest(ctx, tx, cid, t, mkID, mkRef, now)
	if err != nil {
		return "", err
	}
	return token, s.core.AppendEvent(ctx, tx, "request.created", store.Subject{Authority: t.AuthorityID, Request: rid},
		map[string]any{"campaign": name, "to": strings.TrimSpace(t.Email), "ref": token})
}

// insertRequest adds one draft request, drawing a new reference token if
// the random one collides with an existing request.
func insertRequest(ctx context.Context, tx *sql.Tx, cid int64, t Recipient, mkID func(string) string, mkRef func() string, now string) (int64, string, error) {
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
			id, err := res.LastInsertId()
			return id, token, err
		}
		// The Message-ID is made from the token, so a drawn token that
		// is taken may fail on either column, whichever SQLite checks
		// first: both mean "draw again".
		if msg := err.Error(); try < 5 && strings.Contains(msg, "UNIQUE") &&
			(strings.Contains(msg, "requests.ref") || strings.Contains(msg, "requests.message_id")) {
			continue
		}
		return 0, "", fmt.Errorf("create request for %s: %w", t.Name, err)
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
	c, err := scanCampaign(q.QueryRowContext(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	return c, err
}

const campaignCols = `id, name, template, subject, state, target, chase_after, chase_every, chase_max, created_at, updated_at`

// scanCampaign reads one row of campaignCols.
func scanCampaign(row scanner) (Campaign, error) {
	var c Campaign
	var subject, target sql.NullString
	var created, updated sql.NullString
	var after, every, most sql.NullInt64
	err := row.Scan(&c.ID, &c.Name, &c.Template, &subject, &c.State, &target, &after, &every, &most, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return c, err
	}
	if err != nil {
		return c, fmt.Errorf("read campaign: %w", err)
	}
	c.Subject = subject.String
	c.Chasers = Chasers{After: int(after.Int64), Every: int(every.Int64), Max: int(most.Int64)}
	if target.Valid {
		c.Target = new(Target)
		if err := json.Unmarshal([]byte(target.String), c.Target); err != nil {
			return c, fmt.Errorf("campaign %q: stored target: %w", c.Name, err)
		}
	}
	c.CreatedAt, c.UpdatedAt = parseTS(created), parseTS(updated)
	return c, nil
}

// ByName finds a campaign; store.ErrNotFound when there is none.
func (s *Store) ByName(ctx context.Context, name string) (Campaign, error) {
	c, err := getCampaign(ctx, s.core.DB(), "name = ?", name)
	if errors.Is(err, store.ErrNotFound) {
		return c, fmt.Errorf("campaign %q: %w", name, store.ErrNotFound)
	}
	return c, err
}

// List lists every campaign, oldest first, in one query. Campaigns are
// made by people, a few hundred in a newsroom's years: the web's search
// form offers them all. Listings page with EachSummary.
func (s *Store) List(ctx context.Context) ([]Campaign, error) {
	return s.campaigns(ctx, 0, -1)
}

// campaigns reads at most n campaigns (-1: all) with an id above after,
// in id order.
func (s *Store) campaigns(ctx context.Context, after int64, n int) ([]Campaign, error) {
	rows, err := s.core.DB().QueryContext(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE id > ? ORDER BY id LIMIT ?`, after, n)
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	defer rows.Close()
	out := []Campaign{}
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Rendered is a request's message as it will be sent.
type Rendered struct {
	Subject string
	Raw     []byte
}

// Queue renders every draft request of the campaign with render and
// stores the exact bytes, each addressed to its authority's address in the
// register now (readdress.go), then marks the requests and the campaign queued,
// in one transaction: either every letter is ready to send or none is. A
// render error names the authority and leaves everything as it was.
func (s *Store) Queue(ctx context.Context, campaignID int64, render func(Request) (Rendered, error)) (int, error) {
	queued := 0
	err := s.core.Tx(ctx, func(tx *sql.Tx) error {
		c, err := getCampaign(ctx, tx, "id = ?", campaignID)
		if err != nil {
			return err
		}
		switch c.State {
		case Cancelled:
			return fmt.Errorf("campaign %q was cancelled; it cannot be sent", c.Name)
		case Paused:
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
		now := ts(s.core.Now())
		for _, r := range drafts {
			to, _, err := s.readdress(ctx, tx, r, "queue", now)
			if err != nil {
				return err
			}
			r.ToEmail, r.Authority.Email = to, to
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
			if err := s.core.AppendEvent(ctx, tx, "request.queued", store.Subject{Authority: r.AuthorityID, Request: r.ID},
				map[string]any{"message_id": r.MessageID, "subject": m.Subject}); err != nil {
				return err
			}
			queued++
		}
		if c.State == Draft || (c.State == Done && queued > 0) {
			if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET state = 'queued', updated_at = ? WHERE id = ?`, now, c.ID); err != nil {
				return err
			}
			return s.core.AppendEvent(ctx, tx, "campaign.queued", store.Subject{}, map[string]any{"campaign": c.Name, "requests": queued})
		}
		return nil
	})
	return queued, err
}

// ErrState is returned when an action does not apply to the
// campaign's current state (resuming one that is not paused, say).
var ErrState = errors.New("not possible in the campaign's current state")

// Pause stops dispatch of a queued campaign before its next message.
func (s *Store) Pause(ctx context.Context, name string) error {
	return s.moveCampaign(ctx, name, "pause", []string{Queued, Draft}, Paused)
}

// Resume lets a paused campaign be dispatched again.
func (s *Store) Resume(ctx context.Context, name string) error {
	return s.moveCampaign(ctx, name, "resume", []string{Paused}, Queued)
}

// Cancel stops a campaign for good: requests not yet handed to
// SMTP are cancelled; one being sent at this moment finishes.
func (s *Store) Cancel(ctx context.Context, name string) error {
	return s.moveCampaign(ctx, name, "cancel", []string{Draft, Queued, Paused}, Cancelled)
}

func (s *Store) moveCampaign(ctx context.Context, name, action string, from []string, to string) error {
	return s.core.Tx(ctx, func(tx *sql.Tx) error {
		c, err := getCampaign(ctx, tx, "name = ?", name)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("campaign %q: %w", name, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		ok := false
		for _, f := range from {
			ok = ok || c.State == f
		}
		if !ok {
			return fmt.Errorf("cannot %s campaign %q: it is %s: %w", action, name, c.State, ErrState)
		}
		// A paused draft (never queued) resumes as a draft.
		if action == "resume" {
			var queued int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM requests WHERE campaign_id = ? AND outbox_state <> 'draft'`, c.ID).Scan(&queued); err != nil {
				return err
			}
			if queued == 0 {
				to = Draft
			}
		}
		now := ts(s.core.Now())
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET state = ?, updated_at = ? WHERE id = ?`, to, now, c.ID); err != nil {
			return err
		}
		detail := map[string]any{"campaign": name, "from": c.State, "to": to}
		if to == Cancelled {
			res, err := tx.ExecContext(ctx, `UPDATE requests SET outbox_state = 'cancelled', updated_at = ?
				WHERE campaign_id = ? AND outbox_state IN ('draft', 'queued', 'retry')`, now, c.ID)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			detail["requests_cancelled"] = n
		}
		return s.core.AppendEvent(ctx, tx, "campaign."+map[string]string{"pause": "paused", "resume": "resumed", "cancel": "cancelled"}[action], store.Subject{}, detail)
	})
}

// Counts counts a campaign's requests per outbox state; every state
// is present, zero or not.
func (s *Store) Counts(ctx context.Context, campaignID int64) (map[string]int, error) {
	out := map[string]int{}
	for _, st := range OutboxStates {
		out[st] = 0
	}
	rows, err := s.core.DB().QueryContext(ctx, `SELECT outbox_state, count(*) FROM requests WHERE campaign_id = ? GROUP BY outbox_state`, campaignID)
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
