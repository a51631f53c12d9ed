package deadline

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEmbeddedFeed(t *testing.T) {
	h := EmbeddedHolidays()
	for _, n := range Nations {
		first, last := h.CoveredYears(n)
		if first != 2012 || last != 2028 {
			t.Errorf("%s covers %d-%d, want 2012-2028", n, first, last)
		}
	}
	hol, ok := h.Lookup(Scotland, mustDate(t, "2026-11-30"))
	if !ok || hol.Title != "St Andrew's Day" || hol.Source != SourceGovUK {
		t.Errorf("St Andrew's Day 2026: %+v %v", hol, ok)
	}
	if _, ok := h.Lookup(EnglandAndWales, mustDate(t, "2026-11-30")); ok {
		t.Errorf("St Andrew's Day is an England and Wales holiday")
	}
	if _, ok := h.Lookup(Scotland, mustDate(t, "2026-04-06")); ok {
		t.Errorf("Easter Monday is a Scottish holiday")
	}
}

const worldCup2027 = `{
  "scotland": {
    "division": "scotland",
    "events": [
      {"title": "Proclaimed holiday", "date": "2027-06-14", "notes": "", "bunting": true}
    ]
  }
}`

func TestUserFileAddsDays(t *testing.T) {
	u, err := ParseHolidays("extra.json", []byte(worldCup2027))
	if err != nil {
		t.Fatal(err)
	}
	h := EmbeddedHolidays().Merge(u)
	for _, r := range Regimes {
		base := embeddedCalendars[r].Due(mustDate(t, "2027-06-01"), 20, Statutory).Due
		got := NewCalendar(r, h).Due(mustDate(t, "2027-06-01"), 20, Statutory).Due
		if got != base+1 {
			t.Errorf("%s: a new Scottish holiday on 2027-06-14 gives due %s, want one day after %s", r, got, base)
		}
	}
	// The year's other holidays are kept.
	if _, ok := h.Lookup(Scotland, mustDate(t, "2027-11-30")); !ok {
		t.Errorf("merging dropped St Andrew's Day 2027")
	}
	if rs := NewCalendar(FOIA, h).Reasons(mustDate(t, "2027-06-14")); len(rs) != 1 || rs[0].String() != "Proclaimed holiday (scotland)" {
		t.Errorf("reasons: %v", rs)
	}
}

