// Package registry is the authority register: the public bodies foidesk
// writes to, as imports state them (package authorities reads the files)
// and as campaigns target them. An import is one transaction, and every
// addition and change in it is an event in that transaction.
//
// Two things about an authority are learned from its mail rather than
// imported, and are written where that mail is decided (store/mail): that
// its address bounced, and the other addresses it writes from.
package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"foidesk/store"
)

// Store is the register in an open database.
type Store struct{ core *store.Store }

// New returns the register kept in st.
func New(st *store.Store) *Store { return &Store{core: st} }

// Authority is one public body in the register.
type Authority struct {
	ID     int64
	Code   string // "" when it has none
	Name   string
	Email  string // "" means missing an address: nothing is ever sent to it
	Nation string // England, Wales, Scotland, Northern Ireland, or "" when unknown
	Regime string // foia, eir, foisa or eisr
	Tags   []string
	// SharedEmail says the address is shared by design with other
	// authorities (one FOI team serving several councils).
	SharedEmail bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// AuthorityInput is one authority as an import states it. A nil field says
// nothing about that field: an existing authority keeps what it has, a new
// one gets none (Regime: the default for its nation).
type AuthorityInput struct {
	Origin string // where the row came from, "FILE:LINE"; recorded in events and errors
	Code   string // "" matches by email instead
	Name   string
	Email  *string
	Nation *string
	// Regime nil keeps an existing authority's regime unless its nation
	// changes, when (like a new authority) it gets the nation's default.
	Regime *string
	Tags   *[]string
	// SharedEmail nil keeps what an existing authority has (a new one: not
	// shared).
	SharedEmail *bool
}

// AuthorityImport is a whole input file, written in one transaction.
type AuthorityImport struct {
	Rows []AuthorityInput
	// Progress, when set, is called inside the transaction after each row is
	// written, with the number done so far. Returning an error abandons the
	// import; the interrupted-import tests use it to stop at a known point.
	Progress func(done int) error
}

// ImportResult counts what an import did.
type ImportResult struct {
	Added, Updated, Unchanged int
	// MissingEmail are the imported authorities that have no address after
	// the import, in input order.
	MissingEmail []Authority
}

// authorityDefaultRegime is the statutory default: Scottish public authorities answer
// under FOISA, the rest under FOIA. authorities.DefaultRegime states the same
// rule for input files; a test keeps the two in step.
func authorityDefaultRegime(nation string) string {
	if nation == "Scotland" {
		return "foisa"
	}
	return "foia"
}

// authorityRegimeFits reports whether regime can apply in nation: FOISA and
// EISR cover only Scottish public authorities, FOIA and EIR the others. A
// file may give a regime without a nation for an authority whose stored
// nation then contradicts it; its deadlines would be wrong.
func authorityRegimeFits(regime, nation string) bool {
	if nation == "" {
		return true
	}
	return (regime == "foisa" || regime == "eisr") == (nation == "Scotland")
}

// authorityFieldChange is one changed field in an authority.updated event.
type authorityFieldChange struct {
	From any `json:"from"`
	To   any `json:"to"`
}

// ImportAuthorities adds or updates every row in one transaction, so an
// import that fails or is killed leaves the register as it was. A row with a
// code matches the authority with that code (ignoring case); a row without
// one matches by email. Each addition or change is an event
// (authority.added, authority.updated with the changed fields), in the same
// transaction.
func (s *Store) ImportAuthorities(ctx context.Context, im AuthorityImport) (ImportResult, error) {
	var res ImportResult
	err := s.core.Tx(ctx, func(tx *sql.Tx) error {
		res = ImportResult{}
		touched := map[int64]string{}
		for i, in := range im.Rows {
			cur, err := matchAuthority(ctx, tx, in)
			if err != nil {
				return err
			}
			var a Authority
			if cur == nil {
				if a, err = s.addAuthority(ctx, tx, in); err != nil {
					return err
				}
				res.Added++
			} else {
				if prev, ok := touched[cur.ID]; ok {
					return fmt.Errorf("%s: matches the same authority (%s) as %s", in.Origin, cur.Name, prev)
				}
				changed := false
				if a, changed, err = s.updateAuthority(ctx, tx, *cur, in); err != nil {
					return err
				}
				if changed {
					res.Updated++
				} else {
					res.Unchanged++
				}
			}
			touched[a.ID] = in.Origin
			if a.Email == "" {
				res.MissingEmail = append(res.MissingEmail, a)
			}
			if im.Progress != nil {
				if err := im.Progress(i + 1); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("import authorities: %w", err)
	}
	return res, nil
}

const authorityColumns = "id, code, name, email, nation, regime, tags, email_shared, created_at, updated_at"

func matchAuthority(ctx context.Context, tx *sql.Tx, in AuthorityInput) (*Authority, error) {
	var rows *sql.Rows
	var err error
	switch {
	case in.Code != "":
		rows, err = tx.QueryContext(ctx, "SELECT "+authorityColumns+" FROM authorities WHERE code = ? COLLATE NOCASE", in.Code)
	case in.Email != nil && *in.Email != "":
		rows, err = tx.QueryContext(ctx, "SELECT "+authorityColumns+" FROM authorities WHERE lower(email) = lower(?)", *in.Email)
	default:
		return nil, fmt.Errorf("%s: an authority needs a code or an email to be matched by", in.Origin)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: look up authority: %w", in.Origin, err)
	}
	found, err := scanAuthorities(rows)
	if err != nil {
		return nil, fmt.Errorf("%s: look up authority: %w", in.Origin, err)
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return &found[0], nil
	}
	var names []string
	for _, a := range found {
		names = append(names, a.Name)
	}
	return nil, fmt.Errorf("%s: email %s belongs to %d authorities (%s); give this row a code to say which",
		in.Origin, *in.Email, len(found), strings.Join(names, "; "))
}

func (s *Store) addAuthority(ctx context.Context, tx *sql.Tx, in AuthorityInput) (Authority, error) {
	a := Authority{Code: in.Code, Name: in.Name, Tags: []string{}}
	if in.Email != nil {
		a.Email = *in.Email
	}
	if in.Nation != nil {
		a.Nation = *in.Nation
	}
	a.Regime = authorityDefaultRegime(a.Nation)
	if in.Regime != nil && *in.Regime != "" {
		a.Regime = *in.Regime
	}
	if in.Tags != nil {
		a.Tags = normalizeAuthorityTags(*in.Tags)
	}
	if in.SharedEmail != nil {
		a.SharedEmail = *in.SharedEmail
	}
	if !authorityRegimeFits(a.Regime, a.Nation) {
		return a, fmt.Errorf("%s: regime %s does not apply to %s, which is in %s", in.Origin, a.Regime, a.Name, a.Nation)
	}
	now := s.core.Now().UTC()
	a.CreatedAt, a.UpdatedAt = now, now
	tags, _ := json.Marshal(a.Tags)
	stamp := now.Format(time.RFC3339Nano)
	r, err := tx.ExecContext(ctx,
		`INSERT INTO authorities (code, name, email, nation, regime, tags, email_shared, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		authorityNull(a.Code), a.Name, authorityNull(a.Email), authorityNull(a.Nation), a.Regime, string(tags), a.SharedEmail, stamp, stamp)
	if err != nil {
		return a, fmt.Errorf("%s: add authority %s: %w", in.Origin, a.Name, err)
	}
	if a.ID, err = r.LastInsertId(); err != nil {
		return a, err
	}
	detail := map[string]any{
		"source": in.Origin, "code": authorityNull(a.Code), "name": a.Name, "email": authorityNull(a.Email),
		"nation": authorityNull(a.Nation), "regime": a.Regime, "tags": a.Tags,
	}
	if a.SharedEmail {
		detail["email_shared"] = true
	}
	return a, s.core.AppendEvent(ctx, tx, "authority.added", store.Subject{Authority: a.ID}, detail)
}

func (s *Store) updateAuthority(ctx context.Context, tx *sql.Tx, cur Authority, in AuthorityInput) (Authority, bool, error) {
	next := cur
	if in.Name != "" {
		next.Name = in.Name
	}
	if in.Email != nil {
		next.Email = *in.Email
	}
	if in.Nation != nil {
		next.Nation = *in.Nation
	}
	switch {
	case in.Regime != nil && *in.Regime != "":
		next.Regime = *in.Regime
	case next.Nation != cur.Nation:
		next.Regime = authorityDefaultRegime(next.Nation)
	}
	if in.Tags != nil {
		next.Tags = normalizeAuthorityTags(*in.Tags)
	}
	if in.SharedEmail != nil {
		next.SharedEmail = *in.SharedEmail
	}
	if !authorityRegimeFits(next.Regime, next.Nation) {
		return cur, false, fmt.Errorf("%s: regime %s does not apply to %s, which is in %s", in.Origin, next.Regime, cur.Name, next.Nation)
	}
	changes := map[string]authorityFieldChange{}
	diff := func(field, from, to string) {
		if from != to {
			changes[field] = authorityFieldChange{From: authorityNull(from), To: authorityNull(to)}
		}
	}
	diff("name", cur.Name, next.Name)
	diff("email", cur.Email, next.Email)
	diff("nation", cur.Nation, next.Nation)
	diff("regime", cur.Regime, next.Regime)
	if !slices.Equal(cur.Tags, next.Tags) {
		changes["tags"] = authorityFieldChange{From: cur.Tags, To: next.Tags}
	}
	if cur.SharedEmail != next.SharedEmail {
		changes["email_shared"] = authorityFieldChange{From: cur.SharedEmail, To: next.SharedEmail}
	}
	if len(changes) == 0 {
		return cur, false, nil
	}
	next.UpdatedAt = s.core.Now().UTC()
	tags, _ := json.Marshal(next.Tags)
	_, err := tx.ExecContext(ctx,
		`UPDATE authorities SET name = ?, email = ?, nation = ?, regime = ?, tags = ?, email_shared = ?, updated_at = ? WHERE id = ?`,
		next.Name, authorityNull(next.Email), authorityNull(next.Nation), next.Regime, string(tags), next.SharedEmail,
		next.UpdatedAt.Format(time.RFC3339Nano), cur.ID)
	if err != nil {
		return cur, false, fmt.Errorf("%s: update authority %s: %w", in.Origin, cur.Name, err)
	}
	detail := map[string]any{"source": in.Origin, "code": authorityNull(cur.Code), "changes": changes}
	if err := s.core.AppendEvent(ctx, tx, "authority.updated", store.Subject{Authority: cur.ID}, detail); err != nil {
		return cur, false, err
	}
	if cur.Email != next.Email {
		// Letters queued to the old address and not yet tried go to the
		// corrected one, in the same transaction.
		if _, err := s.core.ReaddressWaiting(ctx, tx, cur.ID); err != nil {
			return cur, false, fmt.Errorf("%s: %w", in.Origin, err)
		}
	}
	return next, true, nil
}

// normalizeAuthorityTags sorts tags and drops repeats, so the same set always
// compares and prints the same.
func normalizeAuthorityTags(tags []string) []string {
	out := slices.Clone(tags)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// AuthorityFilter selects authorities; zero fields match everything.
type AuthorityFilter struct {
	Nation       string // exact stored spelling, e.g. "Northern Ireland"
	MissingEmail bool   // only those without an address
	Tag          string // only those with this tag
	AfterID      int64  // only those with a greater id
	Limit        int    // at most this many (EachAuthority: 0 for all)
}

// Authorities lists at most f.Limit authorities of the register after
// f.AfterID, in the order they were added (by id). A limit is required:
// a caller that wants the whole register streams it with EachAuthority.
func (s *Store) Authorities(ctx context.Context, f AuthorityFilter) ([]Authority, error) {
	if f.Limit <= 0 {
		return nil, fmt.Errorf("list authorities: a limit is required (got %d); EachAuthority streams the register", f.Limit)
	}
	return s.authorities(ctx, f, f.AfterID, f.Limit)
}

// EachAuthority calls fn with every authority f selects, in the order they
// were added, from the one after f.AfterID and at most f.Limit of them (0:
// all), reading them in batches so that memory stays flat in the size of
// the register. It returns whether more follow the last one given to fn.
func (s *Store) EachAuthority(ctx context.Context, f AuthorityFilter, fn func(Authority) error) (more bool, err error) {
	fetch := func(ctx context.Context, after int64, n int) ([]Authority, error) {
		return s.authorities(ctx, f, after, n)
	}
	return store.Walk(ctx, store.Page{After: f.AfterID, Limit: f.Limit}, fetch, func(a Authority) int64 { return a.ID }, fn)
}

// authoritiesQuery selects at most n authorities f selects with an id
// above after, walking the primary key (TestAuthorityPagesQueryPlan).
func authoritiesQuery(f AuthorityFilter, after int64, n int) (string, []any) {
	var where []string
	var args []any
	if f.Nation != "" {
		where = append(where, "nation = ?")
		args = append(args, f.Nation)
	}
	if f.MissingEmail {
		where = append(where, "(email IS NULL OR email = '')")
	}
	if f.Tag != "" {
		where = append(where, "EXISTS (SELECT 1 FROM json_each(authorities.tags) WHERE value = ?)")
		args = append(args, f.Tag)
	}
	where = append(where, "id > ?")
	args = append(args, after, n)
	q := "SELECT " + authorityColumns + " FROM authorities WHERE " + strings.Join(where, " AND ") + " ORDER BY id LIMIT ?"
	return q, args
}

func (s *Store) authorities(ctx context.Context, f AuthorityFilter, after int64, n int) ([]Authority, error) {
	q, args := authoritiesQuery(f, after, n)
	rows, err := s.core.DB().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list authorities: %w", err)
	}
	out, err := scanAuthorities(rows)
	if err != nil {
		return nil, fmt.Errorf("list authorities: %w", err)
	}
	return out, nil
}

func scanAuthorities(rows *sql.Rows) ([]Authority, error) {
	defer rows.Close()
	out := []Authority{}
	for rows.Next() {
		var a Authority
		var code, email, nation sql.NullString
		var tags, created, updated string
		if err := rows.Scan(&a.ID, &code, &a.Name, &email, &nation, &a.Regime, &tags, &a.SharedEmail, &created, &updated); err != nil {
			return nil, err
		}
		a.Code, a.Email, a.Nation = code.String, email.String, nation.String
		if err := json.Unmarshal([]byte(tags), &a.Tags); err != nil {
			return nil, fmt.Errorf("authority %d: tags are not a JSON array: %w", a.ID, err)
		}
		if a.Tags == nil {
			a.Tags = []string{}
		}
		a.CreatedAt, _ = time.Parse(time.RFC3339Nano, created)
		a.UpdatedAt, _ = time.Parse(time.RFC3339Nano, updated)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// authorityNull stores "" as NULL, so "no code" and "no address" are SQL NULLs
// (many authorities may lack a code without breaking UNIQUE (code)).
func authorityNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}
