package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"foidesk/deadline"
)

// maxWorkingDays bounds --working-days: the longest statutory period is 60
// working days, and an absurd count is a typo, not a question.
const maxWorkingDays = 1000

func init() {
	register(newCommand(command{
		name:    "deadline",
		summary: "compute the statutory due date of a request",
		help: `Prints the date an answer is due, as YYYY-MM-DD alone on the first line.

The date of receipt is day 0 and may be any day; day 1 is the first
working day after it, and the answer is due on the Nth working day (20
unless --working-days says otherwise). --received takes a date of receipt
(YYYY-MM-DD) or the RFC 3339 time the authority's mail server accepted the
request, whose Europe/London date is then the date of receipt.

FOIA and EIR skip weekends, Christmas Day, Good Friday and the bank
holidays of every UK nation (St Andrew's Day and 12 July included); FOISA
and EISR skip weekends, Christmas Day and Scottish bank holidays only.
Bank holidays are GOV.UK's for 2012-2028; later years follow the standing
rules and the result is marked predicted, since a holiday proclaimed later
could move it.

--holidays FILE (or [deadline] holidays_file) reads holidays in GOV.UK's
bank-holidays.json format, such as a newer copy of
https://www.gov.uk/bank-holidays.json. For each division and year in it:
if the file lists that year's New Year bank holiday (1 January, or the
Monday after a weekend) and its Christmas Day one (25 December, or 27
December after a weekend), it is the whole year and replaces the built-in
one, so a holiday it moves is no longer kept on its old date (each day it
drops is noted on stderr); otherwise its days are added, so a file naming
just a newly proclaimed holiday adds that day. A year beyond 2028 that
the file gives whole is no longer predicted.

--receipt-rule next-working-day treats a request received on a non-working
day as received on the next working day (the s.45 Code reading).

--explain lists the count day by day after the first line, with each
skipped weekday and whose holiday it is. --json prints one object instead.`,
		args: anyArgs,
	}, deadlineCommand))
}

type deadlineFlags struct {
	regime, received, holidays, rule string
	days                             int
	json, explain                    bool
}

func (f *deadlineFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.regime, "regime", "", "the law: `foia`, eir, foisa or eisr (required)")
	fs.StringVar(&f.received, "received", "", "date of receipt `YYYY-MM-DD`, or an RFC 3339 time such as 2026-11-27T16:05:00Z (required)")
	fs.IntVar(&f.days, "working-days", deadline.DefaultWorkingDays, "count `N` working days")
	fs.StringVar(&f.holidays, "holidays", "", "GOV.UK-format holidays `FILE`: whole years replace the built-in ones, other days are added (default [deadline] holidays_file)")
	fs.StringVar(&f.rule, "receipt-rule", "", "`statutory` or next-working-day (default [deadline] receipt_rule, else statutory)")
	fs.BoolVar(&f.json, "json", false, "print one JSON object")
	fs.BoolVar(&f.explain, "explain", false, "show the count day by day")
}

// deadlineCommand prints a request's statutory due date, and with
// --explain the count that gives it.
func deadlineCommand(ctx context.Context, e *env, f *deadlineFlags, args []string) error {
	if len(args) > 0 {
		return usagef("deadline takes no arguments, only flags (got %q)", strings.Join(args, " "))
	}
	req, err := parseDeadlineFlags(f.regime, f.received, f.days, f.rule)
	if err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	if f.rule == "" {
		if req.rule, err = deadline.ParseReceiptRule(cfg.Deadline.ReceiptRule); err != nil {
			return err
		}
	}
	file := f.holidays
	if file == "" {
		file = cfg.Deadline.HolidaysFile
	}
	h, err := loadHolidays(file)
	if err != nil {
		return err
	}
	for _, x := range h.Removed() {
		fmt.Fprintf(e.stderr, "foidesk: note: %s\n", removedNote(file, x))
	}
	cal := deadline.NewCalendar(req.regime, h)
	count := cal.Due(req.receivedDate, req.days, req.rule)
	if f.json {
		return printDeadlineJSON(e, cal, req, count, file, f.explain)
	}
	fmt.Fprintln(e.stdout, count.Due)
	if f.explain {
		printDeadlineExplain(e, cal, count)
	}
	if count.Predicted {
		fmt.Fprintf(e.stderr, "foidesk: note: %s\n", predictedNote(cal, count))
	}
	return nil
}