// A file's days in a year beyond the data are added to the standing rules'
// days, and the year stays predicted: only the file's days are known.
func TestUserFileAddsToPredictedYear(t *testing.T) {
	file := `{"scotland": {"division": "scotland", "events": [
  {"title": "New Year’s Day", "date": "2029-01-01"},
  {"title": "Extra day", "date": "2029-10-01"}
]}}`
	u, err := ParseHolidays("2029.json", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	h := EmbeddedHolidays().Merge(u)
	if h.Covers(Scotland, 2029) {
		t.Errorf("a file without Christmas Day 2029 covers Scotland 2029")
	}
	foisa := NewCalendar(FOISA, h)
	if !foisa.Due(mustDate(t, "2029-09-20"), 20, Statutory).Predicted {
		t.Errorf("FOISA 2029 count not predicted, although the file gives only two Scottish days of 2029")
	}
	// The rules still fill in the year: St Andrew's Day 2029 (a Friday).
	if foisa.IsWorkingDay(mustDate(t, "2029-11-30")) || foisa.IsWorkingDay(mustDate(t, "2029-10-01")) {
		t.Errorf("2029-11-30 or the file's 2029-10-01 is a working day")
	}
	if hol, _ := h.Lookup(Scotland, mustDate(t, "2029-01-01")); hol.Title != "New Year's Day" || hol.Source != SourceFile {
		t.Errorf("file's title does not override: %+v", hol)
	}
	// The file's day is known; the rules' days are predicted.
	if rs := foisa.Reasons(mustDate(t, "2029-10-01")); len(rs) != 1 || rs[0].String() != "Extra day (scotland)" {
		t.Errorf("file's day: %v", rs)
	}
	if rs := foisa.Reasons(mustDate(t, "2029-11-30")); len(rs) != 1 || rs[0].String() != "St Andrew's Day (scotland) [predicted]" {
		t.Errorf("rules' day: %v", rs)
	}
	if len(h.Removed()) != 0 {
		t.Errorf("additions removed %v", h.Removed())
	}
}

// feedJSON writes days in GOV.UK's format.
func feedJSON(t *testing.T, days map[Nation][]Holiday) string {
	t.Helper()
	type event struct {
		Title   string `json:"title"`
		Date    string `json:"date"`
		Notes   string `json:"notes"`
		Bunting bool   `json:"bunting"`
	}
	type division struct {
		Division string  `json:"division"`
		Events   []event `json:"events"`
	}
	feed := map[string]division{}
	for n, hs := range days {
		d := division{Division: n.String(), Events: []event{}}
		for _, x := range hs {
			d.Events = append(d.Events, event{Title: x.Title, Date: x.Date.String(), Notes: x.Notes, Bunting: true})
		}
		feed[n.String()] = d
	}
	b, err := json.MarshalIndent(feed, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// moved returns nation n's year of days from h with the day on from moved
// to to.
func moved(t *testing.T, h *Holidays, n Nation, y int, from, to string) []Holiday {
	t.Helper()
	hs, _ := h.Year(n, y)
	out := slices.Clone(hs)
	i := slices.IndexFunc(out, func(x Holiday) bool { return x.Date == mustDate(t, from) })
	if i < 0 {
		t.Fatalf("%s has no holiday on %s", n, from)
	}
	out[i].Date = mustDate(t, to)
	sortHolidays(out)
	return out
}

// A whole year in a file (New Year's Day to Christmas Day) replaces the
// year: a holiday GOV.UK moves leaves its old date.
func TestUserFileWholeYearMovesHoliday(t *testing.T) {
	e := EmbeddedHolidays()
	days := map[Nation][]Holiday{}
	for _, n := range Nations {
		days[n] = moved(t, e, n, 2027, "2027-05-03", "2027-05-07") // early May, Monday to Friday
	}
	u, err := ParseHolidays("bank-holidays.json", []byte(feedJSON(t, days)))
	if err != nil {
		t.Fatal(err)
	}
	h := e.Merge(u)
	for _, r := range Regimes {
		c := NewCalendar(r, h)
		if !c.IsWorkingDay(mustDate(t, "2027-05-03")) || c.IsWorkingDay(mustDate(t, "2027-05-07")) {
			t.Errorf("%s: 2027-05-03 working %v, 2027-05-07 working %v; want the holiday moved", r, c.IsWorkingDay(mustDate(t, "2027-05-03")), c.IsWorkingDay(mustDate(t, "2027-05-07")))
		}
		if c.Predicted(mustDate(t, "2027-01-01"), mustDate(t, "2027-12-31")) {
			t.Errorf("%s: 2027 predicted after a whole-year file", r)
		}
	}
	foia := NewCalendar(FOIA, h)
	for _, tc := range []struct{ received, before, after string }{
		// The count ran over the old date only: one day earlier.
		{"2027-04-06", "2027-05-05", "2027-05-04"},
		// The count runs over the new date only: one day later.
		{"2027-05-04", "2027-06-02", "2027-06-03"},
		// Over both: unchanged.
		{"2027-04-29", "2027-05-28", "2027-05-28"},
	} {
		if got := embeddedCalendars[FOIA].Due(mustDate(t, tc.received), 20, Statutory).Due.String(); got != tc.before {
			t.Errorf("received %s, embedded: due %s, want %s", tc.received, got, tc.before)
		}
		if got := foia.Due(mustDate(t, tc.received), 20, Statutory).Due.String(); got != tc.after {
			t.Errorf("received %s, with the moved holiday: due %s, want %s", tc.received, got, tc.after)
		}
	}
	if rs := foia.Reasons(mustDate(t, "2027-05-07")); len(rs) != 1 || rs[0].String() != "Early May bank holiday (england-and-wales, scotland, northern-ireland)" {
		t.Errorf("reasons: %v", rs)
	}
	var removed []string
	for _, x := range h.Removed() {
		removed = append(removed, x.Nation.String()+" "+x.Date.String()+" "+x.Title+" "+x.Source.String())
	}
	want := []string{
		"england-and-wales 2027-05-03 Early May bank holiday gov.uk",
		"scotland 2027-05-03 Early May bank holiday gov.uk",
		"northern-ireland 2027-05-03 Early May bank holiday gov.uk",
	}
	if !slices.Equal(removed, want) {
		t.Errorf("Removed: %q, want %q", removed, want)
	}
	// Other years are untouched.
	if _, ok := h.Lookup(Scotland, mustDate(t, "2026-06-15")); !ok {
		t.Errorf("the 2027 file dropped the 2026 World Cup holiday")
	}
}

// A whole year replaces an embedded year too, one nation at a time; FOIA
// still skips a day any nation keeps.
func TestUserFileWholeYearReplacesEmbedded(t *testing.T) {
	e := EmbeddedHolidays()
	// England and Wales move the summer holiday from Monday 31 August to
	// Tuesday 1 September 2026; Northern Ireland keeps 31 August.
	file := feedJSON(t, map[Nation][]Holiday{EnglandAndWales: moved(t, e, EnglandAndWales, 2026, "2026-08-31", "2026-09-01")})
	u, err := ParseHolidays("ew2026.json", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	h := e.Merge(u)
	if !h.Covers(EnglandAndWales, 2026) {
		t.Fatalf("England and Wales 2026 not covered")
	}
	if _, ok := h.Lookup(EnglandAndWales, mustDate(t, "2026-08-31")); ok {
		t.Errorf("England and Wales keep 2026-08-31")
	}
	if hol, ok := h.Lookup(EnglandAndWales, mustDate(t, "2026-09-01")); !ok || hol.Source != SourceFile {
		t.Errorf("2026-09-01: %+v %v", hol, ok)
	}
	if _, ok := h.Lookup(NorthernIreland, mustDate(t, "2026-08-31")); !ok {
		t.Errorf("Northern Ireland lost 2026-08-31")
	}
	ew := newCalendar(FOIA, h, []Nation{EnglandAndWales})
	if !ew.IsWorkingDay(mustDate(t, "2026-08-31")) || ew.IsWorkingDay(mustDate(t, "2026-09-01")) {
		t.Errorf("England and Wales alone: the holiday did not move")
	}
	foia := NewCalendar(FOIA, h)
	if foia.IsWorkingDay(mustDate(t, "2026-08-31")) || foia.IsWorkingDay(mustDate(t, "2026-09-01")) {
		t.Errorf("FOIA: 31 August (Northern Ireland) and 1 September (England and Wales) must both be skipped")
	}
	base := embeddedCalendars[FOIA].Due(mustDate(t, "2026-08-31"), 20, Statutory).Due.String()
	got := foia.Due(mustDate(t, "2026-08-31"), 20, Statutory).Due.String()
	if base != "2026-09-28" || got != "2026-09-29" {
		t.Errorf("FOIA received 2026-08-31: due %s, then %s; want 2026-09-28, then 2026-09-29", base, got)
	}
	if rm := h.Removed(); len(rm) != 1 || rm[0].Nation != EnglandAndWales || rm[0].Date.String() != "2026-08-31" {
		t.Errorf("Removed: %+v", rm)
	}
}

// A whole year beyond the data covers it: not predicted, and a day the
// rules would give but the file leaves out is a working day.
func TestUserFileCoversNewYears(t *testing.T) {
	days := slices.DeleteFunc(slices.Clone(RuleHolidays(Scotland, 2029)), func(x Holiday) bool { return x.Date.String() == "2029-08-06" })
	days = append(days, Holiday{Date: mustDate(t, "2029-08-13"), Title: "Summer bank holiday"})
	u, err := ParseHolidays("2029.json", []byte(feedJSON(t, map[Nation][]Holiday{Scotland: days})))
	if err != nil {
		t.Fatal(err)
	}
	h := EmbeddedHolidays().Merge(u)
	foisa, foia := NewCalendar(FOISA, h), NewCalendar(FOIA, h)
	if foisa.Due(mustDate(t, "2029-09-20"), 20, Statutory).Predicted {
		t.Errorf("FOISA 2029 count predicted although the file covers Scotland 2029")
	}
	if !foia.Due(mustDate(t, "2029-09-20"), 20, Statutory).Predicted {
		t.Errorf("FOIA 2029 count not predicted: England, Wales and Northern Ireland 2029 are not covered")
	}
	if !foisa.IsWorkingDay(mustDate(t, "2029-08-06")) || foisa.IsWorkingDay(mustDate(t, "2029-08-13")) || foisa.IsWorkingDay(mustDate(t, "2029-11-30")) {
		t.Errorf("FOISA 2029: want 6 August working, 13 August and 30 November not")
	}
	if rs := foisa.Reasons(mustDate(t, "2029-11-30")); len(rs) != 1 || rs[0].Predicted {
		t.Errorf("St Andrew's Day 2029 from the file: %v", rs)
	}
}

// A list that stops short of Christmas Day (or starts after New Year's
// Day) is additions, even with many days: nothing is removed.
func TestUserFilePartialYearAdds(t *testing.T) {
	e := EmbeddedHolidays()
	hs, _ := e.Year(EnglandAndWales, 2027)
	partial := slices.DeleteFunc(moved(t, e, EnglandAndWales, 2027, "2027-05-03", "2027-05-07"), func(x Holiday) bool { _, m, _ := x.Date.YMD(); return m == time.December })
	u, err := ParseHolidays("f.json", []byte(feedJSON(t, map[Nation][]Holiday{EnglandAndWales: partial})))
	if err != nil {
		t.Fatal(err)
	}
	h := e.Merge(u)
	got, _ := h.Year(EnglandAndWales, 2027)
	if len(got) != len(hs)+1 || len(h.Removed()) != 0 {
		t.Errorf("partial year: %d days (had %d), removed %v; want the new day added and none removed", len(got), len(hs), h.Removed())
	}
	if _, ok := h.Lookup(EnglandAndWales, mustDate(t, "2027-05-03")); !ok {
		t.Errorf("a partial year removed 2027-05-03")
	}
}

// The whole-year test's dates are a New Year holiday and the Christmas Day
// holiday by the rules, and every year of the GOV.UK feed passes it.
func TestWholeYear(t *testing.T) {
	for y := 1990; y <= 2100; y++ {
		for _, n := range Nations {
			var ny, xmas string
			for _, x := range RuleHolidays(n, y) {
				switch x.Date {
				case newYearHoliday(y):
					ny = x.Title
				case christmasHoliday(y):
					xmas = x.Title
				}
			}
			if (ny != "New Year's Day" && !(n == Scotland && ny == "2nd January")) || xmas != "Christmas Day" {
				t.Errorf("%s %d: the rules give %q on %s and %q on %s", n, y, ny, newYearHoliday(y), xmas, christmasHoliday(y))
			}
		}
	}
	u, err := ParseHolidays("bank-holidays.json", embeddedFeed)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range Nations {
		if first, last := u.CoveredYears(n); first != 2012 || last != 2028 {
			t.Errorf("%s: the feed as a user file has whole years %d-%d, want 2012-2028", n, first, last)
		}
		for y := 2012; y <= 2028; y++ {
			if !u.Covers(n, y) {
				t.Errorf("%s %d of the feed is not a whole year", n, y)
			}
		}
	}
}

func TestUserFileOverridesTitle(t *testing.T) {
	u, err := ParseHolidays("f.json", []byte(`{"england-and-wales": {"events": [{"title": "Renamed", "date": "2026-05-04", "notes": "Moved"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	hol, ok := EmbeddedHolidays().Merge(u).Lookup(EnglandAndWales, mustDate(t, "2026-05-04"))
	if !ok || hol.Label() != "Renamed (moved)" || hol.Source != SourceFile {
		t.Errorf("override: %+v", hol)
	}
}

func TestUserFileErrors(t *testing.T) {
	cases := []struct{ name, file, want string }{
		{"empty", "", "the file is empty"},
		{"not json", "holidays: yes", "f.json:1: not valid JSON"},
		{"truncated", `{"scotland": {"events": [`, "unexpected end of file"},
		{"array", `[]`, "f.json:1: the file must be a JSON object"},
		{"no holidays", `{}`, "lists no holidays"},
		{"unknown division", "{\n \"england\": {\"events\": []}}", `f.json:2: unknown division "england"`},
		{"division twice", `{"scotland": {"events": [{"title": "A", "date": "2027-06-14"}]}, "scotland": {"events": []}}`, `division "scotland" appears twice`},
		{"division mismatch", `{"scotland": {"division": "england-and-wales", "events": []}}`, "they must match"},
		{"no events", `{"scotland": {"division": "scotland"}}`, `has no "events" list`},
		{"unknown key", `{"scotland": {"evnets": []}}`, `unknown key "evnets"`},
		{"events not array", `{"scotland": {"events": {}}}`, "must be a JSON array"},
		{"event not object", `{"scotland": {"events": ["2027-06-14"]}}`, "must be a JSON object"},
		{"no date", "{\"scotland\": {\"events\": [\n\n{\"title\": \"A\"}]}}", `f.json:3: scotland event has no "date"`},
		{"bad date", `{"scotland": {"events": [{"title": "A", "date": "14/06/2027"}]}}`, `"14/06/2027" is not a date written YYYY-MM-DD`},
		{"impossible date", `{"scotland": {"events": [{"title": "A", "date": "2027-02-30"}]}}`, `"2027-02-30" is not a real date`},
		{"date not string", `{"scotland": {"events": [{"title": "A", "date": 20270614}]}}`, `"date" must be a JSON string`},
		{"bunting not bool", `{"scotland": {"events": [{"title": "A", "date": "2027-06-14", "bunting": "yes"}]}}`, "boolean"},
		{"no title", `{"scotland": {"events": [{"date": "2027-06-14"}]}}`, `scotland event on 2027-06-14 has no "title"`},
		{"weekend", `{"scotland": {"events": [{"title": "A", "date": "2027-06-12"}]}}`, "falls on a Saturday"},
		{"twice", "{\"scotland\": {\"events\": [\n{\"title\": \"A\", \"date\": \"2027-06-14\"},\n{\"title\": \"B\", \"date\": \"2027-06-14\"}]}}", "f.json:3: scotland lists 2027-06-14 twice (also on line 2)"},
		{"trailing", `{"scotland": {"events": [{"title": "A", "date": "2027-06-14"}]}} {}`, "after the end of the JSON object"},
	}
	for _, tc := range cases {
		_, err := ParseHolidays("f.json", []byte(tc.file))
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

// The embedded feed itself goes through the same parser; a full GOV.UK
// feed is a valid user file.
func TestEmbeddedFeedIsValidUserFile(t *testing.T) {
	u, err := ParseHolidays("bank-holidays.json", embeddedFeed)
	if err != nil {
		t.Fatal(err)
	}
	h := EmbeddedHolidays().Merge(u)
	a := NewCalendar(FOIA, h).Due(mustDate(t, "2026-03-13"), 20, Statutory)
	if a.Due.String() != "2026-04-15" {
		t.Errorf("due %s after merging the feed with itself", a.Due)
	}
	if len(h.Removed()) != 0 {
		t.Errorf("merging the feed with itself removed %v", h.Removed())
	}
}
