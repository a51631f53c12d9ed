package ingest

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"foidesk/ref"
	"foidesk/store/mail"
)

// Lookup is what matching needs from the store: the requests a reference,
// a Message-ID, a case reference or a sender points to.
type Lookup interface {
	RequestsByRefs(ctx context.Context, refs []string) ([]mail.RequestRef, error)
	RequestsByMessageIDs(ctx context.Context, ids []string) ([]mail.RequestRef, error)
	RequestsByCaseRefs(ctx context.Context, norms []string) ([]mail.RequestRef, error)
	OpenRequestsForSender(ctx context.Context, addr string) ([]mail.RequestRef, error)
}

// Match rules, in the order they are tried. The rule that matched is
// recorded with the message.
const (
	RulePlusAddress = "plus-address"
	RuleMessageID   = "message-id"
	RuleSubjectRef  = "subject-ref"
	RuleCaseRef     = "case-ref"
	RuleSender      = "sender"
)

// Match is the request a message answers and why foidesk thinks so. A zero
// Request.ID means unmatched.
type Match struct {
	Request mail.RequestRef
	Rule    string
	Detail  string
}

var (
	// "[ref: TOKEN]" and the forms case systems rewrite it into:
	// "(Ref: TOKEN)", "ref TOKEN", "[REF:TOKEN]", "Reference: TOKEN".
	subjectRefRe = regexp.MustCompile(`(?i)\bref(?:erence)?\s*[:#.\-]?\s*\[?\s*([0-9A-Za-z]{8})\b`)
	// "Subject:" lines of a reply forwarded inline.
	forwardedSubjectRe = regexp.MustCompile(`(?im)^[>\s]*subject\s*:\s*(.+)$`)
)

// MatchMessage applies the rules in order and returns the first that
// identifies exactly one request. A rule that finds several is ambiguous
// and the next is tried.
func MatchMessage(ctx context.Context, lk Lookup, p *Parsed) (Match, error) {
	var notes []string
	// 1. the reference token in a plus-address
	var plus []string
	for _, a := range p.Recipients {
		local, _, ok := strings.Cut(a, "@")
		if !ok {
			continue
		}
		if i := strings.LastIndexByte(local, '+'); i >= 0 {
			plus = append(plus, local[i+1:])
		}
	}
	if m, note, err := matchTokens(ctx, lk, plus, RulePlusAddress); err != nil || m.Request.ID != 0 {
		return m, err
	} else if note != "" {
		notes = append(notes, note)
	}

	// 2. In-Reply-To / References (and those of a forwarded or bounced original)
	ids := append(append([]string{}, p.InReplyTo...), p.References...)
	for _, e := range p.Embedded {
		if e.MessageID != "" {
			ids = append(ids, e.MessageID)
		}
		ids = append(ids, e.InReplyTo...)
		ids = append(ids, e.References...)
	}
	ids = dedupe(ids)
	if len(ids) > 0 {
		reqs, err := lk.RequestsByMessageIDs(ctx, ids)
		if err != nil {
			return Match{}, err
		}
		if len(reqs) == 1 {
			return Match{Request: reqs[0], Rule: RuleMessageID, Detail: "<" + findMsgID(ids, reqs[0]) + ">"}, nil
		}
		if len(reqs) > 1 {
			notes = append(notes, fmt.Sprintf("message-id: %d requests", len(reqs)))
		} else {
			// Our Message-IDs start with the token; a truncated or rewritten
			// one may still carry it.
			var toks []string
			for _, id := range ids {
				if tok, _, ok := strings.Cut(id, "."); ok && len(tok) == ref.Len && ref.Valid(tok) {
					toks = append(toks, tok)
				}
			}
			if m, note, err := matchTokens(ctx, lk, toks, RuleMessageID); err != nil || m.Request.ID != 0 {
				return m, err
			} else if note != "" {
				notes = append(notes, note)
			}
		}
	}

	// 3. [ref: TOKEN] in the subject (and in forwarded subjects)
	subjects := []string{p.Subject}
	for _, e := range p.Embedded {
		subjects = append(subjects, e.Subject)
	}
	for _, m := range forwardedSubjectRe.FindAllStringSubmatch(head(p.Text, 64<<10), 20) {
		subjects = append(subjects, m[1])
	}
	var toks []string
	for _, s := range subjects {
		for _, m := range subjectRefRe.FindAllStringSubmatch(s, 10) {
			toks = append(toks, m[1])
		}
	}
	if m, note, err := matchTokens(ctx, lk, toks, RuleSubjectRef); err != nil || m.Request.ID != 0 {
		return m, err
	} else if note != "" {
		notes = append(notes, note)
	}

	// 4. the authority's own case reference, learned from its acknowledgement
	if refs := CaseRefs(p.Subject + "\n" + head(p.Text, 64<<10)); len(refs) > 0 {
		norms := make([]string, len(refs))
		for i, r := range refs {
			norms[i] = mail.NormalizeCaseRef(r)
		}
		reqs, err := lk.RequestsByCaseRefs(ctx, dedupe(norms))
		if err != nil {
			return Match{}, err
		}
		if len(reqs) == 1 {
			return Match{Request: reqs[0], Rule: RuleCaseRef, Detail: strings.Join(refs, ", ")}, nil
		}
		if len(reqs) > 1 {
			notes = append(notes, fmt.Sprintf("case-ref: %d requests", len(reqs)))
		}
	}

	// 5. the sender, known for an authority with exactly one open request
	senders := []string{p.From}
	for _, e := range p.Embedded {
		senders = append(senders, strings.ToLower(e.From))
	}
	for _, s := range dedupe(senders) {
		if s == "" {
			continue
		}
		reqs, err := lk.OpenRequestsForSender(ctx, s)
		if err != nil {
			return Match{}, err
		}
		if len(reqs) == 1 {
			return Match{Request: reqs[0], Rule: RuleSender, Detail: s}, nil
		}
		if len(reqs) > 1 {
			notes = append(notes, fmt.Sprintf("sender %s: %d open requests", s, len(reqs)))
		}
	}
	return Match{Detail: strings.Join(notes, "; ")}, nil
}

