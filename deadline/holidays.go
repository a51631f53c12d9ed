package deadline

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// The embedded feed is GOV.UK's bank holidays
// (https://www.gov.uk/bank-holidays.json), 2012-2028, Crown copyright,
// published under the Open Government Licence v3.0
// (https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/).
// See data/README.md.
//
//go:embed data/uk_bank_holidays.json
var embeddedFeed []byte

// Source says where a holiday came from.
type Source uint8

const (
	SourceGovUK Source = iota // the embedded GOV.UK feed
	SourceFile                // the user's holidays file
	SourceRules               // the standing rules, for a year no data covers
)

// String returns "gov.uk", "file" or "rules".
func (s Source) String() string {
	switch s {
	case SourceFile:
		return "file"
	case SourceRules:
		return "rules"
	}
	return "gov.uk"
}

// Holiday is one bank holiday in one nation.
type Holiday struct {
	Date   Date
	Nation Nation
	Title  string // as published, with typographic apostrophes made plain
	Notes  string // e.g. "Substitute day"
	Source Source
}

// Label is the title with its notes, e.g. "Boxing Day (substitute day)".
func (h Holiday) Label() string {
	if h.Notes == "" {
		return h.Title
	}
	return h.Title + " (" + strings.ToLower(h.Notes) + ")"
}

func sortHolidays(hs []Holiday) {
	slices.SortFunc(hs, func(a, b Holiday) int { return int(a.Date) - int(b.Date) })
}

// Holidays is a set of bank holidays per nation. Each year of each nation
// is either covered by data (a whole year from the GOV.UK feed or a user
// file) or left to the standing rules, perhaps with a user file's days
// added. It is immutable once built and safe for concurrent use.
type Holidays struct {
	// years[n][y] holds nation n's holidays in year y, sorted; a year
	// present here is covered by data.
	years [numNations]map[int][]Holiday
	// added[n][y] holds, for a year no data covers whole, the standing
	// rules' days with a user file's days added, sorted. The year is still
	// predicted: only the file's days are known.
	added   [numNations]map[int][]Holiday
	removed []Holiday // days whole-year replacements left out, for messages
	files   []string  // user files merged in, for messages
}

// Covers reports whether data (not the standing rules) gives nation n's
// holidays for year y: the embedded feed, or a whole year in a user file.
func (h *Holidays) Covers(n Nation, y int) bool {
	_, ok := h.years[n][y]
	return ok
}

// Year returns nation n's holidays in year y, sorted by date, from the data
// if it covers the year and from the standing rules (with any days a user
// file added) otherwise; predicted reports the latter. Each day's Source
// says where it came from. The slice must not be modified.
func (h *Holidays) Year(n Nation, y int) (hs []Holiday, predicted bool) {
	if hs, ok := h.years[n][y]; ok {
		return hs, false
	}
	if hs, ok := h.added[n][y]; ok {
		return hs, true
	}
	return RuleHolidays(n, y), true
}

// Lookup returns nation n's bank holiday on d, if any.
func (h *Holidays) Lookup(n Nation, d Date) (Holiday, bool) {
	hs, _ := h.Year(n, d.Year())
	for _, x := range hs {
		if x.Date == d {
			return x, true
		}
	}
	return Holiday{}, false
}

// CoveredYears returns the first and last year the data covers for every
// nation in ns (0, 0 if none). Years inside may still have gaps; use Covers.
func (h *Holidays) CoveredYears(ns ...Nation) (first, last int) {
	for i, n := range ns {
		lo, hi := 0, 0
		for y := range h.years[n] {
			if lo == 0 || y < lo {
				lo = y
			}
			hi = max(hi, y)
		}
		if i == 0 || lo > first {
			first = lo
		}
		if i == 0 || hi < last {
			last = hi
		}
	}
	return first, last
}

// Removed returns the days that merging user files took away: days the set
// had before a merge (from the feed, the rules or an earlier file) on dates
// that a whole year in the file leaves out, in merge order. Each is no
// longer a bank holiday in its nation. A caller should show them, since a
// stale file would remove a holiday proclaimed after it was written.
func (h *Holidays) Removed() []Holiday { return slices.Clone(h.removed) }

