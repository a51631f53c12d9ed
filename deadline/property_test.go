package deadline

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

// Dates drawn for properties: the window (fast path) and beyond it on both
// sides (the day-by-day path), plus the years the feed covers most often.
func drawDate(t *rapid.T, label string) Date {
	lo, hi := NewDate(1990, time.January, 1), NewDate(2120, time.December, 31)
	if rapid.Bool().Draw(t, label+" in feed years") {
		lo, hi = NewDate(2012, time.January, 1), NewDate(2029, time.December, 31)
	}
	return Date(rapid.Int32Range(int32(lo), int32(hi)).Draw(t, label))
}

func drawRegime(t *rapid.T) Regime {
	return rapid.SampledFrom(Regimes[:]).Draw(t, "regime")
}

func drawRule(t *rapid.T) ReceiptRule {
	return rapid.SampledFrom([]ReceiptRule{Statutory, NextWorkingDay}).Draw(t, "rule")
}

// Exactly N working days lie in (day 0, due], and the due date is one.
func TestPropertyExactlyNWorkingDays(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r, rule := drawRegime(t), drawRule(t)
		c := embeddedCalendars[r]
		received := drawDate(t, "received")
		n := rapid.IntRange(1, 120).Draw(t, "n")
		got := c.Due(received, n, rule)
		if k := c.WorkingDaysBetween(got.CountedFrom, got.Due); k != n {
			t.Fatalf("%s from %s: %d working days in (%s, %s], want %d", r, received, k, got.CountedFrom, got.Due, n)
		}
		if !c.IsWorkingDay(got.Due) || !c.IsWorkingDay(got.DayOne) {
			t.Fatalf("%s from %s: due %s or day one %s is not a working day", r, received, got.Due, got.DayOne)
		}
		if rule == Statutory && got.CountedFrom != received {
			t.Fatalf("statutory rule moved day 0 from %s to %s", received, got.CountedFrom)
		}
		if rule == NextWorkingDay && c.WorkingDaysBetween(received, got.CountedFrom) > 1 {
			t.Fatalf("next-working-day rule moved day 0 past the next working day")
		}
	})
}

// A later receipt never gives an earlier due date.
func TestPropertyMonotonic(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r, rule := drawRegime(t), drawRule(t)
		c := embeddedCalendars[r]
		a := drawDate(t, "a")
		b := a + Date(rapid.IntRange(0, 60).Draw(t, "later by"))
		n := rapid.IntRange(1, 60).Draw(t, "n")
		if da, db := c.Due(a, n, rule).Due, c.Due(b, n, rule).Due; db < da {
			t.Fatalf("%s: received %s due %s, but received later %s due earlier %s", r, a, da, b, db)
		}
	})
}

// FOIA's union calendar is never earlier than England and Wales alone, nor
// than Scotland's (FOISA): every one of their non-working days is FOIA's.
func TestPropertyUnionNeverEarlier(t *testing.T) {
	h := EmbeddedHolidays()
	ew := newCalendar(FOIA, h, []Nation{EnglandAndWales})
	foia, foisa := embeddedCalendars[FOIA], embeddedCalendars[FOISA]
	rapid.Check(t, func(t *rapid.T) {
		received, rule := drawDate(t, "received"), drawRule(t)
		n := rapid.IntRange(1, 60).Draw(t, "n")
		d := foia.Due(received, n, rule).Due
		if e := ew.Due(received, n, rule).Due; d < e {
			t.Fatalf("FOIA due %s earlier than England-and-Wales-only %s (received %s)", d, e, received)
		}
		if s := foisa.Due(received, n, rule).Due; d < s {
			t.Fatalf("FOIA due %s earlier than FOISA %s (received %s)", d, s, received)
		}
	})
}

// The precomputed tables agree with a day-by-day walk everywhere, and
// adding then subtracting working days comes back.
func TestPropertyTablesMatchWalk(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := embeddedCalendars[drawRegime(t)]
		d := drawDate(t, "d")
		n := rapid.IntRange(-80, 80).Draw(t, "n")
		want, left, step := d, n, Date(1)
		if left < 0 {
			left, step = -left, -1
		}
		for left > 0 {
			want += step
			if !want.IsWeekend() && !containsDate(c.closedDays(want.Year()), want) {
				left--
			}
		}
		if got := c.AddWorkingDays(d, n); got != want {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, walk gives %s", d, n, got, want)
		}
		if n > 0 {
			if back := c.AddWorkingDays(want, -n); back > d || c.WorkingDaysBetween(back, d) != 0 && c.IsWorkingDay(d) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, back by %d gives %s", d, n, want, n, back)
			}
			if k := c.WorkingDaysBetween(d, want); k != n {
				t.Fatalf("WorkingDaysBetween(%s, %s) = %d, want %d", d, want, k, n)
			}
		}
	})
}

func containsDate(ds []Date, d Date) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}

// A fees pause moves the due date by exactly the working days it lasted.
func TestPropertyFeesPause(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := drawRegime(t)
		c := embeddedCalendars[r]
		received := drawDate(t, "received")
		due0 := c.Due(received, 20, Statutory).Due
		notice := received + Date(rapid.IntRange(0, int(due0-received)).Draw(t, "notice after"))
		paid := notice + Date(rapid.IntRange(0, 90).Draw(t, "paid after"))
		cl, err := c.Clock([]Event{{Kind: Delivered, Date: received}, {Kind: FeesNotice, Date: notice}, {Kind: FeePaid, Date: paid}}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if want := c.AddWorkingDays(due0, cl.PausedDays); cl.Due != want {
			t.Fatalf("%s: received %s, notice %s, paid %s: due %s, want %s (%s + %d paused WD)", r, received, notice, paid, cl.Due, want, due0, cl.PausedDays)
		}
		if want := c.WorkingDaysBetween(max(notice-1, received), paid); cl.PausedDays != want {
			t.Fatalf("paused days %d, want %d: the working days in [%s, %s] after day 0", cl.PausedDays, want, notice, paid)
		}
	})
}

// Civil dates round-trip through text and agree with the time package.
func TestPropertyDate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := Date(rapid.Int32Range(-800000, 3000000).Draw(t, "d"))
		tm := time.Unix(int64(d)*86400, 0).UTC()
		y, m, day := d.YMD()
		if ty, tmn, td := tm.Date(); ty != y || tmn != m || td != day || tm.Weekday() != d.Weekday() {
			t.Fatalf("%d: YMD %d-%d-%d %s, time says %s", d, y, m, day, d.Weekday(), tm.Format("2006-01-02 Monday"))
		}
		if NewDate(y, m, day) != d || DateOf(tm) != d || d.Time() != tm {
			t.Fatalf("%d does not round-trip", d)
		}
		if y >= 1 && y <= 9999 {
			if p, err := ParseDate(d.String()); err != nil || p != d {
				t.Fatalf("ParseDate(%s) = %d, %v", d, p, err)
			}
		}
	})
}