// deadlineRequest is the validated command line.
type deadlineRequest struct {
	regime       deadline.Regime
	received     string // as given
	receivedDate deadline.Date
	days         int
	rule         deadline.ReceiptRule
}

// parseDeadlineFlags checks every flag before anything is read, so a
// mistake is exit status 2 with one sentence.
func parseDeadlineFlags(regime, received string, days int, rule string) (deadlineRequest, error) {
	var req deadlineRequest
	if regime == "" {
		return req, usagef("--regime is required: foia, eir, foisa or eisr")
	}
	r, err := deadline.ParseRegime(regime)
	if err != nil {
		return req, usagef("--regime must be foia, eir, foisa or eisr, not %q", regime)
	}
	req.regime = r
	if received == "" {
		return req, usagef("--received is required: the date of receipt as YYYY-MM-DD, or an RFC 3339 time")
	}
	req.received = received
	if req.receivedDate, err = parseReceived(received); err != nil {
		return req, err
	}
	if days < 1 || days > maxWorkingDays {
		return req, usagef("--working-days must be between 1 and %d, not %d", maxWorkingDays, days)
	}
	req.days = days
	if rule != "" {
		if req.rule, err = deadline.ParseReceiptRule(rule); err != nil {
			return req, usagef("--receipt-rule must be statutory or next-working-day, not %q", rule)
		}
	}
	return req, nil
}

// parseReceived reads a date of receipt, or a time whose Europe/London
// date is the date of receipt.
func parseReceived(s string) (deadline.Date, error) {
	t, err := parseWhen("--received", s)
	if err != nil {
		return 0, err
	}
	return deadline.ReceiptDate(t), nil
}

// parseWhen reads a flag that takes a date (YYYY-MM-DD, meaning the start
// of that day in London, so its date of receipt is the date given) or an
// RFC 3339 time with its offset.
func parseWhen(flag, s string) (time.Time, error) {
	if len(s) == len("2006-01-02") {
		d, err := deadline.ParseDate(s)
		if err != nil {
			return time.Time{}, usagef("%s: %v", flag, err)
		}
		y, m, day := d.YMD()
		return time.Date(y, m, day, 0, 0, 0, 0, deadline.London()), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usagef("%s %q is neither a date (YYYY-MM-DD) nor an RFC 3339 time with its offset (2026-11-27T16:05:00Z)", flag, s)
	}
	return t, nil
}

// loadHolidays returns the embedded holidays, merged with the user's file
// if one is named. A file that cannot be read or parsed is an error: a
// holiday silently missing would make every deadline around it too early.
func loadHolidays(file string) (*deadline.Holidays, error) {
	h := deadline.EmbeddedHolidays()
	if file == "" {
		return h, nil
	}
	data, err := readInput(file, "holidays file", maxHolidaysBytes)
	if err != nil {
		return nil, fmt.Errorf("holidays file: %w", err)
	}
	u, err := deadline.ParseHolidays(file, data)
	if err != nil {
		return nil, fmt.Errorf("holidays file %w", err)
	}
	return h.Merge(u), nil
}

// removedNote says that the holidays file dropped a day: it gives the
// day's year whole, without it.
func removedNote(file string, x deadline.Holiday) string {
	from := "in GOV.UK's data"
	switch x.Source {
	case deadline.SourceRules:
		from = "by the standing rules"
	case deadline.SourceFile:
		from = "in an earlier holidays file"
	}
	return fmt.Sprintf("%s gives %s %d as a whole year without %s (%s, a bank holiday %s), so that day is not a bank holiday there",
		file, x.Nation, x.Date.Year(), x.Date, x.Label(), from)
}