// A user file's list of one nation's days in one year is either a whole
// year, which replaces that year, or additions to it. A list is a whole
// year when it holds both of the days that open and close every year
// GOV.UK publishes: the year's New Year bank holiday (1 January, or the
// Monday after when it falls at a weekend; in Scotland that Monday may be
// the 2nd January holiday, New Year's Day's substitute then being Tuesday)
// and its Christmas Day bank holiday (25 December, or 27 December when it
// falls at a weekend). A newly proclaimed one-off is neither, so a file
// naming just that day adds it; a whole GOV.UK feed dropped in as the file
// replaces every year it lists, so a holiday it moves leaves its old date.

// newYearHoliday is year y's first weekday, a New Year bank holiday in
// every nation.
func newYearHoliday(y int) Date {
	d := NewDate(y, time.January, 1)
	for d.IsWeekend() {
		d++
	}
	return d
}

// christmasHoliday is the date of year y's Christmas Day bank holiday, in
// every nation: a Saturday's goes to Monday 27 (Boxing Day to Tuesday), a
// Sunday's to Tuesday 27 (Boxing Day keeps Monday).
func christmasHoliday(y int) Date {
	d := NewDate(y, time.December, 25)
	if d.IsWeekend() {
		d = NewDate(y, time.December, 27)
	}
	return d
}

// wholeYear reports whether hs, one nation's days in year y, is a whole
// year: it lists the year's New Year and Christmas Day bank holidays.
func wholeYear(y int, hs []Holiday) bool {
	ny, xmas := newYearHoliday(y), christmasHoliday(y)
	has := func(d Date) bool { return slices.ContainsFunc(hs, func(x Holiday) bool { return x.Date == d }) }
	return has(ny) && has(xmas)
}

// addDays returns base with add's days added, sorted; a day of add on a
// date base already has replaces it.
func addDays(base, add []Holiday) []Holiday {
	out := make([]Holiday, 0, len(base)+len(add))
	for _, x := range base {
		if !slices.ContainsFunc(add, func(a Holiday) bool { return a.Date == x.Date }) {
			out = append(out, x)
		}
	}
	out = append(out, add...)
	sortHolidays(out)
	return out
}

// Merge returns a new set: h with the user's holidays u applied, one nation
// and year at a time (see ParseHolidays for which lists are whole years):
//
//   - A whole year in u replaces that year entirely, whatever h had for it
//     (feed, rules or an earlier file): a day h had that u leaves out
//     becomes a working day (see Removed), so a holiday GOV.UK has moved is
//     kept only on its new date. The year is then covered by data.
//   - Any other list adds its days to the year: a day on a date h already
//     has replaces it (title and notes), and nothing is removed. In a year h
//     covers, the year stays covered; in a year it does not, the standing
//     rules' days are kept alongside and the year stays predicted, since
//     only the file's days are known.
//
// Merging several files applies them in order; a later whole year wins.
func (h *Holidays) Merge(u *Holidays) *Holidays {
	out := &Holidays{
		files:   append(slices.Clone(h.files), u.files...),
		removed: slices.Clone(h.removed),
	}
	for n := range numNations {
		out.years[n] = maps.Clone(h.years[n])
		out.added[n] = maps.Clone(h.added[n])
		if out.years[n] == nil {
			out.years[n] = map[int][]Holiday{}
		}
		if out.added[n] == nil {
			out.added[n] = map[int][]Holiday{}
		}
		for _, y := range slices.Sorted(maps.Keys(u.years[n])) {
			whole := u.years[n][y]
			old, _ := h.Year(Nation(n), y)
			for _, x := range old {
				if !slices.ContainsFunc(whole, func(w Holiday) bool { return w.Date == x.Date }) {
					out.removed = append(out.removed, x)
				}
			}
			out.years[n][y] = whole
			delete(out.added[n], y)
		}
		for y, hs := range u.added[n] {
			own := slices.DeleteFunc(slices.Clone(hs), func(x Holiday) bool { return x.Source == SourceRules })
			if base, ok := out.years[n][y]; ok {
				out.years[n][y] = addDays(base, own)
				continue
			}
			base, _ := out.Year(Nation(n), y)
			out.added[n][y] = addDays(base, own)
		}
	}
	return out
}

var embedded = sync.OnceValue(func() *Holidays {
	h, err := parseFeed("embedded GOV.UK feed", embeddedFeed, SourceGovUK)
	if err != nil {
		panic("deadline: " + err.Error()) // caught by the package tests
	}
	return h
})

// EmbeddedHolidays returns the GOV.UK feed compiled into foidesk. It is
// parsed once and shared.
func EmbeddedHolidays() *Holidays { return embedded() }

