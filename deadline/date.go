package deadline

import (
	"fmt"
	"sync"
	"time"
	_ "time/tzdata" // Europe/London must resolve on machines without zoneinfo.
)

// Date is a civil calendar date in the proleptic Gregorian calendar, counted
// in days since 1970-01-01. It has no time of day and no zone: statutory
// periods are counted in whole days, and carrying a time.Time would invite
// the UTC-midnight mistakes that put a deadline a day out. The zero Date is
// 1970-01-01; code that needs "no date" uses [Date.IsZero] on a field that is
// only set when meaningful.
type Date int32

// NewDate returns the date y-m-d. Out-of-range days and months normalise the
// way time.Date does (2026-02-30 is 2026-03-02); use [ParseDate] to reject them.
func NewDate(y int, m time.Month, d int) Date {
	if m < 1 || m > 12 || d < 1 || d > 28 {
		t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		y, m, d = t.Date()
	}
	return Date(daysFromCivil(y, int(m), d))
}

// daysFromCivil is Howard Hinnant's days_from_civil: exact for every
// Gregorian date, no tables, no time package.
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// YMD returns the year, month and day of d.
func (d Date) YMD() (year int, month time.Month, day int) {
	z := int(d) + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	dd := doy - (153*mp+2)/5 + 1
	mm := mp + 3
	if mm > 12 {
		mm -= 12
	}
	if mm <= 2 {
		y++
	}
	return y, time.Month(mm), dd
}

// Year returns d's year.
func (d Date) Year() int { y, _, _ := d.YMD(); return y }

// Weekday returns d's day of the week.
func (d Date) Weekday() time.Weekday {
	// 1970-01-01 was a Thursday.
	w := (int(d) + 4) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}

// IsWeekend reports whether d is a Saturday or a Sunday.
func (d Date) IsWeekend() bool {
	w := d.Weekday()
	return w == time.Saturday || w == time.Sunday
}

// AddDays returns the date n calendar days after d (before, if n < 0).
func (d Date) AddDays(n int) Date { return d + Date(n) }

// AddMonths returns the corresponding date n calendar months after d. When
// the target month is shorter (31 January plus one month) the result is the
// last day of that month, as the courts read "month" in a statute, not the
// overflow into the next month that time.AddDate gives.
func (d Date) AddMonths(n int) Date {
	y, m, day := d.YMD()
	total := y*12 + int(m) - 1 + n
	ny, nm := total/12, time.Month(total%12+1)
	if total < 0 && total%12 != 0 {
		ny, nm = (total-11)/12, time.Month((total%12+12)%12+1)
	}
	if last := daysIn(ny, nm); day > last {
		day = last
	}
	return Date(daysFromCivil(ny, int(nm), day))
}

func daysIn(y int, m time.Month) int {
	return int(NewDate(y, m+1, 1) - NewDate(y, m, 1))
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string {
	y, m, day := d.YMD()
	if y < 0 || y > 9999 {
		return fmt.Sprintf("%d-%02d-%02d", y, m, day)
	}
	b := []byte("0000-00-00")
	put := func(at, v, width int) {
		for i := at + width - 1; i >= at; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, y, 4)
	put(5, int(m), 2)
	put(8, day, 2)
	return string(b)
}

// Time returns d as midnight UTC, for code that must hand a time.Time on.
func (d Date) Time() time.Time {
	return time.Unix(int64(d)*86400, 0).UTC()
}

// MarshalText writes YYYY-MM-DD, so a Date is a plain string in JSON.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD strictly.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseDate reads a date written YYYY-MM-DD. It rejects anything else,
// including dates that do not exist (2026-02-30), with an error that quotes
// the input.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, fmt.Errorf("%q is not a date written YYYY-MM-DD", s)
	}
	num := func(part string) (int, bool) {
		v := 0
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := num(s[:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:])
	if !ok1 || !ok2 || !ok3 {
		return 0, fmt.Errorf("%q is not a date written YYYY-MM-DD", s)
	}
	if y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, time.Month(m)) {
		return 0, fmt.Errorf("%q is not a real date", s)
	}
	return Date(daysFromCivil(y, m, d)), nil
}

// DateOf returns the calendar date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date(daysFromCivil(y, int(m), d))
}

var london = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		// time/tzdata is linked in, so this cannot fail short of a broken
		// build; a wrong zone would silently shift deadlines, so stop.
		panic("deadline: Europe/London time zone unavailable: " + err.Error())
	}
	return loc
})

// London returns the Europe/London location (embedded tzdata).
func London() *time.Location { return london() }

// ReceiptDate returns the date of receipt for a request that reached the
// authority's mail server at t: the calendar date in Europe/London, whatever
// t's own location. 23:30 UTC on a summer evening is already the next day.
func ReceiptDate(t time.Time) Date { return DateOf(t.In(london())) }

// IsZero reports whether d is the zero Date (1970-01-01), which the clock
// uses for "not set": no statutory date in this package can fall on it.
func (d Date) IsZero() bool { return d == 0 }
