package deadline

import (
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	for _, bad := range []string{"", "2026-1-01", "2026/01/01", "20260101", "2026-00-10", "2026-13-01", "2026-02-29", "2025-04-31", "0000-01-01", "2026-01-0x", " 2026-01-01"} {
		if _, err := ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
	for _, good := range []string{"2024-02-29", "2000-02-29", "1970-01-01", "9999-12-31", "0001-01-01"} {
		d, err := ParseDate(good)
		if err != nil || d.String() != good {
			t.Errorf("ParseDate(%q) = %s, %v", good, d, err)
		}
	}
}

func TestAddMonths(t *testing.T) {
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-11-30", 3, "2027-02-28"},
		{"2027-11-30", 3, "2028-02-29"},
		{"2026-01-31", 1, "2026-02-28"},
		{"2026-08-31", 6, "2027-02-28"},
		{"2026-03-15", -3, "2025-12-15"},
		{"2026-05-31", 6, "2026-11-30"},
	} {
		if got := mustDate(t, tc.from).AddMonths(tc.n).String(); got != tc.want {
			t.Errorf("%s + %d months = %s, want %s", tc.from, tc.n, got, tc.want)
		}
	}
}

func TestDateWeekdayAndTime(t *testing.T) {
	d := NewDate(2026, time.November, 28)
	if d.Weekday() != time.Saturday || !d.IsWeekend() || d.Time() != time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC) {
		t.Errorf("2026-11-28: %s %v", d.Weekday(), d.Time())
	}
	if NewDate(2026, time.February, 30).String() != "2026-03-02" {
		t.Errorf("NewDate does not normalise like time.Date")
	}
	var back Date
	if b, _ := d.MarshalText(); back.UnmarshalText(b) != nil || back != d {
		t.Errorf("text round trip")
	}
}