// ParseHolidays reads a holidays file in GOV.UK's bank-holidays.json format:
//
//	{"scotland": {"division": "scotland", "events": [
//	    {"title": "World Cup bank holiday", "date": "2026-06-15", "notes": "", "bunting": true}]}}
//
// Any of the three divisions may be given, each with any years. Each
// division's days in one year are either a whole year, when they include
// that year's New Year bank holiday (its first weekday: 1 January, or the
// Monday after when it falls at a weekend) and its Christmas Day one (25
// December, or 27 December when it falls at a weekend), or additions; Merge
// replaces a whole year and adds additions. So a file holding just a newly
// proclaimed day adds it, and a whole GOV.UK feed replaces the years it
// lists, moved holidays included. On its own, the result covers the whole
// years and gives the standing rules plus the file's days for the others.
//
// name is used in errors, which
// say what is wrong and on which line: a syntax error, an unknown division,
// a missing or impossible date, a day listed twice, a weekend date (almost
// certainly a typo, since it would change nothing), or a file with no
// holidays at all. A bad file is never partly used.
func ParseHolidays(name string, data []byte) (*Holidays, error) {
	h, err := parseFeed(name, data, SourceFile)
	if err != nil {
		return nil, err
	}
	h.files = []string{name}
	for n := range numNations {
		h.added[n] = map[int][]Holiday{}
		for y, hs := range h.years[n] {
			if !wholeYear(y, hs) {
				h.added[n][y] = addDays(RuleHolidays(Nation(n), y), hs)
				delete(h.years[n], y)
			}
		}
	}
	return h, nil
}

// feedEvent is one GOV.UK event. Pointers tell a missing field from an
// empty one. Unknown fields are allowed: GOV.UK may add some.
type feedEvent struct {
	Title   *string `json:"title"`
	Date    *string `json:"date"`
	Notes   *string `json:"notes"`
	Bunting *bool   `json:"bunting"`
}

// feedParser walks the feed token by token so that every error can name
// the line it is on.
type feedParser struct {
	name string
	data []byte
	dec  *json.Decoder
}

func (p *feedParser) line(off int64) int {
	i := int(off)
	for i < len(p.data) && strings.IndexByte(" \t\r\n,:", p.data[i]) >= 0 {
		i++
	}
	return bytes.Count(p.data[:min(i, len(p.data))], []byte("\n")) + 1
}

func (p *feedParser) errAt(off int64, format string, a ...any) error {
	return fmt.Errorf("%s:%d: %s", p.name, p.line(off), fmt.Sprintf(format, a...))
}

// jsonErr turns a decoder error into one with a line.
func (p *feedParser) jsonErr(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return p.errAt(syn.Offset-1, "not valid JSON: %v", syn)
	case errors.As(err, &typ):
		return p.errAt(typ.Offset-1, "%q must be a JSON %s, not %s", typ.Field, jsonKind(typ.Type.String()), typ.Value)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: not valid JSON: unexpected end of file", p.name)
	}
	return p.errAt(p.dec.InputOffset(), "%v", err)
}

func jsonKind(goType string) string {
	switch goType {
	case "string":
		return "string"
	case "bool":
		return "boolean (true or false)"
	}
	return goType
}

