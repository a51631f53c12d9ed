package campaign

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"foidesk/store"
)

// Authorities imported after a campaign was created join it with Add, by
// code, by nation and tag, or as the ones its original target now selects
// that have no request in it yet. Their requests are drafts, as Create's
// are: nothing is sent until the campaign is sent again, which queues the
// drafts and leaves every request already sent alone.
//
// The same letter twice to one council is a mistake a campaigner would be
// embarrassed by: Create and Add refuse to write to an authority that
// already has a request with the same template in another campaign, unless
// told to (AllowDuplicates). A cancelled request was never sent and does
// not count.

// DuplicateError is returned by Create and Add when other campaigns with
// the same template already have requests to some of the authorities.
type DuplicateError struct {
	Template    string
	Authorities int       // how many distinct authorities overlap
	Campaigns   []Overlap // the other campaigns, oldest first
}

// Overlap is another campaign and how many of the authorities it already
// writes to.
type Overlap struct {
	Campaign    string
	State       string
	Authorities int
}

// ErrDuplicates is what a *DuplicateError matches with errors.Is.
var ErrDuplicates = errors.New("authorities already have a request with this letter in another campaign")

func (e *DuplicateError) Error() string {
	var parts []string
	for _, o := range e.Campaigns {
		parts = append(parts, fmt.Sprintf("%s (%s): %d", o.Campaign, o.State, o.Authorities))
	}
	return fmt.Sprintf("%d of these authorities already have a request with letter %q in another campaign: %s",
		e.Authorities, e.Template, strings.Join(parts, "; "))
}

func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicates }

// checkDuplicates returns a *DuplicateError when a campaign other than
// except with template already has a request, not cancelled, to one of
// the targets that has an address.
func checkDuplicates(ctx context.Context, tx *sql.Tx, except int64, template string, targets []Recipient) error {
	var ids []int64
	for _, t := range targets {
		if strings.TrimSpace(t.Email) != "" {
			ids = append(ids, t.AuthorityID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	const from = ` FROM requests r JOIN campaigns c ON c.id = r.campaign_id
		WHERE c.template = ?1 AND c.id <> ?2 AND r.outbox_state <> 'cancelled'
		AND r.authority_id IN (SELECT value FROM json_each(?3))`
	e := &DuplicateError{Template: template}
	if err := tx.QueryRowContext(ctx, `SELECT count(DISTINCT r.authority_id)`+from, template, except, string(list)).Scan(&e.Authorities); err != nil {
		return fmt.Errorf("look for duplicate requests: %w", err)
	}
	if e.Authorities == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT c.name, c.state, count(DISTINCT r.authority_id)`+from+` GROUP BY c.id ORDER BY c.id`, template, except, string(list))
	if err != nil {
		return fmt.Errorf("look for duplicate requests: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var o Overlap
		if err := rows.Scan(&o.Campaign, &o.State, &o.Authorities); err != nil {
			return err
		}
		e.Campaigns = append(e.Campaigns, o)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return e
}

// AddSpec says which authorities to add to a campaign: those with the
// given codes and those Target selects, or (Missing) those the campaign's
// own target selects that have no request in it.
type AddSpec struct {
	Campaign string
	Codes    []string // matched without regard to case
	Target   *Target  // nil: none; All is not allowed here
	Missing  bool
	// MessageID and Ref are as in Spec.
	MessageID       func(ref string) string
	Ref             func() string
	AllowDuplicates bool
}

// AddedRequest is a request Add made.
type AddedRequest struct {
	Recipient
	Ref string
}

// Added reports what Add did.
type Added struct {
	Campaign Campaign
	Requests []AddedRequest // the new draft requests
	// Skipped lists the named authorities already in the campaign.
	Skipped []Recipient
	// NoEmail lists selected authorities without an address: no request
	// was made for them.
	NoEmail []Recipient
}

// ErrUnknownCodes is returned by Add when a code names no authority.
var ErrUnknownCodes = errors.New("no authority in the register has that code")

// ErrNoStoredTarget is returned by Add with Missing for a campaign created
// before campaigns recorded their targets.
var ErrNoStoredTarget = errors.New("the campaign was created before foidesk recorded whom a campaign is for")

// Add makes a draft request in campaign spec.Campaign for each selected
// authority that has an address and no request in it yet, in one
// transaction. A cancelled campaign refuses.
func (s *Store) Add(ctx context.Context, spec AddSpec) (Added, error) {
	var out Added
	if spec.MessageID == nil {
		return out, errors.New("add to campaign: message id builder is required")
	}
	if spec.Missing == (len(spec.Codes) > 0 || spec.Target != nil) {
		return out, errors.New("add to campaign: name authorities by code or target, or ask for the missing ones")
	}
	if spec.Target != nil && spec.Target.All {
		return out, errors.New("add to campaign: every authority is not a selection to add; ask for the missing ones")
	}
	err := s.core.Tx(ctx, func(tx *sql.Tx) error {
		c, err := getCampaign(ctx, tx, "name = ?", spec.Campaign)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("campaign %q: %w", spec.Campaign, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		out.Campaign = c
		if c.State == Cancelled {
			return fmt.Errorf("campaign %q was cancelled; nothing can be added to it: %w", c.Name, ErrState)
		}
		in, err := campaignAuthorities(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		var selected []Recipient
		switch {
		case spec.Missing:
			if c.Target == nil {
				return fmt.Errorf("campaign %q: %w; name the authorities by code, --nation or --tag", c.Name, ErrNoStoredTarget)
			}
			all, err := selectTargets(ctx, tx, *c.Target)
			if err != nil {
				return err
			}
			for _, r := range all {
				if !in[r.AuthorityID] {
					selected = append(selected, r)
				}
			}
		default:
			if selected, err = selectCodes(ctx, tx, spec.Codes); err != nil {
				return err
			}
			if spec.Target != nil {
				more, err := selectTargets(ctx, tx, *spec.Target)
				if err != nil {
					return err
				}
				if len(more) == 0 {
					return ErrNoTargets
				}
				selected = unionRecipients(selected, more)
			}
		}
		var fresh []Recipient
		for _, r := range selected {
			switch {
			case in[r.AuthorityID]:
				out.Skipped = append(out.Skipped, r)
			case strings.TrimSpace(r.Email) == "":
				out.NoEmail = append(out.NoEmail, r)
			default:
				fresh = append(fresh, r)
			}
		}
		if !spec.AllowDuplicates {
			if err := checkDuplicates(ctx, tx, c.ID, c.Template, fresh); err != nil {
				return err
			}
		}
		now := ts(s.core.Now())
		for _, r := range fresh {
			token, err := s.createRequest(ctx, tx, c.ID, c.Name, r, spec.MessageID, spec.Ref, now)
			if err != nil {
				return err
			}
			out.Requests = append(out.Requests, AddedRequest{Recipient: r, Ref: token})
		}
		if len(fresh) == 0 {
			return nil
		}
		refs := make([]string, 0, len(out.Requests))
		for _, r := range out.Requests {
			refs = append(refs, r.Ref)
		}
		noEmail := make([]string, 0, len(out.NoEmail))
		for _, r := range out.NoEmail {
			noEmail = append(noEmail, r.Name)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE campaigns SET updated_at = ? WHERE id = ?`, now, c.ID); err != nil {
			return err
		}
		return s.core.AppendEvent(ctx, tx, "campaign.requests_added", store.Subject{}, map[string]any{
			"campaign": c.Name, "campaign_id": c.ID, "requests": len(out.Requests), "refs": refs, "no_email": noEmail,
			"missing": spec.Missing,
		})
	})
	return out, err
}