// matchTokens looks reference tokens up: a token with a good check symbol
// must be known exactly; one with a bad check symbol is accepted when
// exactly one of its one-typo corrections is a known request.
func matchTokens(ctx context.Context, lk Lookup, toks []string, rule string) (Match, string, error) {
	var exact []string
	fixes := map[string]string{} // candidate -> what was written
	for _, t := range dedupe(toks) {
		n := ref.Normalize(t)
		if len(n) != ref.Len {
			continue
		}
		if ref.Valid(n) {
			exact = append(exact, n)
			continue
		}
		for _, c := range ref.Candidates(n) {
			fixes[c] = t
		}
	}
	if len(exact) > 0 {
		reqs, err := lk.RequestsByRefs(ctx, exact)
		if err != nil {
			return Match{}, "", err
		}
		if len(reqs) == 1 {
			return Match{Request: reqs[0], Rule: rule, Detail: reqs[0].Ref}, "", nil
		}
		if len(reqs) > 1 {
			return Match{}, fmt.Sprintf("%s: %d requests", rule, len(reqs)), nil
		}
	}
	if len(fixes) > 0 {
		cands := make([]string, 0, len(fixes))
		for c := range fixes {
			cands = append(cands, c)
		}
		reqs, err := lk.RequestsByRefs(ctx, cands)
		if err != nil {
			return Match{}, "", err
		}
		if len(reqs) == 1 {
			return Match{Request: reqs[0], Rule: rule, Detail: fmt.Sprintf("%s (written %s: one character corrected)", reqs[0].Ref, fixes[reqs[0].Ref])}, "", nil
		}
		if len(reqs) > 1 {
			return Match{}, fmt.Sprintf("%s: typo fits %d requests", rule, len(reqs)), nil
		}
	}
	return Match{}, "", nil
}

func findMsgID(ids []string, r mail.RequestRef) string {
	for _, id := range ids {
		if strings.HasPrefix(id, r.Ref) {
			return id
		}
	}
	return ids[0]
}

func dedupe(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func head(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

var caseRefRes = []*regexp.Regexp{
	// "Our ref: FOI/12345", "Your reference number is EIR-2024-001", "Case number: 12345"
	regexp.MustCompile(`(?i)\b(?:our|case|request|foi|eir|foisa|tracking|reference)\s*(?:ref(?:erence)?|no|number|id)?\.?\s*(?:number|no\.?)?\s*(?:is|:|#)\s*:?\s*([A-Za-z0-9][A-Za-z0-9/_.\-]{2,30})`),
	// bare "FOI/12345", "FOI 2024/123", "EIR-12345", "IR-123456"
	regexp.MustCompile(`\b((?:FOI|FOIR|FOISA|EIR|EIRR|IR|CAS|REQ)[/\- ]?\d[\d/\-]{2,20})\b`),
}

// CaseRefs finds an authority's own case references in text: what
// acknowledgements carry and later replies quote. Our own reference tokens
// are not case references.
func CaseRefs(text string) []string {
	var out []string
	for _, re := range caseRefRes {
		for _, m := range re.FindAllStringSubmatch(text, 20) {
			r := strings.TrimRight(strings.TrimSpace(m[1]), ".,;:-/")
			if len(r) < 4 || !strings.ContainsAny(r, "0123456789") {
				continue
			}
			if len(r) == ref.Len && ref.Valid(r) {
				continue
			}
			out = append(out, r)
		}
	}
	return dedupe(out)
}
