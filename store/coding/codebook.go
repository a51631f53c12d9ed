package coding

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"foidesk/store"
)

// Choice says how many labels one coding may carry.
const (
	Single   = "single"   // exactly one label
	Multiple = "multiple" // one or more
)

// Label is one code a reviewer may give a document.
type Label struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Key         string `json:"key,omitempty"` // keyboard shortcut: one letter or digit
}

// Rule suggests Label when every one of its Keywords occurs in a
// document's text (without regard to case, each at the start of a word,
// a space matching any run of white space).
type Rule struct {
	Keywords []string `json:"keywords"`
	Label    string   `json:"label"`
}

// Codebook is how a campaign's documents are coded: its labels in order,
// whether a coding takes one or several, the keywords highlighted for
// reviewers, the keyword rules that suggest a label, and whether each
// document is coded independently by two reviewers.
type Codebook struct {
	Choice       string   `json:"choice"`
	DoubleCoding bool     `json:"double_coding"`
	Labels       []Label  `json:"labels"`
	Keywords     []string `json:"keywords,omitempty"`
	Rules        []Rule   `json:"rules,omitempty"`
}

// ReservedKeys are the review page's own shortcuts, which no label may
// take: s skips the document, n goes to the notes, a applies the coding
// of the same model policy.
var ReservedKeys = map[string]string{"s": "skip", "n": "notes", "a": "apply the same model policy's coding"}

var (
	labelName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)
	keyChar   = regexp.MustCompile(`^[a-z0-9]$`)
)

// Problem is one thing wrong with a codebook: Where names the part
// ("label 3", "rule 2", "choice"), Field the key within it.
type Problem struct {
	Where string // "" for the whole codebook; "label N" or "rule N", from 1
	Field string
	Msg   string
}

func (p Problem) Error() string {
	if p.Where == "" {
		return p.Msg
	}
	return p.Where + ": " + p.Msg
}

// Invalid is every problem of a codebook that was refused.
type Invalid []Problem

func (e Invalid) Error() string {
	var parts []string
	for _, p := range e {
		parts = append(parts, p.Error())
	}
	return "invalid codebook: " + strings.Join(parts, "; ")
}

