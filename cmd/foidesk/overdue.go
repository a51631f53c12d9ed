package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"

	"foidesk/alerts"
	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/store"
	"foidesk/store/alert"
)

func init() {
	register(newCommand(command{
		name:    "overdue",
		summary: "list the authorities whose answer is overdue, most late first",
		help: `Lists every sent request whose answer is late on the date --as-of names
(default today, in Europe/London): overdue, very-overdue ([deadline]
very_overdue_days working days past due), extension-overdue (past a date the
authority extended to) or review-overdue (an internal review's answer is
late), most working days late first. A future date answers "who will be
late by Friday?" from what is known now. Requests answered (awaiting
review), not delivered (bounced) or withdrawn are never overdue.
--campaign NAME lists one campaign's. --json prints one array of objects.

--limit N shows the N most late. The open requests are read a batch at a
time and only the late ones kept (with --limit, only the N most late so
far), so memory follows what is shown, not the size of the database. There
is no --after: the list is ranked by lateness, which changes from day to
day, not ordered by id, so a page cannot say where the next one starts;
'foidesk campaign status NAME --after ID' pages a campaign's requests.`,
	}, overdue))
}

type overdueFlags struct {
	campaign string
	asOf     string
	json     bool
	limit    int
}

func (f *overdueFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.campaign, "campaign", "", "only campaign `NAME`")
	fs.StringVar(&f.asOf, "as-of", "", "judge lateness on `DATE` (YYYY-MM-DD; default today)")
	fs.BoolVar(&f.json, "json", false, "print one JSON array")
	fs.IntVar(&f.limit, "limit", 0, "show only the `N` most late (0: all)")
}

// overdue lists the requests late on the --as-of date, most late first.
func overdue(ctx context.Context, e *env, f *overdueFlags, _ []string) error {
	day, err := e.statusDay(f.asOf)
	if err != nil {
		return err
	}
	st, err := e.readStore(ctx)
	if err != nil {
		return err
	}
	var campaignID int64
	if f.campaign != "" {
		c, err := st.campaigns.ByName(ctx, f.campaign)
		if err != nil {
			return err
		}
		campaignID = c.ID
	}
	late, total, bad, err := lateRequests(ctx, st, day, campaignID, f.limit)
	if err != nil {
		return err
	}
	if f.json {
		err = printOverdueJSON(e, late)
	} else {
		err = printOverdue(e, f.campaign, day.on, late, total)
	}
	if err != nil {
		return err
	}
	if len(late) < total {
		fmt.Fprintf(e.stderr, "showing the %d most late of %d overdue\n", len(late), total)
	}
	if len(bad) > 0 {
		return fmt.Errorf("%d requests could not be judged and are not listed:\n%w", len(bad), errors.Join(bad...))
	}
	return nil
}

// lateRequests judges campaign campaignID's open requests (0: every
// campaign's) on the day, reading them a batch at a time, and returns the
// late ones most late first (at most limit of them, 0: all), how many are
// late in all, and the requests that could not be judged.
func lateRequests(ctx context.Context, st *stores, day statusDay, campaignID int64, limit int) (late []alerts.Judged, total int, bad []error, err error) {
	if limit < 0 {
		return nil, 0, nil, usagef("--limit %d: want a number of requests, 0 for all", limit)
	}
	err = st.alerts.EachOpen(ctx, campaignID, func(q alert.Request) error {
		sh, err := st.Lifecycle().Show(lifecycle.Request{Regime: q.Regime, Outbox: q.Outbox, Status: q.Status, Due: q.Due, RepliedOn: q.RepliedOn}, day.on, day.th)
		if err != nil {
			bad = append(bad, fmt.Errorf("request %s (%s): %w", q.Ref, q.AuthorityName, err))
			return nil
		}
		j := alerts.Judged{Request: q, Shown: sh}
		if !j.Late() {
			return nil
		}
		total++
		late = append(late, j)
		if limit > 0 && len(late) >= 2*limit+store.Batch {
			late = alerts.Overdue(late)[:limit]
		}
		return nil
	})
	late = alerts.Overdue(late)
	if limit > 0 && len(late) > limit {
		late = late[:limit]
	}
	return late, total, bad, err
}

func printOverdue(e *env, campaign string, on deadline.Date, late []alerts.Judged, total int) error {
	where := ""
	if campaign != "" {
		where = " in campaign " + printable(campaign)
	}
	if len(late) == 0 {
		fmt.Fprintf(e.stdout, "No request is overdue%s on %s.\n", where, on)
		return nil
	}
	fmt.Fprintf(e.stdout, "%d overdue%s on %s, most late first:\n\n", total, where, on)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AUTHORITY\tCODE\tREF\tCAMPAIGN\tSENT\tDUE\tDAYS LATE\tSTATE")
	for _, j := range late {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", printable(j.AuthorityName), dash(printable(j.AuthorityCode)), j.Ref, printable(j.Campaign),
			sentDate(j), j.Due, j.DaysLate(), j.Shown.Status)
	}
	return tw.Flush()
}

func sentDate(j alerts.Judged) string { return dash(rfcDate(j)) }

// rfcDate is the day j was delivered, "" when not known.
func rfcDate(j alerts.Judged) string {
	if j.SentAt.IsZero() {
		return ""
	}
	return deadline.ReceiptDate(j.SentAt).String()
}

type overdueJSON struct {
	AuthorityCode   string `json:"authority_code"`
	AuthorityName   string `json:"authority_name"`
	Reference       string `json:"reference"`
	Campaign        string `json:"campaign"`
	Regime          string `json:"regime"`
	Sent            string `json:"sent"`
	Due             string `json:"due"`
	WorkingDaysLate int    `json:"working_days_late"`
	State           string `json:"state"`
}

func printOverdueJSON(e *env, late []alerts.Judged) error {
	out := make([]overdueJSON, 0, len(late))
	for _, j := range late {
		out = append(out, overdueJSON{AuthorityCode: j.AuthorityCode, AuthorityName: j.AuthorityName, Reference: j.Ref, Campaign: j.Campaign,
			Regime: j.Regime, Sent: rfcDate(j), Due: j.Due, WorkingDaysLate: j.DaysLate(), State: j.Shown.Status})
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
