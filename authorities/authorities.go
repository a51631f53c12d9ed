// Package authorities reads the authority register's input formats: the
// simple CSV a user writes by hand (name, email, code, nation, regime, tags)
// and mySociety's "UK Local Authority Names and Codes" CSV, of which an
// embedded copy is shipped. It validates every row before anything is
// written, so an import either goes in whole or not at all, and reports each
// problem as FILE:LINE: reason with the physical line of the file. It holds no
// SQL: the store writes what it returns.
package authorities

import (
	"errors"
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"unicode/utf8"
)

// Row is one authority as an input file describes it. A nil pointer means
// the file says nothing about that field, so an existing authority keeps
// what it has: a mySociety row without an address must not erase one a user
// attached earlier.
type Row struct {
	Line   int    // physical line of the file where the record starts
	Code   string // "" when the file gives none: the authority is matched by email
	Name   string
	Email  *string   // nil: not given (a new authority has no address)
	Nation *string   // nil: not given
	Regime *string   // nil: the default for the nation (Scotland: foisa, else foia)
	Tags   *[]string // nil: not given; empty: no tags
	// Shared says the address is shared by design with other authorities
	// (one FOI team serving several councils); nil: not given.
	Shared *bool
}

// Problem is one thing wrong with an input file, at a line of it.
type Problem struct {
	File string
	Line int
	Msg  string
}

func (p Problem) String() string {
	if p.Line == 0 {
		return fmt.Sprintf("%s: %s", p.File, p.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
}

// Format names an input format.
type Format string

const (
	FormatSimple    Format = "simple"    // name,email[,code,nation,regime,tags]
	FormatMySociety Format = "mysociety" // UK Local Authority Names and Codes
)

// Import is a parsed input file. Rows is usable only when Problems is empty.
type Import struct {
	File     string
	Format   Format
	Rows     []Row
	Problems []Problem // each makes the whole import fail
	Warnings []Problem // worth reading, but the import goes ahead
	Notes    []string  // rows deliberately left out, and why
}

func (im *Import) problem(line int, format string, a ...any) {
	im.Problems = append(im.Problems, Problem{File: im.File, Line: line, Msg: fmt.Sprintf(format, a...)})
}

func (im *Import) warn(line int, format string, a ...any) {
	im.Warnings = append(im.Warnings, Problem{File: im.File, Line: line, Msg: fmt.Sprintf(format, a...)})
}

// Nations are the values the nation field takes, spelled as stored.
var Nations = []string{"England", "Wales", "Scotland", "Northern Ireland"}

// Regimes are the access-to-information regimes: the Freedom of Information
// Act 2000 and the Environmental Information Regulations 2004 (England, Wales,
// Northern Ireland), and their Scottish counterparts FOISA 2002 and EISR 2004.
var Regimes = []string{"foia", "eir", "foisa", "eisr"}

// NormalizeNation returns the stored spelling of nation, matched without
// regard to case or repeated spaces, and whether it is one of Nations.
func NormalizeNation(nation string) (string, bool) {
	n := strings.Join(strings.Fields(nation), " ")
	for _, v := range Nations {
		if strings.EqualFold(n, v) {
			return v, true
		}
	}
	return "", false
}

// NormalizeRegime returns regime in lower case and whether it is one of Regimes.
func NormalizeRegime(regime string) (string, bool) {
	r := strings.ToLower(strings.TrimSpace(regime))
	for _, v := range Regimes {
		if r == v {
			return v, true
		}
	}
	return "", false
}

// DefaultRegime is the regime an authority in nation answers under unless
// told otherwise: Scottish public authorities under FOISA, the rest under
// FOIA. An unknown nation ("") gets FOIA.
func DefaultRegime(nation string) string {
	if nation == "Scotland" {
		return "foisa"
	}
	return "foia"
}

// regimeFits reports whether regime can apply in nation: FOISA and EISR cover
// only Scottish public authorities, FOIA and EIR the others. The deadline
// rules differ, so a mismatch would put a wrong date on every request.
func regimeFits(regime, nation string) bool {
	if nation == "" {
		return true
	}
	scottish := regime == "foisa" || regime == "eisr"
	return scottish == (nation == "Scotland")
}

// checkEmail accepts a bare address (foi@council.gov.uk) as net/mail parses
// it, with a dot in the domain; a display name, angle brackets, a comment or
// a list of addresses are refused, since the cell must be exactly where
// letters go.
func checkEmail(v string) error {
	a, err := mail.ParseAddress(v)
	if err != nil {
		return fmt.Errorf("email %q is not a valid address: %s", v, addressProblem(v, err))
	}
	if a.Address != v {
		return fmt.Errorf("email %q must be a bare address such as foi@council.gov.uk, without a name or brackets", v)
	}
	_, domain, _ := strings.Cut(v, "@")
	if !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") || strings.HasPrefix(domain, ".") {
		return fmt.Errorf("email %q has no full domain after the @", v)
	}
	return nil
}

// MaxCodeLen is the longest authority code accepted.
const MaxCodeLen = 32

// CheckCode says what is wrong with an authority code, nil when nothing:
// 1 to MaxCodeLen ASCII letters, digits, '-', '_' and '.', not starting
// with '.'. Codes name authorities in listings, file names (one letter per
// authority in 'campaign preview') and scripts, so a path separator, '..',
// white space or a control character has no place in one.
func CheckCode(code string) error {
	if code == "" {
		return errors.New("code is empty")
	}
	if len(code) > MaxCodeLen {
		return fmt.Errorf("code %q is %d characters long; a code has at most %d", truncate(code, MaxCodeLen), len(code), MaxCodeLen)
	}
	if code[0] == '.' {
		return fmt.Errorf("code %q starts with '.'; a code starts with a letter, digit, '-' or '_'", code)
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' {
			continue
		}
		r, _ := utf8.DecodeRuneInString(code[i:])
		return fmt.Errorf("code %q contains %q; a code has only the letters A-Z and a-z, digits, '-', '_' and '.'", code, r)
	}
	return nil
}