// Validate lists what is wrong with cb: no labels, a label name that is
// not a short lower-case word, duplicate labels, a shortcut that is
// not one letter or digit, duplicate or reserved shortcuts, a rule
// without keywords or naming an unknown label.
func (cb Codebook) Validate() Invalid {
	var out Invalid
	add := func(where, field, format string, args ...any) {
		out = append(out, Problem{Where: where, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if cb.Choice != Single && cb.Choice != Multiple {
		add("", "choice", "choice must be %q or %q, not %q", Single, Multiple, cb.Choice)
	}
	if len(cb.Labels) == 0 {
		add("", "label", "a codebook needs at least one label")
	}
	names := map[string]int{}
	keys := map[string]string{}
	for i, l := range cb.Labels {
		where := fmt.Sprintf("label %d", i+1)
		switch {
		case !labelName.MatchString(l.Name):
			add(where, "name", "label name %q must be 1 to 40 lower-case letters, digits and hyphens", l.Name)
		case names[l.Name] != 0:
			add(where, "name", "duplicate label %q (also label %d)", l.Name, names[l.Name])
		default:
			names[l.Name] = i + 1
		}
		if l.Key == "" {
			continue
		}
		switch k := strings.ToLower(l.Key); {
		case ReservedKeys[k] != "":
			add(where, "key", "shortcut %q is reserved by the review page (%s)", l.Key, ReservedKeys[k])
		case !keyChar.MatchString(k):
			add(where, "key", "shortcut %q must be one letter or digit", l.Key)
		case keys[k] != "":
			add(where, "key", "duplicate shortcut %q (also %s)", l.Key, keys[k])
		default:
			keys[k] = fmt.Sprintf("label %q", l.Name)
		}
	}
	for i, r := range cb.Rules {
		where := fmt.Sprintf("rule %d", i+1)
		if len(r.Keywords) == 0 || strings.TrimSpace(strings.Join(r.Keywords, "")) == "" {
			add(where, "keywords", "a rule needs at least one keyword")
		}
		if names[r.Label] == 0 {
			add(where, "label", "rule names unknown label %q", r.Label)
		}
	}
	return out
}

// Label returns the label named name.
func (cb Codebook) Label(name string) (Label, bool) {
	for _, l := range cb.Labels {
		if l.Name == name {
			return l, true
		}
	}
	return Label{}, false
}

// Required is how many reviewers code each document: 2 with double
// coding, else 1.
func (cb Codebook) Required() int {
	if cb.DoubleCoding {
		return 2
	}
	return 1
}

// Default is the codebook of a campaign that has none: the
// recording-policy survey's.
func Default() Codebook {
	return Codebook{
		Choice: Single,
		Labels: []Label{
			{"no-policy", "The authority has no policy on recording meetings.", "1"},
			{"permits-recording", "The policy lets parents record, openly.", "2"},
			{"consent-required", "Recording only with the social worker's or the authority's consent.", "3"},
			{"prohibits-recording", "The policy forbids recording.", "4"},
			{"not-held", "The authority says it holds no such information.", "5"},
			{"refused", "The request was refused (an exemption or the cost limit).", "6"},
			{"published-elsewhere", "The answer points to where the policy is already published.", "7"},
			{"unclear", "None of the above, or cannot tell.", "8"},
		},
		Keywords: []string{"record", "recording", "covert", "overt", "consent", "permission", "prohibit", "not permitted",
			"mobile phone", "device", "data protection"},
		Rules: []Rule{
			{[]string{"not permitted", "record"}, "prohibits-recording"},
			{[]string{"prohibit", "record"}, "prohibits-recording"},
			{[]string{"consent", "record"}, "consent-required"},
			{[]string{"permission", "record"}, "consent-required"},
			{[]string{"may record"}, "permits-recording"},
			{[]string{"not held"}, "not-held"},
			{[]string{"section 12"}, "refused"},
			{[]string{"reasonably accessible"}, "published-elsewhere"},
		},
	}
}

// Suggestion is the label a keyword rule suggests for a text.
type Suggestion struct {
	Label    string
	Rule     int // from 1, in the codebook's order
	Keywords []string
}

// Suggest applies the rules in order and returns the first that fires.
func (cb Codebook) Suggest(text string) (Suggestion, bool) {
	for i, r := range cb.Rules {
		all := len(r.Keywords) > 0
		for _, k := range r.Keywords {
			if !keywordPattern(k).MatchString(text) {
				all = false
				break
			}
		}
		if all {
			return Suggestion{Label: r.Label, Rule: i + 1, Keywords: r.Keywords}, true
		}
	}
	return Suggestion{}, false
}

// keywordPattern matches k as the review page's highlighter does.
func keywordPattern(k string) *regexp.Regexp {
	words := strings.Fields(k)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(`(?i)\b` + strings.Join(words, `\s+`))
}

// Codebook is campaign's codebook: its own, or Default.
func (s *Store) Codebook(ctx context.Context, campaignID int64) (Codebook, error) {
	return codebook(ctx, s.core.DB(), campaignID)
}

func codebook(ctx context.Context, q store.Querier, campaignID int64) (Codebook, error) {
	var spec string
	var double bool
	err := q.QueryRowContext(ctx, `SELECT spec, double_coding FROM codebooks WHERE campaign_id = ?`, campaignID).Scan(&spec, &double)
	if errors.Is(err, sql.ErrNoRows) {
		return Default(), nil
	}
	if err != nil {
		return Codebook{}, fmt.Errorf("read codebook of campaign %d: %w", campaignID, err)
	}
	var cb Codebook
	if err := json.Unmarshal([]byte(spec), &cb); err != nil {
		return Codebook{}, fmt.Errorf("stored codebook of campaign %d: %w", campaignID, err)
	}
	cb.DoubleCoding = double
	return cb, nil
}

// SetCodebook replaces campaign's codebook after validating it (an
// Invalid error lists every problem). A label that current codings use
// cannot be removed. by names who set it, for the event.
func (s *Store) SetCodebook(ctx context.Context, campaignID int64, cb Codebook, by string) error {
	if bad := cb.Validate(); len(bad) > 0 {
		return bad
	}
	for i := range cb.Labels {
		cb.Labels[i].Key = strings.ToLower(cb.Labels[i].Key)
	}
	return s.core.Tx(ctx, func(tx *sql.Tx) error {
		old, err := codebook(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		used, err := labelsInUse(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		var bad Invalid
		for _, name := range used {
			if _, ok := cb.Label(name); !ok {
				bad = append(bad, Problem{Field: "label", Msg: fmt.Sprintf("label %q is used by codings of this campaign and cannot be removed", name)})
			}
		}
		if len(bad) > 0 {
			return bad
		}
		spec, err := json.Marshal(cb)
		if err != nil {
			return err
		}
		now := s.core.Now().UTC().Format(time.RFC3339Nano)
		if _, err := tx.ExecContext(ctx, `INSERT INTO codebooks (campaign_id, spec, double_coding, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (campaign_id) DO UPDATE SET spec = excluded.spec, double_coding = excluded.double_coding, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			campaignID, string(spec), cb.DoubleCoding, by, now); err != nil {
			return fmt.Errorf("save codebook of campaign %d: %w", campaignID, err)
		}
		if err := s.core.AppendEvent(ctx, tx, "codebook.set", store.Subject{}, map[string]any{
			"campaign_id": campaignID, "by": by, "codebook": cb, "previous": old}); err != nil {
			return err
		}
		if old.DoubleCoding == cb.DoubleCoding {
			return nil
		}
		return s.resettle(ctx, tx, campaignID, cb)
	})
}

// resettle judges again, after double coding was turned on or off, every
// entry of the campaign that has codings: one coded once goes back to
// the queue for a second coder, or is settled by its one coding.
func (s *Store) resettle(ctx context.Context, tx *sql.Tx, campaignID int64, cb Codebook) error {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT review_id FROM codings WHERE campaign_id = ? AND current = 1 ORDER BY review_id`, campaignID)
	if err != nil {
		return fmt.Errorf("entries to settle again: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		e, err := loadEntry(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := s.settle(ctx, tx, e, cb); err != nil {
			return err
		}
	}
	return nil
}

// labelsInUse lists the labels of a campaign's current codings.
func labelsInUse(ctx context.Context, q store.Querier, campaignID int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT j.value FROM codings c, json_each(c.labels) j WHERE c.campaign_id = ? AND c.current = 1 ORDER BY 1`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("labels in use: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