// campaignAuthorities is the set of authorities with a request in campaign
// cid, whatever its state.
func campaignAuthorities(ctx context.Context, tx *sql.Tx, cid int64) (map[int64]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT authority_id FROM requests WHERE campaign_id = ?`, cid)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	in := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		in[id] = true
	}
	return in, rows.Err()
}

// selectCodes finds the authorities with codes, in the order given; a code
// that names none is an error naming every such code.
func selectCodes(ctx context.Context, tx *sql.Tx, codes []string) ([]Recipient, error) {
	var out []Recipient
	var unknown []string
	for _, code := range codes {
		rows, err := tx.QueryContext(ctx, `SELECT a.id, coalesce(a.code, ''), a.name, coalesce(a.email, ''), coalesce(a.nation, ''), a.regime
			FROM authorities a WHERE a.code = ? COLLATE NOCASE ORDER BY a.id`, strings.TrimSpace(code))
		if err != nil {
			return nil, fmt.Errorf("select authorities: %w", err)
		}
		found := false
		for rows.Next() {
			var r Recipient
			if err := rows.Scan(&r.AuthorityID, &r.Code, &r.Name, &r.Email, &r.Nation, &r.Regime); err != nil {
				rows.Close()
				return nil, err
			}
			out = unionRecipients(out, []Recipient{r})
			found = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
		if !found {
			unknown = append(unknown, code)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%s: %w", strings.Join(unknown, ", "), ErrUnknownCodes)
	}
	return out, nil
}

// unionRecipients appends to a the recipients of b it does not hold.
func unionRecipients(a, b []Recipient) []Recipient {
	seen := map[int64]bool{}
	for _, r := range a {
		seen[r.AuthorityID] = true
	}
	for _, r := range b {
		if !seen[r.AuthorityID] {
			seen[r.AuthorityID] = true
			a = append(a, r)
		}
	}
	return a
}

// Summary is a campaign with how many requests it has in each outbox
// state (every state present, zero or not).
type Summary struct {
	Campaign
	Requests int
	Counts   map[string]int
}

// Summaries lists every campaign, oldest first, with its counts, for
// the web's home page; the CLI pages them with EachSummary.
func (s *Store) Summaries(ctx context.Context) ([]Summary, error) {
	out := []Summary{}
	_, err := s.EachSummary(ctx, store.Page{}, func(sum Summary) error {
		out = append(out, sum)
		return nil
	})
	return out, err
}

// EachSummary calls fn with each campaign in p, oldest first, with its
// counts, reading a batch of campaigns and their counts in two queries
// (never a query per campaign). It returns whether more campaigns follow
// the last one given to fn.
func (s *Store) EachSummary(ctx context.Context, p store.Page, fn func(Summary) error) (more bool, err error) {
	fetch := func(ctx context.Context, after int64, n int) ([]Summary, error) {
		cs, err := s.campaigns(ctx, after, n)
		if err != nil || len(cs) == 0 {
			return nil, err
		}
		out := make([]Summary, len(cs))
		at := make(map[int64]*Summary, len(cs))
		for i, c := range cs {
			out[i] = Summary{Campaign: c, Counts: map[string]int{}}
			for _, st := range OutboxStates {
				out[i].Counts[st] = 0
			}
			at[c.ID] = &out[i]
		}
		rows, err := s.core.DB().QueryContext(ctx, `SELECT campaign_id, outbox_state, count(*) FROM requests
			WHERE campaign_id BETWEEN ? AND ? GROUP BY campaign_id, outbox_state`, cs[0].ID, cs[len(cs)-1].ID)
		if err != nil {
			return nil, fmt.Errorf("count requests: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var state string
			var n int
			if err := rows.Scan(&id, &state, &n); err != nil {
				return nil, err
			}
			if sum := at[id]; sum != nil {
				sum.Counts[state] = n
				sum.Requests += n
			}
		}
		return out, rows.Err()
	}
	return store.Walk(ctx, p, fetch, func(sum Summary) int64 { return sum.ID }, fn)
}
