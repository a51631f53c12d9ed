package main

import (
	"context"
	"flag"
	"fmt"
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
timeline.

The lines are in the order the requests were made (by id); --limit N
shows at most N of them and --after ID only those after request id ID, and
when --limit cuts them standard error says how to ask for the next page.
The counts are always the whole campaign's.`,
		args: 1,
	}, campaignStatus))
}

type campaignStatusFlags struct {
	json bool
	asOf string
	pageFlags
}

func (f *campaignStatusFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.json, "json", false, "print one JSON object")
	fs.StringVar(&f.asOf, "as-of", "", "judge overdue requests on `DATE` (YYYY-MM-DD; default today)")
	f.pageFlags.define(fs)
}

// campaignStatus shows where each of campaign NAME's requests stands on
// the --as-of date: counts per status and one line per authority. It
// reads the campaign twice, a batch at a time, so a campaign of any size
// takes little memory: once for the counts, which come first, and once
// for the lines (the page --limit and --after ask for).
func campaignStatus(ctx context.Context, e *env, f *campaignStatusFlags, args []string) error {
	day, err := e.statusDay(f.asOf)
	if err != nil {
		return err
	}
	page, err := f.page()
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
	statusCounts, total, err := campaignStatusCounts(ctx, st, c, day)
	if err != nil {
		return err
	}
	var write func(campaign.Request, lifecycle.Shown) error
	var done func() error
	if f.json {
		head := campaignStatusHead{Campaign: c.Name, State: c.State, Template: c.Template, AsOf: day.on.String(), Counts: counts, StatusCounts: statusCounts}
		arr, err := newJSONObjectArray(e.stdout, head, "requests")
		if err != nil {
			return err
		}
		write = func(r campaign.Request, sh lifecycle.Shown) error {
			return arr.add(requestJSON(r, sh.Status, sh.DaysLate))
		}
		done = arr.close
	} else {
		fmt.Fprintf(e.stdout, "campaign %s: %s, letter %s, %d requests, as of %s\n", c.Name, c.State, c.Template, total, day.on)
		if err := printLetterCounts(ctx, e, st, c); err != nil {
			return err
		}
		for _, s := range lifecycle.Statuses {
			if statusCounts[s] > 0 {
				fmt.Fprintf(e.stdout, "  %-22s %d\n", s, statusCounts[s])
			}
		}
		fmt.Fprintln(e.stdout)
		if total == 0 {
			fmt.Fprintf(e.stdout, "no requests yet: 'foidesk campaign add %s CODE...' (or --missing) adds authorities that have an email address\n", c.Name)
			return nil
		}
		t := newStreamTable(e.stdout)
		t.row("ID\tCODE\tAUTHORITY\tEMAIL\tREF\tSTATE\tSTATUS\tTRIES\tSENT\tDUE\tLATE\tSMTP\tREASON\n")
		write = func(r campaign.Request, sh lifecycle.Shown) error {
			return t.row("%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, dash(printable(r.Authority.Code)), printable(r.Authority.Name), printable(r.ToEmail), r.Ref,
				stateDetail(r), sh.Status, r.Attempts, dash(londonTime(r.SentAt)), dash(r.DueDate), dash(lateString(sh.DaysLate)),
				dash(smtpSummary(r)), dash(r.StatusReason))
		}
		done = t.flush
	}
	var shown int
	var last int64
	more, err := st.campaigns.EachRequest(ctx, campaign.RequestFilter{CampaignID: c.ID, AfterID: page.After, Limit: page.Limit}, func(r campaign.Request) error {
		sh, err := day.show(st, r)
		if err != nil {
			return err
		}
		if err := write(r, sh); err != nil {
			return err
		}
		shown, last = shown+1, r.ID
		return nil
	})
	if err != nil {
		return err
	}
	if err := done(); err != nil {
		return err
	}
	pageNotice(e, shown, more, last)
	return nil
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
	ID            int64  `json:"id"`
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
		ID: r.ID, Code: r.Authority.Code, Authority: r.Authority.Name, Email: r.ToEmail, Regime: r.Regime, Ref: r.Ref, MessageID: r.MessageID,
		State: r.OutboxState, Status: status, Attempts: r.Attempts, NextAttemptAt: rfc3339(r.NextAttemptAt), SentAt: rfc3339(r.SentAt),
		DueDate: r.DueDate, RepliedAt: r.RepliedOn, WorkingDaysLate: late, Reason: r.StatusReason,
		SMTPCode: r.SMTPCode, SMTPEnhanced: r.SMTPEnhanced, SMTPText: r.SMTPText,
	}
}

// campaignStatusHead is campaign status --json but for its requests,
// which follow it in the same object, written one at a time.
type campaignStatusHead struct {
	Campaign     string         `json:"campaign"`
	State        string         `json:"state"`
	Template     string         `json:"template"`
	AsOf         string         `json:"as_of"`
	Counts       map[string]int `json:"counts"` // by outbox state
	StatusCounts map[string]int `json:"status_counts"`
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
