package deadline

import (
	"testing"
	"time"
)

func mustDate(t testing.TB, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var embeddedCalendars = func() map[Regime]*Calendar {
	m := map[Regime]*Calendar{}
	for _, r := range Regimes {
		m[r] = NewCalendar(r, EmbeddedHolidays())
	}
	return m
}()

// The worked examples in uk-foi-deadlines.md, plus cases around every kind
// of holiday, both nations' rules, substitute days and one-offs.
func TestDueWorkedExamples(t *testing.T) {
	cases := []struct {
		regime   Regime
		received string
		due      string
		why      string
	}{
		// The shared doc's table.
		{FOIA, "2015-06-26", "2015-07-27", "13 July 2015 (NI Boyne substitute) is not a working day in England either"},
		{FOISA, "2015-06-26", "2015-07-24", "no Scottish holiday in the window"},
		{FOIA, "2026-03-13", "2026-04-15", "17 March (NI), Good Friday and Easter Monday excluded"},
		{FOISA, "2026-03-13", "2026-04-13", "only Good Friday excluded"},
		// EIR and EISR share FOIA's and FOISA's calendars.
		{EIR, "2015-06-26", "2015-07-27", "EIR counts like FOIA"},
		{EISR, "2026-03-13", "2026-04-13", "EISR counts like FOISA"},
		// Saturday receipt: Monday is day 1.
		{FOIA, "2026-10-03", "2026-10-30", "Saturday receipt; 20th WD is Friday 30 October"},
		{FOIA, "2026-10-05", "2026-11-02", "Monday receipt; 20 WD later"},
		// St Andrew's Day (Scotland) stops the English clock too.
		{FOIA, "2026-11-02", "2026-12-01", "St Andrew's Day 30 Nov 2026 skipped under FOIA"},
		{FOISA, "2026-11-02", "2026-12-01", "and under FOISA"},
		// Scotland's first-Monday-of-August holiday: FOIA skips it, and
		// FOISA skips it but not the English late-August one.
		{FOIA, "2026-07-24", "2026-08-24", "3 Aug (Scotland) skipped under FOIA"},
		{FOISA, "2026-07-24", "2026-08-24", "and under FOISA"},
		{FOIA, "2026-08-07", "2026-09-07", "31 Aug (E&W, NI) skipped under FOIA"},
		{FOISA, "2026-08-07", "2026-09-04", "31 Aug is a working day in Scotland"},
		// Christmas and the new year: substitute days and 2 January.
		{FOIA, "2026-12-04", "2027-01-07", "25, 28 Dec (Boxing substitute), 1 Jan, 4 Jan (2nd January substitute, Scotland)"},
		{FOISA, "2026-12-04", "2027-01-07", "same days in Scotland"},
		{FOIA, "2027-12-10", "2028-01-13", "27, 28 Dec substitutes; 3 Jan (New Year substitute) and 4 Jan (2nd January substitute, Scotland)"},
		{FOISA, "2027-12-10", "2028-01-13", "same days in Scotland"},
		// One-offs.
		{FOIA, "2022-09-01", "2022-09-30", "2022-09-19 state funeral"},
		{FOIA, "2023-04-28", "2023-05-31", "1 May, 8 May coronation, 29 May"},
		{FOIA, "2026-06-01", "2026-06-30", "Scotland's 2026-06-15 World Cup holiday stops the FOIA clock too"},
		{FOISA, "2026-06-01", "2026-06-30", "and the FOISA clock"},
		{FOIA, "2020-05-01", "2020-06-02", "VE Day moved the early May holiday to Friday 8 May; 4 May is a working day"},
		{FOIA, "2022-05-27", "2022-06-28", "2022 Spring holiday moved to 2 June, Platinum Jubilee 3 June; 30 May is a working day"},
		// Easter Monday is a working day in Scotland.
		{FOISA, "2026-04-02", "2026-05-01", "Good Friday skipped, Easter Monday counted"},
		{FOIA, "2026-04-02", "2026-05-05", "Good Friday, Easter Monday and 4 May skipped"},
		// 12 July on a Sunday: Monday 13 July 2026 is the NI substitute.
		{FOIA, "2026-07-01", "2026-07-30", "13 July 2026 (NI) skipped"},
		{FOISA, "2026-07-01", "2026-07-29", "13 July is a working day in Scotland"},
		// Receipt on a holiday itself.
		{FOIA, "2026-12-25", "2027-01-27", "Christmas Day receipt: day 1 is 29 Dec"},
	}
	for _, tc := range cases {
		c := embeddedCalendars[tc.regime]
		got := c.Due(mustDate(t, tc.received), DefaultWorkingDays, Statutory)
		if got.Due.String() != tc.due {
			t.Errorf("%s received %s: due %s, want %s (%s)", tc.regime, tc.received, got.Due, tc.due, tc.why)
		}
		if got.Predicted {
			t.Errorf("%s received %s: flagged predicted inside the embedded data", tc.regime, tc.received)
		}
		if n := c.WorkingDaysBetween(got.Received, got.Due); n != DefaultWorkingDays {
			t.Errorf("%s received %s: %d working days in (received, due], want 20", tc.regime, tc.received, n)
		}
	}
}

func TestDayOne(t *testing.T) {
	c := embeddedCalendars[FOIA]
	// Saturday receipt: Monday is day 1 (statutory); under the s.45 Code
	// reading Monday is day 0 and Tuesday day 1.
	sat := mustDate(t, "2026-10-03")
	st := c.Due(sat, 20, Statutory)
	if st.DayOne.String() != "2026-10-05" || st.CountedFrom != sat {
		t.Errorf("statutory: day one %s counted from %s", st.DayOne, st.CountedFrom)
	}
	nw := c.Due(sat, 20, NextWorkingDay)
	if nw.CountedFrom.String() != "2026-10-05" || nw.DayOne.String() != "2026-10-06" || nw.Due.String() != "2026-11-02" {
		t.Errorf("next-working-day: counted from %s, day one %s, due %s", nw.CountedFrom, nw.DayOne, nw.Due)
	}
	// On a working day the two readings agree.
	mon := mustDate(t, "2026-10-05")
	if a, b := c.Due(mon, 20, Statutory), c.Due(mon, 20, NextWorkingDay); a.Due != b.Due || a.Due.String() != "2026-11-02" {
		t.Errorf("working-day receipt: statutory %s, next-working-day %s", a.Due, b.Due)
	}
	// Receipt on St Andrew's Day counts from the next working day under
	// FOIA as well as FOISA.
	sa := mustDate(t, "2026-11-30")
	if got := c.Due(sa, 1, NextWorkingDay).Due.String(); got != "2026-12-02" {
		t.Errorf("FOIA next-working-day from St Andrew's Day: due(1) %s, want 2026-12-02", got)
	}
}

// The date of receipt is the Europe/London date, across both clock changes.
func TestReceiptDateLondon(t *testing.T) {
	cases := []struct{ instant, want string }{
		{"2026-07-01T23:30:00Z", "2026-07-02"},      // BST: 00:30 next day
		{"2026-07-01T22:59:59Z", "2026-07-01"},      // BST: 23:59:59
		{"2026-12-01T23:30:00Z", "2026-12-01"},      // GMT: same day
		{"2026-03-28T23:30:00Z", "2026-03-28"},      // Saturday night before BST starts: GMT still
		{"2026-03-29T23:30:00Z", "2026-03-30"},      // first BST night
		{"2026-10-24T23:30:00Z", "2026-10-25"},      // last BST night
		{"2026-10-25T23:30:00Z", "2026-10-25"},      // first GMT night
		{"2026-10-25T00:59:00Z", "2026-10-25"},      // 01:59 BST, during the repeated hour
		{"2026-06-01T01:00:00+05:00", "2026-05-31"}, // 21:00 BST on the 31st
	}
	for _, tc := range cases {
		at, err := time.Parse(time.RFC3339, tc.instant)
		if err != nil {
			t.Fatal(err)
		}
		if got := ReceiptDate(at).String(); got != tc.want {
			t.Errorf("ReceiptDate(%s) = %s, want %s", tc.instant, got, tc.want)
		}
	}
	// A request that arrives at 23:30 UTC on a summer Friday is received
	// on Saturday in London: Monday is day 1, the same as Friday's count
	// would give, but a Thursday-night one moves from Thursday to Friday.
	thu, _ := time.Parse(time.RFC3339, "2026-07-02T23:30:00Z")
	c := embeddedCalendars[FOISA]
	if got := c.Due(ReceiptDate(thu), 20, Statutory).Due.String(); got != "2026-07-31" {
		t.Errorf("Thursday 23:30 UTC in BST: due %s, want 2026-07-31 (received Friday)", got)
	}
}
