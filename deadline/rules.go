package deadline

import "time"

// Easter returns Easter Sunday of year y (Gregorian, anonymous algorithm).
func Easter(y int) Date {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return NewDate(y, time.Month(month), day)
}

// GoodFriday returns Good Friday of year y.
func GoodFriday(y int) Date { return Easter(y) - 2 }

func firstMonday(y int, m time.Month) Date {
	d := NewDate(y, m, 1)
	return d + Date((8-int(d.Weekday()))%7)
}

func lastMonday(y int, m time.Month) Date {
	d := NewDate(y, m+1, 1) - 1
	return d - Date((int(d.Weekday())+6)%7)
}

const substituteNote = "Substitute day"

// RuleHolidays returns nation n's bank holidays in year y by the standing
// rules, sorted by date:
//
//   - New Year's Day; in Scotland also 2 January; St Patrick's Day (17 March)
//     and the Battle of the Boyne (12 July) in Northern Ireland; St Andrew's
//     Day (30 November) in Scotland; Christmas Day and Boxing Day. One that
//     falls at a weekend gives a substitute on the next weekday that is not
//     already a holiday (so Christmas on a Saturday gives Monday 27 and
//     Boxing Day Tuesday 28; New Year's Day on a Sunday in Scotland gives
//     Tuesday 3 January, 2 January keeping Monday).
//   - Good Friday; Easter Monday except in Scotland.
//   - Early May (first Monday of May) and Spring (last Monday of May).
//   - Summer: first Monday of August in Scotland, last Monday elsewhere.
//
// One-off proclamations (jubilees, coronations, state funerals, moved days)
// cannot be predicted; a year computed this way is flagged as predicted.
func RuleHolidays(n Nation, y int) []Holiday {
	type fixed struct {
		month time.Month
		day   int
		title string
	}
	movable := []fixed{{time.January, 1, "New Year's Day"}}
	switch n {
	case Scotland:
		movable = append(movable, fixed{time.January, 2, "2nd January"}, fixed{time.November, 30, "St Andrew's Day"})
	case NorthernIreland:
		movable = append(movable, fixed{time.March, 17, "St Patrick's Day"}, fixed{time.July, 12, "Battle of the Boyne (Orangemen's Day)"})
	}
	movable = append(movable, fixed{time.December, 25, "Christmas Day"}, fixed{time.December, 26, "Boxing Day"})

	easter := Easter(y)
	out := []Holiday{
		{Date: easter - 2, Title: "Good Friday"},
		{Date: firstMonday(y, time.May), Title: "Early May bank holiday"},
		{Date: lastMonday(y, time.May), Title: "Spring bank holiday"},
	}
	if n == Scotland {
		out = append(out, Holiday{Date: firstMonday(y, time.August), Title: "Summer bank holiday"})
	} else {
		out = append(out,
			Holiday{Date: easter + 1, Title: "Easter Monday"},
			Holiday{Date: lastMonday(y, time.August), Title: "Summer bank holiday"})
	}
	// Days on weekdays keep their date; weekend ones then take the next
	// free weekday, in date order. This is how GOV.UK labels them.
	taken := map[Date]bool{}
	for _, h := range out {
		taken[h.Date] = true
	}
	for _, f := range movable {
		if d := NewDate(y, f.month, f.day); !d.IsWeekend() {
			out = append(out, Holiday{Date: d, Title: f.title})
			taken[d] = true
		}
	}
	for _, f := range movable {
		d := NewDate(y, f.month, f.day)
		if !d.IsWeekend() {
			continue
		}
		for d.IsWeekend() || taken[d] {
			d++
		}
		taken[d] = true
		out = append(out, Holiday{Date: d, Title: f.title, Notes: substituteNote})
	}
	for i := range out {
		out[i].Nation = n
		out[i].Source = SourceRules
	}
	sortHolidays(out)
	return out
}
