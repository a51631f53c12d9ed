package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/store/campaign"
)

func init() {
	register(newCommand(command{
		name:     "campaign status",
		synopsis: "NAME",
		summary:  "show where each of a campaign's requests stands: counts per status and one line per authority",
		help: `Each request has an outbox state (draft, queued, sending, sent, retry,
failed, unknown, cancelled) and, once sent, a status that follows what
happened to it: not-delivered, awaiting-response, extended (the authority
extended the time), awaiting-clarification, fee-pending, awaiting-review (an
internal review was asked for), replied or withdrawn. An answer awaited is
due-soon [alerts] due_soon_days working days before its due date; past it,
overdue (extension-overdue past an extended date, review-overdue past a
review's), and very-overdue [deadline] very_overdue_days working days
after it, on the date --as-of names (default today, in Europe/London).
LATE is how many working days late the answer is, or was. REASON is the fact
that put the request where it is; 'foidesk requests show REF' gives the whole
timeline.`,
		args: 1,
	}, campaignStatus))
}

type campaignStatusFlags struct {
	json bool
	asOf string
}

func (f *campaignStatusFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.json, "json", false, "print one JSON object")
	fs.StringVar(&f.asOf, "as-of", "", "judge overdue requests on `DATE` (YYYY-MM-DD; default today)")
}

// campaignStatus shows where each of campaign NAME's requests stands on
// the --as-of date: counts per status and one line per authority.
func campaignStatus(ctx context.Context, e *env, f *campaignStatusFlags, args []string) error {
	day, err := e.statusDay(f.asOf)
	if err != nil {
		return err
	}
	st, c, err := readCampaign(ctx, e, args[0])
	if err != nil {
		return err
	}
	counts, err := st.campaigns.Counts(ctx, c.ID)
	if err != nil {
		return err
	}
	reqs, err := st.campaigns.Requests(ctx, c.ID, false)
	if err != nil {
		return err
	}
	shown := make([]lifecycle.Shown, len(reqs))
	statusCounts := map[string]int{}
	for i, r := range reqs {
		if shown[i], err = day.show(st, r); err != nil {
			return err
		}
		statusCounts[shown[i].Status]++
	}
	if f.json {
		return printCampaignStatusJSON(e, c, day.on, counts, statusCounts, reqs, shown)
	}
	fmt.Fprintf(e.stdout, "campaign %s: %s, letter %s, %d requests, as of %s\n", c.Name, c.State, c.Template, len(reqs), day.on)
	if err := printLetterCounts(ctx, e, st, c); err != nil {
		return err
	}
	for _, s := range lifecycle.Statuses {
		if statusCounts[s] > 0 {
			fmt.Fprintf(e.stdout, "  %-22s %d\n", s, statusCounts[s])
		}
	}
	fmt.Fprintln(e.stdout)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tAUTHORITY\tEMAIL\tREF\tSTATE\tSTATUS\tTRIES\tSENT\tDUE\tLATE\tSMTP\tREASON")
	for i, r := range reqs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", dash(printable(r.Authority.Code)), printable(r.Authority.Name), printable(r.ToEmail), r.Ref,
			stateDetail(r), shown[i].Status, r.Attempts, dash(londonTime(r.SentAt)), dash(r.DueDate), dash(lateString(shown[i].DaysLate)),
			dash(smtpSummary(r)), dash(r.StatusReason))
	}
	return tw.Flush()
}

// statusDay is what showing a request's status needs: the day asked
// about (--as-of, default today in Europe/London), [alerts] due_soon_days
// and [deadline] very_overdue_days.
type statusDay struct {
	on deadline.Date
	th lifecycle.Thresholds
}

// statusDay reads --as-of and the config.
func (e *env) statusDay(asOf string) (statusDay, error) {
	d := statusDay{on: deadline.ReceiptDate(e.now())}
	if asOf != "" {
		var err error
		if d.on, err = deadline.ParseDate(asOf); err != nil {
			return d, usagef("--as-of: %v", err)
		}
	}
	cfg, err := e.config()
	if err != nil {
		return d, err
	}
	d.th = cfg.thresholds()
	return d, nil
}

// show is where r stands on the day, as a person sees it.
func (d statusDay) show(st *stores, r campaign.Request) (lifecycle.Shown, error) {
	sh, err := st.Lifecycle().Show(lifecycle.Request{Regime: r.Regime, Outbox: r.OutboxState, Status: r.Status, Due: r.DueDate, RepliedOn: r.RepliedOn}, d.on, d.th)
	if err != nil {
		return sh, fmt.Errorf("request %s: %w", r.Ref, err)
	}
	return sh, nil
}