func nationNames(cal *deadline.Calendar) string {
	var names []string
	for _, n := range cal.Regime().Nations() {
		names = append(names, n.String())
	}
	return strings.Join(names, ", ")
}

func predictedNote(cal *deadline.Calendar, c deadline.Count) string {
	return fmt.Sprintf("the count from %s to %s runs into a year with no whole published list of %s bank holidays; it follows the standing rules, and a holiday proclaimed later could move it",
		c.Received, c.Due, nationNames(cal))
}

// printDeadlineExplain writes the count after the due date's line: day 0,
// each working day, and each skipped weekday with its reason and nation.
// Weekends are not listed; they are never working days.
func printDeadlineExplain(e *env, cal *deadline.Calendar, c deadline.Count) {
	w := e.stdout
	fmt.Fprintf(w, "regime: %s; working days skip weekends, Christmas Day", c.Regime)
	if !c.Regime.Scottish() {
		fmt.Fprint(w, ", Good Friday")
	}
	fmt.Fprintf(w, " and bank holidays in %s\n", nationNames(cal))
	fmt.Fprintf(w, "received: %s (%s)", c.Received, c.Received.Weekday())
	if c.CountedFrom != c.Received {
		fmt.Fprintf(w, ", not a working day; counted as received on %s (%s) under the next-working-day rule", c.CountedFrom, c.CountedFrom.Weekday())
	}
	fmt.Fprintf(w, "; day 0 is %s\n", c.CountedFrom)
	for _, d := range cal.Explain(c.CountedFrom, c.Due) {
		switch {
		case d.N > 0 && d.Date == c.Due:
			fmt.Fprintf(w, "%s day %d: due\n", d.Date, d.N)
		case d.N > 0:
			fmt.Fprintf(w, "%s day %d\n", d.Date, d.N)
		case !d.Date.IsWeekend():
			reasons := make([]string, len(d.Reasons))
			for i, r := range d.Reasons {
				reasons[i] = r.String()
			}
			fmt.Fprintf(w, "%s skipped: %s\n", d.Date, strings.Join(reasons, "; "))
		}
	}
	if c.Predicted {
		fmt.Fprintf(w, "predicted: %s\n", predictedNote(cal, c))
	}
}

// deadlineJSON is "foidesk deadline --json".
type deadlineJSON struct {
	Regime       string         `json:"regime"`
	Received     string         `json:"received"` // as given
	ReceivedDate deadline.Date  `json:"received_date"`
	ReceiptRule  string         `json:"receipt_rule"`
	CountedFrom  deadline.Date  `json:"counted_from"`
	DayOne       deadline.Date  `json:"day_one"`
	Due          deadline.Date  `json:"due"`
	WorkingDays  int            `json:"working_days"`
	Predicted    bool           `json:"predicted"`
	Nations      []string       `json:"nations"`
	HolidaysFile string         `json:"holidays_file,omitempty"`
	Skipped      []skippedJSON  `json:"skipped"`
	Days         []deadline.Day `json:"days,omitempty"`
}

type skippedJSON struct {
	Date    deadline.Date     `json:"date"`
	Reasons []deadline.Reason `json:"reasons"`
}

func printDeadlineJSON(e *env, cal *deadline.Calendar, req deadlineRequest, c deadline.Count, file string, explain bool) error {
	out := deadlineJSON{
		Regime: c.Regime.String(), Received: req.received, ReceivedDate: c.Received,
		ReceiptRule: c.ReceiptRule.String(), CountedFrom: c.CountedFrom, DayOne: c.DayOne, Due: c.Due,
		WorkingDays: c.WorkingDays, Predicted: c.Predicted, HolidaysFile: file, Skipped: []skippedJSON{},
	}
	for _, n := range c.Regime.Nations() {
		out.Nations = append(out.Nations, n.String())
	}
	days := cal.Explain(c.CountedFrom, c.Due)
	for _, d := range days {
		if d.N == 0 && !d.Date.IsWeekend() {
			out.Skipped = append(out.Skipped, skippedJSON{Date: d.Date, Reasons: d.Reasons})
		}
	}
	if explain {
		out.Days = days
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
