package deadline

import (
	"strings"
	"testing"
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

func TestUserFileCoversNewYears(t *testing.T) {
	file := `{"scotland": {"division": "scotland", "events": [
  {"title": "New Year’s Day", "date": "2029-01-01"},
  {"title": "Extra day", "date": "2029-10-01"}
]}}`
	u, err := ParseHolidays("2029.json", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	h := EmbeddedHolidays().Merge(u)
	foisa, foia := NewCalendar(FOISA, h), NewCalendar(FOIA, h)
	got := foisa.Due(mustDate(t, "2029-09-20"), 20, Statutory)
	if got.Predicted {
		t.Errorf("FOISA 2029 count predicted although the file covers Scotland 2029")
	}
	if !foia.Due(mustDate(t, "2029-09-20"), 20, Statutory).Predicted {
		t.Errorf("FOIA 2029 count not predicted: England, Wales and Northern Ireland 2029 are not covered")
	}
	// The rules still fill in the year: St Andrew's Day 2029 (a Friday).
	if foisa.IsWorkingDay(mustDate(t, "2029-11-30")) || foisa.IsWorkingDay(mustDate(t, "2029-10-01")) {
		t.Errorf("2029-11-30 or the file's 2029-10-01 is a working day")
	}
	if hol, _ := h.Lookup(Scotland, mustDate(t, "2029-01-01")); hol.Title != "New Year's Day" || hol.Source != SourceFile {
		t.Errorf("file's title does not override: %+v", hol)
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
}
