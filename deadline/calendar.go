package deadline

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The precomputed window. Dates outside it are still answered exactly, by
// walking day by day; inside it every query is a few array reads.
const (
	windowFirstYear = 2000
	windowEndYear   = 2101 // exclusive
)

// Calendar is one regime's working days: weekends, Christmas Day, Good
// Friday (FOIA and EIR) and the bank holidays of the regime's nations are
// not working days. Build it once per regime and share it; it is immutable
// and safe for concurrent use.
type Calendar struct {
	regime  Regime
	h       *Holidays
	nations []Nation

	lo   Date
	rank []int32 // rank[i]: working days in [lo, lo+i)
	work []int32 // offsets from lo of the working days, ascending
	// covered[y-windowFirstYear]: data covers year y for every nation.
	covered []bool
}

// NewCalendar builds regime r's calendar from h (usually
// EmbeddedHolidays(), or that merged with a user file). It costs one or two
// milliseconds and about 250 KB; build it once per regime, not per request.
func NewCalendar(r Regime, h *Holidays) *Calendar {
	return newCalendar(r, h, r.Nations())
}

// newCalendar builds a calendar from some nations' holidays; tests use it
// to compare the regime's calendar with one nation's alone.
func newCalendar(r Regime, h *Holidays, nations []Nation) *Calendar {
	c := &Calendar{regime: r, h: h, nations: nations, lo: NewDate(windowFirstYear, time.January, 1)}
	hi := NewDate(windowEndYear, time.January, 1)
	size := int(hi - c.lo)
	c.rank = make([]int32, size+1)
	c.work = make([]int32, 0, size*5/7+1)
	for y := windowFirstYear; y < windowEndYear; y++ {
		c.covered = append(c.covered, c.coversYear(y))
	}
	offY := windowFirstYear
	closed := c.closedDays(offY)
	for i := 0; i < size; i++ {
		d := c.lo + Date(i)
		if y := d.Year(); y != offY {
			offY, closed = y, c.closedDays(y)
		}
		c.rank[i+1] = c.rank[i]
		if !d.IsWeekend() && !slices.Contains(closed, d) {
			c.rank[i+1]++
			c.work = append(c.work, int32(i))
		}
	}
	return c
}

// Regime returns the calendar's regime.
func (c *Calendar) Regime() Regime { return c.regime }

// Holidays returns the holidays the calendar was built from.
func (c *Calendar) Holidays() *Holidays { return c.h }

func (c *Calendar) coversYear(y int) bool {
	for _, n := range c.nations {
		if !c.h.Covers(n, y) {
			return false
		}
	}
	return true
}