func (p *feedParser) delim(want json.Delim, what string) error {
	off := p.dec.InputOffset()
	tok, err := p.dec.Token()
	if err != nil {
		return p.jsonErr(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return p.errAt(off, "%s must be a JSON %s", what, map[json.Delim]string{'{': "object", '[': "array"}[want])
	}
	return nil
}

func (p *feedParser) key() (string, int64, error) {
	off := p.dec.InputOffset()
	tok, err := p.dec.Token()
	if err != nil {
		return "", off, p.jsonErr(err)
	}
	return tok.(string), off, nil // inside an object the decoder only yields string keys
}

func parseFeed(name string, data []byte, src Source) (*Holidays, error) {
	p := &feedParser{name: name, data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	h := &Holidays{}
	for n := range numNations {
		h.years[n] = map[int][]Holiday{}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: the file is empty; expected GOV.UK bank-holidays JSON", name)
	}
	if err := p.delim('{', "the file"); err != nil {
		return nil, err
	}
	seenDivision := map[Nation]bool{}
	total := 0
	for p.dec.More() {
		key, off, err := p.key()
		if err != nil {
			return nil, err
		}
		n, err := ParseNation(key)
		if err != nil {
			return nil, p.errAt(off, "%v", err)
		}
		if seenDivision[n] {
			return nil, p.errAt(off, "division %q appears twice", key)
		}
		seenDivision[n] = true
		count, err := p.division(n, h, src)
		if err != nil {
			return nil, err
		}
		total += count
	}
	if _, err := p.dec.Token(); err != nil { // the closing brace
		return nil, p.jsonErr(err)
	}
	if tok, err := p.dec.Token(); err != io.EOF {
		if err != nil {
			return nil, p.jsonErr(err)
		}
		return nil, p.errAt(p.dec.InputOffset(), "unexpected %v after the end of the JSON object", tok)
	}
	if total == 0 {
		return nil, fmt.Errorf("%s: lists no holidays; expected at least one event under england-and-wales, scotland or northern-ireland", name)
	}
	for n := range numNations {
		for _, hs := range h.years[n] {
			sortHolidays(hs)
		}
	}
	return h, nil
}

// division reads {"division": ..., "events": [...]} for nation n.
func (p *feedParser) division(n Nation, h *Holidays, src Source) (int, error) {
	start := p.dec.InputOffset()
	if err := p.delim('{', fmt.Sprintf("division %q", n)); err != nil {
		return 0, err
	}
	sawEvents, count := false, 0
	for p.dec.More() {
		key, off, err := p.key()
		if err != nil {
			return 0, err
		}
		switch key {
		case "division":
			var v string
			if err := p.dec.Decode(&v); err != nil {
				return 0, p.jsonErr(err)
			}
			if v != n.String() {
				return 0, p.errAt(off, "division %q says \"division\": %q; they must match", n, v)
			}
		case "events":
			sawEvents = true
			if count, err = p.events(n, h, src); err != nil {
				return 0, err
			}
		default:
			return 0, p.errAt(off, "division %q has unknown key %q (want \"division\" and \"events\")", n, key)
		}
	}
	if _, err := p.dec.Token(); err != nil {
		return 0, p.jsonErr(err)
	}
	if !sawEvents {
		return 0, p.errAt(start, "division %q has no \"events\" list", n)
	}
	return count, nil
}

func (p *feedParser) events(n Nation, h *Holidays, src Source) (int, error) {
	if err := p.delim('[', fmt.Sprintf("%q events", n)); err != nil {
		return 0, err
	}
	firstLine := map[Date]int{}
	count := 0
	for p.dec.More() {
		off := p.dec.InputOffset()
		line := p.line(off)
		var ev feedEvent
		if err := p.dec.Decode(&ev); err != nil {
			var typ *json.UnmarshalTypeError
			if errors.As(err, &typ) && typ.Field == "" {
				return 0, p.errAt(off, "each %s event must be a JSON object with \"title\" and \"date\"", n)
			}
			return 0, p.jsonErr(err)
		}
		if ev.Date == nil {
			return 0, p.errAt(off, "%s event has no \"date\"", n)
		}
		d, err := ParseDate(*ev.Date)
		if err != nil {
			return 0, p.errAt(off, "%s event: %v", n, err)
		}
		if ev.Title == nil || strings.TrimSpace(*ev.Title) == "" {
			return 0, p.errAt(off, "%s event on %s has no \"title\"", n, d)
		}
		if d.IsWeekend() {
			return 0, p.errAt(off, "%s event %q on %s falls on a %s; bank holidays are weekdays, so the date is probably wrong", n, *ev.Title, d, d.Weekday())
		}
		if prev, dup := firstLine[d]; dup {
			return 0, p.errAt(off, "%s lists %s twice (also on line %d)", n, d, prev)
		}
		firstLine[d] = line
		hol := Holiday{Date: d, Nation: n, Title: plain(*ev.Title), Source: src}
		if ev.Notes != nil {
			hol.Notes = plain(*ev.Notes)
		}
		y := d.Year()
		h.years[n][y] = append(h.years[n][y], hol)
		count++
	}
	if _, err := p.dec.Token(); err != nil {
		return 0, p.jsonErr(err)
	}
	return count, nil
}

// plain replaces typographic apostrophes, so "St Andrew’s Day" prints and
// greps as "St Andrew's Day".
func plain(s string) string {
	return strings.TrimSpace(strings.NewReplacer("\u2019", "'", "\u2018", "'").Replace(s))
}
