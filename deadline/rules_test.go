package deadline

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// oneOff is a proclamation the standing rules cannot know: days it added to
// the rules' list, and days of the rules' list it moved away.
type oneOff struct {
	name    string
	nations []Nation
	added   []string
	removed []string
}

// The one-off proclamations in the GOV.UK feed for 2013-2028. Every other
// date in those years must come out of RuleHolidays exactly.
var oneOffs = []oneOff{
	{"2020 VE Day: early May holiday moved from Monday 4 May to Friday 8 May", Nations[:], []string{"2020-05-08"}, []string{"2020-05-04"}},
	{"2022 Platinum Jubilee: Spring holiday moved from Monday 30 May to Thursday 2 June", Nations[:], []string{"2022-06-02"}, []string{"2022-05-30"}},
	{"2022 Platinum Jubilee: extra holiday on Friday 3 June", Nations[:], []string{"2022-06-03"}, nil},
	{"2022 state funeral of Queen Elizabeth II, 19 September", Nations[:], []string{"2022-09-19"}, nil},
	{"2023 coronation of King Charles III, 8 May", Nations[:], []string{"2023-05-08"}, nil},
	{"2026 World Cup holiday, 15 June, Scotland only", []Nation{Scotland}, []string{"2026-06-15"}, nil},
}

func TestRulesReproduceFeed(t *testing.T) {
	h := EmbeddedHolidays()
	for _, n := range Nations {
		for y := 2013; y <= 2028; y++ {
			if !h.Covers(n, y) {
				t.Fatalf("embedded feed does not cover %s %d", n, y)
			}
			data, _ := h.Year(n, y)
			wantAdded, wantRemoved := map[string]bool{}, map[string]bool{}
			for _, o := range oneOffs {
				if !slices.Contains(o.nations, n) {
					continue
				}
				for _, d := range o.added {
					if strings.HasPrefix(d, strconv.Itoa(y)+"-") {
						wantAdded[d] = true
					}
				}
				for _, d := range o.removed {
					if strings.HasPrefix(d, strconv.Itoa(y)+"-") {
						wantRemoved[d] = true
					}
				}
			}
			inData, inRules := map[string]bool{}, map[string]bool{}
			for _, x := range data {
				inData[x.Date.String()] = true
			}
			for _, x := range RuleHolidays(n, y) {
				inRules[x.Date.String()] = true
			}
			for d := range inData {
				if !inRules[d] && !wantAdded[d] {
					t.Errorf("%s %d: feed has %s, which the rules do not give and no one-off explains", n, y, d)
				}
			}
			for d := range inRules {
				if !inData[d] && !wantRemoved[d] {
					t.Errorf("%s %d: rules give %s, which the feed does not have and no one-off explains", n, y, d)
				}
			}
			// Each named one-off really is in the feed, so the list stays honest.
			for d := range wantAdded {
				if !inData[d] || inRules[d] {
					t.Errorf("%s %d: one-off day %s should be in the feed and not in the rules", n, y, d)
				}
			}
			for d := range wantRemoved {
				if inData[d] || !inRules[d] {
					t.Errorf("%s %d: moved day %s should be in the rules and not in the feed", n, y, d)
				}
			}
		}
	}
}