func lateString(days *int) string {
	if days == nil {
		return ""
	}
	return fmt.Sprint(*days)
}

func stateDetail(r campaign.Request) string {
	if r.OutboxState == campaign.OutboxRetry && !r.NextAttemptAt.IsZero() {
		return "retry@" + r.NextAttemptAt.In(londonLoc()).Format("15:04")
	}
	return r.OutboxState
}

func londonLoc() *time.Location {
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
}

func londonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(londonLoc()).Format("2006-01-02 15:04")
}

type requestStatusJSON struct {
	Code          string `json:"code"`
	Authority     string `json:"authority"`
	Email         string `json:"email"`
	Regime        string `json:"regime"`
	Ref           string `json:"ref"`
	MessageID     string `json:"message_id"`
	State         string `json:"state"`
	Attempts      int    `json:"attempts"`
	NextAttemptAt string `json:"next_attempt_at,omitempty"`
	Status        string `json:"status"`
	SentAt        string `json:"sent_at,omitempty"`
	DueDate       string `json:"due_date,omitempty"`
	RepliedAt     string `json:"replied_at,omitempty"` // the date of the response that stopped the clock
	// WorkingDaysLate: how late the answer is (on the --as-of date) or
	// was (at the response); absent when no due date applies.
	WorkingDaysLate *int   `json:"working_days_late,omitempty"`
	Reason          string `json:"reason,omitempty"`
	SMTPCode        int    `json:"smtp_code,omitempty"`
	SMTPEnhanced    string `json:"smtp_enhanced,omitempty"`
	SMTPText        string `json:"smtp_text,omitempty"`
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func requestJSON(r campaign.Request, status string, late *int) requestStatusJSON {
	return requestStatusJSON{
		Code: r.Authority.Code, Authority: r.Authority.Name, Email: r.ToEmail, Regime: r.Regime, Ref: r.Ref, MessageID: r.MessageID,
		State: r.OutboxState, Status: status, Attempts: r.Attempts, NextAttemptAt: rfc3339(r.NextAttemptAt), SentAt: rfc3339(r.SentAt),
		DueDate: r.DueDate, RepliedAt: r.RepliedOn, WorkingDaysLate: late, Reason: r.StatusReason,
		SMTPCode: r.SMTPCode, SMTPEnhanced: r.SMTPEnhanced, SMTPText: r.SMTPText,
	}
}

func printCampaignStatusJSON(e *env, c campaign.Campaign, on deadline.Date, counts, statusCounts map[string]int, reqs []campaign.Request, shown []lifecycle.Shown) error {
	out := struct {
		Campaign     string              `json:"campaign"`
		State        string              `json:"state"`
		Template     string              `json:"template"`
		AsOf         string              `json:"as_of"`
		Counts       map[string]int      `json:"counts"` // by outbox state
		StatusCounts map[string]int      `json:"status_counts"`
		Requests     []requestStatusJSON `json:"requests"`
	}{Campaign: c.Name, State: c.State, Template: c.Template, AsOf: on.String(), Counts: counts, StatusCounts: statusCounts, Requests: []requestStatusJSON{}}
	for i, r := range reqs {
		out.Requests = append(out.Requests, requestJSON(r, shown[i].Status, shown[i].DaysLate))
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// printLetterCounts says whether the campaign chases and what follow-up
// letters it has sent, when there is anything to say.
func printLetterCounts(ctx context.Context, e *env, st *stores, c campaign.Campaign) error {
	counts, err := st.campaigns.LetterCounts(ctx, c.ID)
	if err != nil {
		return err
	}
	if !c.Chasers.On() && len(counts) == 0 {
		return nil
	}
	fmt.Fprintf(e.stdout, "  %s\n", describeChasers(c.Chasers))
	for _, kind := range []string{campaign.LetterChaser, campaign.LetterReview} {
		n := counts[kind]
		if len(n) == 0 {
			continue
		}
		waiting := n[campaign.OutboxQueued] + n[campaign.OutboxSending] + n[campaign.OutboxRetry]
		fmt.Fprintf(e.stdout, "  %s letters: sent %d, waiting %d, failed %d, unknown %d, cancelled %d\n", kind,
			n[campaign.OutboxSent], waiting, n[campaign.OutboxFailed], n[campaign.OutboxUnknown], n[campaign.OutboxCancelled])
	}
	return nil
}
