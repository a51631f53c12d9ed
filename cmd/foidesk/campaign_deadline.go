package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"foidesk/deadline"
)

// dueDates adapts the deadline engine to mailer.DueDater: the statutory
// due date, per the authority's regime, of a request received at an
// instant (the time the SMTP server accepted it), with [deadline]
// holidays_file and receipt_rule applied.
type dueDates struct {
	holidays *deadline.Holidays
	rule     deadline.ReceiptRule
	mu       sync.Mutex
	cals     map[deadline.Regime]*deadline.Calendar
}

func newDueDates(cfg *Config) (*dueDates, error) {
	h := deadline.EmbeddedHolidays()
	if f := cfg.Deadline.HolidaysFile; f != "" {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("[deadline] holidays_file: %w", err)
		}
		u, err := deadline.ParseHolidays(f, data)
		if err != nil {
			return nil, err
		}
		h = h.Merge(u)
	}
	rule, err := deadline.ParseReceiptRule(cfg.Deadline.ReceiptRule)
	if err != nil {
		return nil, err
	}
	return &dueDates{holidays: h, rule: rule, cals: map[deadline.Regime]*deadline.Calendar{}}, nil
}

// Due returns the due date as YYYY-MM-DD.
func (d *dueDates) Due(regime string, receivedAt time.Time) (string, error) {
	r, err := deadline.ParseRegime(regime)
	if err != nil {
		return "", err
	}
	d.mu.Lock()
	cal, ok := d.cals[r]
	if !ok {
		cal = deadline.NewCalendar(r, d.holidays)
		d.cals[r] = cal
	}
	d.mu.Unlock()
	return cal.Due(deadline.ReceiptDate(receivedAt), deadline.DefaultWorkingDays, d.rule).Due.String(), nil
}