func TestRuleHolidaysSubstitutes(t *testing.T) {
	dates := func(n Nation, y int) []string {
		var out []string
		for _, x := range RuleHolidays(n, y) {
			out = append(out, x.Date.String()+" "+x.Label())
		}
		return out
	}
	cases := []struct {
		n    Nation
		y    int
		want []string
	}{
		// 2033: New Year's Day Saturday, 2 January Sunday; Christmas Sunday;
		// 17 March Thursday; 12 July Tuesday; 30 November Wednesday.
		{Scotland, 2033, []string{
			"2033-01-03 New Year's Day (substitute day)", "2033-01-04 2nd January (substitute day)",
			"2033-04-15 Good Friday", "2033-05-02 Early May bank holiday", "2033-05-30 Spring bank holiday",
			"2033-08-01 Summer bank holiday", "2033-11-30 St Andrew's Day",
			"2033-12-26 Boxing Day", "2033-12-27 Christmas Day (substitute day)"}},
		{NorthernIreland, 2029, []string{
			"2029-01-01 New Year's Day", "2029-03-19 St Patrick's Day (substitute day)",
			"2029-03-30 Good Friday", "2029-04-02 Easter Monday", "2029-05-07 Early May bank holiday",
			"2029-05-28 Spring bank holiday", "2029-07-12 Battle of the Boyne (Orangemen's Day)",
			"2029-08-27 Summer bank holiday", "2029-12-25 Christmas Day", "2029-12-26 Boxing Day"}},
		// 2032: Christmas Saturday, Boxing Day Sunday: Monday 27, Tuesday 28.
		{EnglandAndWales, 2032, []string{
			"2032-01-01 New Year's Day", "2032-03-26 Good Friday", "2032-03-29 Easter Monday",
			"2032-05-03 Early May bank holiday", "2032-05-31 Spring bank holiday", "2032-08-30 Summer bank holiday",
			"2032-12-27 Christmas Day (substitute day)", "2032-12-28 Boxing Day (substitute day)"}},
		// 2031: St Andrew's Day on a Sunday: Monday 1 December.
		{Scotland, 2031, []string{
			"2031-01-01 New Year's Day", "2031-01-02 2nd January", "2031-04-11 Good Friday",
			"2031-05-05 Early May bank holiday", "2031-05-26 Spring bank holiday", "2031-08-04 Summer bank holiday",
			"2031-12-01 St Andrew's Day (substitute day)", "2031-12-25 Christmas Day", "2031-12-26 Boxing Day"}},
	}
	for _, tc := range cases {
		if got := dates(tc.n, tc.y); !slices.Equal(got, tc.want) {
			t.Errorf("%s %d:\n got %q\nwant %q", tc.n, tc.y, got, tc.want)
		}
	}
}

func TestEaster(t *testing.T) {
	for s, want := range map[int]string{2000: "2000-04-23", 2008: "2008-03-23", 2011: "2011-04-24", 2019: "2019-04-21", 2024: "2024-03-31", 2038: "2038-04-25", 2285: "2285-03-22"} {
		if got := Easter(s).String(); got != want {
			t.Errorf("Easter(%d) = %s, want %s", s, got, want)
		}
	}
}

// Years beyond the data are counted by the rules and flagged predicted.
func TestPredictedBeyondData(t *testing.T) {
	c := embeddedCalendars[FOIA]
	in := c.Due(mustDate(t, "2028-11-01"), 20, Statutory)
	if in.Predicted {
		t.Errorf("2028 count flagged predicted")
	}
	edge := c.Due(mustDate(t, "2028-12-15"), 20, Statutory)
	if !edge.Predicted {
		t.Errorf("count running into 2029 (due %s) not flagged predicted", edge.Due)
	}
	// 2029: Good Friday 30 March, Easter Monday 2 April; 19 March is the
	// NI St Patrick's substitute.
	far := c.Due(mustDate(t, "2029-03-09"), 20, Statutory)
	if far.Due.String() != "2029-04-11" || !far.Predicted {
		t.Errorf("2029 FOIA count: due %s predicted %v, want 2029-04-11 predicted", far.Due, far.Predicted)
	}
	old := c.Due(mustDate(t, "2011-04-01"), 20, Statutory)
	if !old.Predicted {
		t.Errorf("2011 (before the feed) not flagged predicted")
	}
	if rs := c.Reasons(mustDate(t, "2029-03-19")); len(rs) != 1 || rs[0].String() != "St Patrick's Day (northern-ireland), substitute day [predicted]" {
		t.Errorf("reasons for 2029-03-19: %v", rs)
	}
}
