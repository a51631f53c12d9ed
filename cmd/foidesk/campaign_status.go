package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"foidesk/store"
)

func init() {
	register(&command{
		name:     "campaign status",
		synopsis: "NAME",
		summary:  "show a campaign's requests: counts per state and one line per authority",
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			asJSON := fs.Bool("json", false, "print one JSON object")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usagef("campaign status takes one NAME")
				}
				st, c, err := openCampaign(ctx, e, args[0])
				if err != nil {
					return err
				}
				defer st.Close()
				counts, err := st.CampaignCounts(ctx, c.ID)
				if err != nil {
					return err
				}
				reqs, err := st.CampaignRequests(ctx, c.ID, false)
				if err != nil {
					return err
				}
				if *asJSON {
					return printCampaignStatusJSON(e, c, counts, reqs)
				}
				fmt.Fprintf(e.stdout, "campaign %s: %s, letter %s, %d requests\n", c.Name, c.State, c.Template, len(reqs))
				for _, s := range store.OutboxStates {
					if counts[s] > 0 {
						fmt.Fprintf(e.stdout, "  %-9s %d\n", s, counts[s])
					}
				}
				fmt.Fprintln(e.stdout)
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "CODE\tAUTHORITY\tEMAIL\tREF\tSTATE\tTRIES\tSENT\tDUE\tSMTP")
				for _, r := range reqs {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", dash(r.Authority.Code), r.Authority.Name, r.ToEmail, r.Ref,
						stateDetail(r), r.Attempts, dash(londonTime(r.SentAt)), dash(r.DueDate), dash(smtpSummary(r)))
				}
				return tw.Flush()
			}
		},
	})
}

func stateDetail(r store.Request) string {
	if r.OutboxState == store.OutboxRetry && !r.NextAttemptAt.IsZero() {
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
	SentAt        string `json:"sent_at,omitempty"`
	DueDate       string `json:"due_date,omitempty"`
	SMTPCode      int    `json:"smtp_code,omitempty"`
	SMTPEnhanced  string `json:"smtp_enhanced,omitempty"`
	SMTPText      string `json:"smtp_text,omitempty"`
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func printCampaignStatusJSON(e *env, c store.Campaign, counts map[string]int, reqs []store.Request) error {
	out := struct {
		Campaign string              `json:"campaign"`
		State    string              `json:"state"`
		Template string              `json:"template"`
		Counts   map[string]int      `json:"counts"`
		Requests []requestStatusJSON `json:"requests"`
	}{Campaign: c.Name, State: c.State, Template: c.Template, Counts: counts, Requests: []requestStatusJSON{}}
	for _, r := range reqs {
		out.Requests = append(out.Requests, requestStatusJSON{
			Code: r.Authority.Code, Authority: r.Authority.Name, Email: r.ToEmail, Regime: r.Regime, Ref: r.Ref, MessageID: r.MessageID,
			State: r.OutboxState, Attempts: r.Attempts, NextAttemptAt: rfc3339(r.NextAttemptAt), SentAt: rfc3339(r.SentAt), DueDate: r.DueDate,
			SMTPCode: r.SMTPCode, SMTPEnhanced: r.SMTPEnhanced, SMTPText: r.SMTPText,
		})
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
