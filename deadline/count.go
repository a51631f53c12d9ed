package deadline

import "fmt"

// DefaultWorkingDays is the statutory period: the 20th working day after
// the date of receipt (s.10(1) FOIA, reg 5(2) EIR, s.10(1) FOISA, reg 5(2)
// EISR).
const DefaultWorkingDays = 20

// Count is one plain statutory count from a date of receipt.
type Count struct {
	Regime      Regime      `json:"regime"`
	ReceiptRule ReceiptRule `json:"receipt_rule"`
	Received    Date        `json:"received_date"` // the date of receipt, in Europe/London
	// CountedFrom is day 0: the date of receipt, or under NextWorkingDay
	// the first working day on or after it.
	CountedFrom Date `json:"counted_from"`
	DayOne      Date `json:"day_one"`
	Due         Date `json:"due"`
	WorkingDays int  `json:"working_days"`
	// Predicted: some year in the count has no published holidays for one
	// of the regime's nations, so the standing rules were used and a
	// one-off proclamation could still move the due date.
	Predicted bool `json:"predicted"`
}

// Due counts n working days (n >= 1; usually DefaultWorkingDays) from the
// date of receipt. Day 1 is the first working day after day 0; the result's
// Due is day n. It panics if n < 1: a caller must validate user input.
func (c *Calendar) Due(received Date, n int, rule ReceiptRule) Count {
	if n < 1 {
		panic(fmt.Sprintf("deadline: Due needs at least 1 working day, not %d", n))
	}
	from := c.countedFrom(received, rule)
	due := c.AddWorkingDays(from, n)
	return Count{
		Regime:      c.regime,
		ReceiptRule: rule,
		Received:    received,
		CountedFrom: from,
		DayOne:      c.AddWorkingDays(from, 1),
		Due:         due,
		WorkingDays: n,
		Predicted:   c.Predicted(received, due),
	}
}

// countedFrom applies the receipt rule: under NextWorkingDay a request
// received on a non-working day is treated as received on the next working
// day, which becomes day 0.
func (c *Calendar) countedFrom(received Date, rule ReceiptRule) Date {
	if rule == NextWorkingDay && !c.IsWorkingDay(received) {
		return c.NextWorkingDay(received)
	}
	return received
}

// Day is one day of a count, for explaining it.
type Day struct {
	Date    Date     `json:"date"`
	N       int      `json:"n,omitempty"`       // working day number, 0 if not a working day
	Reasons []Reason `json:"reasons,omitempty"` // why it is not a working day
}

// Explain lists every day in (from, to] with its working-day number or the
// reasons it is skipped.
func (c *Calendar) Explain(from, to Date) []Day {
	var out []Day
	n := 0
	for d := from + 1; d <= to; d++ {
		day := Day{Date: d}
		if c.IsWorkingDay(d) {
			n++
			day.N = n
		} else {
			day.Reasons = c.Reasons(d)
		}
		out = append(out, day)
	}
	return out
}