// closedDays returns year y's weekdays that are not working days, sorted.
func (c *Calendar) closedDays(y int) []Date {
	var out []Date
	add := func(d Date) {
		if !d.IsWeekend() && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	add(NewDate(y, time.December, 25))
	if !c.regime.Scottish() {
		add(GoodFriday(y))
	}
	for _, n := range c.nations {
		hs, _ := c.h.Year(n, y)
		for _, x := range hs {
			add(x.Date)
		}
	}
	slices.Sort(out)
	return out
}

func (c *Calendar) index(d Date) (int, bool) {
	i := int(d - c.lo)
	return i, i >= 0 && i < len(c.rank)-1
}

// IsWorkingDay reports whether d is a working day under the regime.
func (c *Calendar) IsWorkingDay(d Date) bool {
	if i, ok := c.index(d); ok {
		return c.rank[i+1] != c.rank[i]
	}
	return !d.IsWeekend() && !slices.Contains(c.closedDays(d.Year()), d)
}

// AddWorkingDays returns the nth working day after d (n >= 1), so that day
// 1 is the first working day after d whatever d is. n = 0 returns d; n < 0
// returns the |n|th working day before d.
func (c *Calendar) AddWorkingDays(d Date, n int) Date {
	if n == 0 {
		return d
	}
	if i, ok := c.index(d); ok {
		var k int
		if n > 0 {
			k = int(c.rank[i+1]) + n - 1
		} else {
			k = int(c.rank[i]) + n
		}
		if k >= 0 && k < len(c.work) {
			return c.lo + Date(c.work[k])
		}
	}
	step := Date(1)
	if n < 0 {
		step, n = -1, -n
	}
	w := walker{c: c}
	for n > 0 {
		d += step
		if w.working(d) {
			n--
		}
	}
	return d
}

// NextWorkingDay returns the first working day after d.
func (c *Calendar) NextWorkingDay(d Date) Date { return c.AddWorkingDays(d, 1) }

// WorkingDaysBetween counts the working days in (a, b]: the day after a
// through b. It is negative when b is before a, counting (b, a].
func (c *Calendar) WorkingDaysBetween(a, b Date) int {
	if b < a {
		return -c.WorkingDaysBetween(b, a)
	}
	ia, okA := c.index(a)
	ib, okB := c.index(b)
	if okA && okB {
		return int(c.rank[ib+1] - c.rank[ia+1])
	}
	w := walker{c: c}
	n := 0
	for d := a + 1; d <= b; d++ {
		if w.working(d) {
			n++
		}
	}
	return n
}

// walker answers IsWorkingDay for consecutive days outside the window,
// computing each year's closed days once.
type walker struct {
	c      *Calendar
	year   int
	closed []Date
	ok     bool
}

func (w *walker) working(d Date) bool {
	if i, in := w.c.index(d); in {
		return w.c.rank[i+1] != w.c.rank[i]
	}
	if d.IsWeekend() {
		return false
	}
	if y := d.Year(); !w.ok || y != w.year {
		w.year, w.closed, w.ok = y, w.c.closedDays(y), true
	}
	return !slices.Contains(w.closed, d)
}

// Predicted reports whether any year from a's to b's is covered by neither
// the GOV.UK feed nor a user file for one of the regime's nations, so that
// its holidays come from the standing rules and a one-off proclamation
// could still move the answer.
func (c *Calendar) Predicted(a, b Date) bool {
	if b < a {
		a, b = b, a
	}
	ya, yb := a.Year(), b.Year()
	for y := ya; y <= yb; y++ {
		if i := y - windowFirstYear; i >= 0 && i < len(c.covered) {
			if !c.covered[i] {
				return true
			}
		} else if !c.coversYear(y) {
			return true
		}
	}
	return false
}

// Reason is why a day is not a working day.
type Reason struct {
	Title     string   `json:"title"`               // "Saturday", "St Andrew's Day", "Christmas Day"
	Notes     string   `json:"notes,omitempty"`     // as in the feed: "Substitute day"
	Nations   []Nation `json:"nations,omitempty"`   // whose bank holiday it is; empty for a weekend or a statutory day no feed lists
	Predicted bool     `json:"predicted,omitempty"` // from the standing rules, not from data
}

// String renders the reason as in --explain: "St Andrew's Day (scotland)",
// "Boxing Day (england-and-wales, scotland, northern-ireland), substitute
// day". Title and nations come first so the line reads the same whatever
// the notes.
func (r Reason) String() string {
	s := r.Title
	if len(r.Nations) > 0 {
		names := make([]string, len(r.Nations))
		for i, n := range r.Nations {
			names[i] = n.String()
		}
		s += " (" + strings.Join(names, ", ") + ")"
	}
	if r.Notes != "" {
		s += ", " + strings.ToLower(r.Notes)
	}
	if r.Predicted {
		s += " [predicted]"
	}
	return s
}

// Reasons says why d is not a working day under the regime: its weekday
// name for a weekend, else each holiday on it, one Reason per distinct title
// and notes with the nations that keep it. It returns nil for a working day.
func (c *Calendar) Reasons(d Date) []Reason {
	if d.IsWeekend() {
		return []Reason{{Title: d.Weekday().String()}}
	}
	var out []Reason
	for _, n := range c.nations {
		hs, _ := c.h.Year(n, d.Year())
		for _, x := range hs {
			if x.Date != d {
				continue
			}
			if j := slices.IndexFunc(out, func(r Reason) bool { return r.Title == x.Title && r.Notes == x.Notes }); j >= 0 {
				out[j].Nations = append(out[j].Nations, n)
			} else {
				out = append(out, Reason{Title: x.Title, Notes: x.Notes, Nations: []Nation{n}, Predicted: x.Source == SourceRules})
			}
		}
	}
	if out != nil {
		return out
	}
	y, m, day := d.YMD()
	switch {
	case m == time.December && day == 25:
		return []Reason{{Title: "Christmas Day"}}
	case !c.regime.Scottish() && d == GoodFriday(y):
		return []Reason{{Title: "Good Friday"}}
	}
	return nil
}

// String names the calendar for messages, e.g. "foisa calendar (scotland)".
func (c *Calendar) String() string {
	names := make([]string, len(c.nations))
	for i, n := range c.nations {
		names[i] = n.String()
	}
	return fmt.Sprintf("%s calendar (%s)", c.regime, strings.Join(names, ", "))
}