// truncate shortens s to n bytes plus an ellipsis, for quoting a long value.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// dupes finds repeated codes and addresses inside one file, compared
// without regard to case, remembering the lines each was seen on. An
// address may repeat only on rows that all say it is shared.
type dupes struct {
	codes  map[string]int
	emails map[string][]emailUse
}

type emailUse struct {
	line   int
	shared bool
}

func newDupes() *dupes { return &dupes{codes: map[string]int{}, emails: map[string][]emailUse{}} }

func (d *dupes) check(im *Import, codeLine, emailLine int, code string, email *string, shared bool) {
	if code != "" {
		k := strings.ToLower(code)
		if first, ok := d.codes[k]; ok {
			im.problem(codeLine, "code %q is already used on line %d", code, first)
		} else {
			d.codes[k] = codeLine
		}
	}
	if email != nil && *email != "" {
		k := strings.ToLower(*email)
		uses := d.emails[k]
		for _, u := range uses {
			if !shared || !u.shared {
				im.problem(emailLine, "email %q is already used on line %d; if one FOI team answers for both, mark both rows shared", *email, u.line)
				return
			}
		}
		d.emails[k] = append(uses, emailUse{line: emailLine, shared: shared})
	}
}

// ParseShared reads a shared cell: yes, true or 1 mark the address as
// shared; no, false, 0 or an empty cell do not.
func ParseShared(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "true", "1", "y":
		return true, nil
	case "no", "false", "0", "n", "":
		return false, nil
	}
	return false, fmt.Errorf("shared %q is not one of yes, no, true, false, 1, 0", v)
}

// byLine orders problems by line, keeping the order of those on one line:
// structural faults are found while reading, field faults afterwards.
func byLine(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
}

func ptr[T any](v T) *T { return &v }
