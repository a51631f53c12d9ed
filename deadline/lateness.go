package deadline

// DefaultVeryOverdueDays is how many working days past the due date a
// request becomes "very overdue": 20, i.e. twice the statutory period.
const DefaultVeryOverdueDays = 20

// Lateness is how late an answer is on a given date.
type Lateness struct {
	// DaysLate counts the working days after the due date up to and
	// including the date asked about: in (due, on]. 0 when not late.
	DaysLate int `json:"days_late"`
	// Overdue: the date asked about is after the due date. (On the
	// Saturday after a Friday due date a request is overdue with 0
	// working days late.)
	Overdue bool `json:"overdue"`
	// VeryOverdue: the date is after the threshold's working day past due.
	VeryOverdue bool `json:"very_overdue"`
	// VeryOverdueAfter is that working day.
	VeryOverdueAfter Date `json:"very_overdue_after"`
}

// Lateness says how late an answer due on due is on date on. veryOverdue is
// the threshold in working days past due (0 means DefaultVeryOverdueDays).
func (c *Calendar) Lateness(due, on Date, veryOverdue int) Lateness {
	if veryOverdue <= 0 {
		veryOverdue = DefaultVeryOverdueDays
	}
	l := Lateness{VeryOverdueAfter: c.AddWorkingDays(due, veryOverdue)}
	if on > due {
		l.Overdue = true
		l.DaysLate = c.WorkingDaysBetween(due, on)
		l.VeryOverdue = on > l.VeryOverdueAfter
	}
	return l
}

// ClockLateness is Lateness for a clock: a running clock is measured on
// date on, an answered one at its response (how late the answer came). A
// clock with no due date (not delivered, stopped for clarification, paused
// for a fee) is never late.
func (c *Calendar) ClockLateness(cl Clock, on Date, veryOverdue int) Lateness {
	switch {
	case cl.Due.IsZero():
		return Lateness{}
	case cl.State == Answered:
		return c.Lateness(cl.Due, cl.Responded, veryOverdue)
	case cl.State == Running:
		return c.Lateness(cl.Due, on, veryOverdue)
	}
	return Lateness{}
}
