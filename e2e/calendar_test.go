//go:build e2e

package e2e

import (
	"testing"
	"time"
)

// The suite checks foidesk's due dates and lateness against its own count
// of working days, from the UK bank holidays written out here by hand
// (GOV.UK's published dates), not from foidesk's deadline package: a
// mistake in either shows as a disagreement. The table covers the dates a
// run from late 2026 to late 2027 needs; a run outside it fails saying so.
var (
	calendarFrom = date(2026, 11, 1)
	calendarTo   = date(2027, 12, 31)

	englandWales = dates(
		"2026-12-25", "2026-12-28",
		"2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28")
	scotland = dates(
		"2026-11-30", "2026-12-25", "2026-12-28",
		"2027-01-01", "2027-01-04", "2027-03-26", "2027-05-03", "2027-05-31", "2027-08-02", "2027-11-30", "2027-12-27", "2027-12-28")
	northernIreland = dates(
		"2026-12-25", "2026-12-28",
		"2027-01-01", "2027-03-17", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-07-12", "2027-08-30", "2027-12-27", "2027-12-28")
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func dates(ss ...string) map[time.Time]bool {
	m := map[time.Time]bool{}
	for _, s := range ss {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			panic(err)
		}
		m[d] = true
	}
	return m
}

// holidays is a regime's calendar: FOIA skips a bank holiday in any UK
// nation, FOISA Scotland's only.
func holidays(regime string) []map[time.Time]bool {
	if regime == "foisa" {
		return []map[time.Time]bool{scotland}
	}
	return []map[time.Time]bool{englandWales, scotland, northernIreland}
}

func working(t *testing.T, regime string, d time.Time) bool {
	t.Helper()
	if d.Before(calendarFrom) || d.After(calendarTo) {
		t.Fatalf("%s is outside the suite's bank holiday table (%s to %s): extend it in e2e/calendar_test.go", d.Format("2006-01-02"), calendarFrom.Format("2006-01-02"), calendarTo.Format("2006-01-02"))
	}
	if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		return false
	}
	for _, h := range holidays(regime) {
		if h[d] {
			return false
		}
	}
	return true
}

// dueDate is the 20th working day after the day of receipt (day 1 is the
// first working day after it).
func dueDate(t *testing.T, regime string, received time.Time) time.Time {
	t.Helper()
	d, n := received, 0
	for n < 20 {
		d = d.AddDate(0, 0, 1)
		if working(t, regime, d) {
			n++
		}
	}
	return d
}

// daysLate counts the working days after due up to and including on.
func daysLate(t *testing.T, regime string, due, on time.Time) int {
	t.Helper()
	n := 0
	for d := due.AddDate(0, 0, 1); !d.After(on); d = d.AddDate(0, 0, 1) {
		if working(t, regime, d) {
			n++
		}
	}
	return n
}

// londonDate is the Europe/London date of an instant, as a UTC midnight.
func londonDate(t *testing.T, at time.Time) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	y, m, d := at.In(loc).Date()
	return date(y, m, d)
}
