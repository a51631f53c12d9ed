package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"foidesk/lifecycle"
	"foidesk/store/campaign"
)

func init() {
	register(newCommand(command{
		name:     "campaign list",
		summary:  "list every campaign with its state, letter, requests and where they stand",
		synopsis: "",
		help: `Lists every campaign, oldest first: its state, letter, the day it was
created, how many requests it has, how many are in each outbox state (draft,
queued, sending, retry, sent, failed, unknown, cancelled) and how many have
each status on the --as-of date (default today, in Europe/London), as
'foidesk campaign status NAME' counts them.`,
		args: 0,
	}, campaignList))
}

type campaignListFlags struct {
	json bool
	asOf string
}

func (f *campaignListFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.json, "json", false, "print a JSON array")
	fs.StringVar(&f.asOf, "as-of", "", "judge overdue requests on `DATE` (YYYY-MM-DD; default today)")
}

type campaignListJSON struct {
	Name         string         `json:"name"`
	State        string         `json:"state"`
	Template     string         `json:"template"`
	CreatedAt    string         `json:"created_at"`
	Requests     int            `json:"requests"`
	Counts       map[string]int `json:"counts"` // by outbox state, every state present
	StatusCounts map[string]int `json:"status_counts"`
}

// campaignList prints every campaign with its state, letter, created date,
// number of requests and their counts by outbox state and by status.
func campaignList(ctx context.Context, e *env, f *campaignListFlags, _ []string) error {
	day, err := e.statusDay(f.asOf)
	if err != nil {
		return err
	}
	st, err := e.readStore(ctx)
	if err != nil {
		return err
	}
	sums, err := st.campaigns.Summaries(ctx)
	if err != nil {
		return err
	}
	out := make([]campaignListJSON, 0, len(sums))
	for _, s := range sums {
		statuses, err := campaignStatusCounts(ctx, st, s.Campaign, day)
		if err != nil {
			return err
		}
		out = append(out, campaignListJSON{Name: s.Name, State: s.State, Template: s.Template, CreatedAt: rfc3339(s.CreatedAt),
			Requests: s.Requests, Counts: s.Counts, StatusCounts: statuses})
	}
	if f.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(out) == 0 {
		fmt.Fprintln(e.stdout, "no campaigns yet; create one with 'foidesk campaign create'")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE\tLETTER\tCREATED\tREQUESTS\tOUTBOX\tSTATUS")
	for i, c := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", printable(c.Name), c.State, printable(c.Template), dash(londonDate(sums[i].CreatedAt)), c.Requests,
			dash(nonZero(c.Counts, campaign.OutboxStates)), dash(nonZero(c.StatusCounts, lifecycle.Statuses)))
	}
	return tw.Flush()
}

// campaignStatusCounts counts campaign c's requests by the status a person
// sees on date on, as campaign status does.
func campaignStatusCounts(ctx context.Context, st *stores, c campaign.Campaign, day statusDay) (map[string]int, error) {
	reqs, err := st.campaigns.Requests(ctx, c.ID, false)
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	for _, r := range reqs {
		sh, err := day.show(st, r)
		if err != nil {
			return nil, fmt.Errorf("campaign %s: %w", c.Name, err)
		}
		counts[sh.Status]++
	}
	return counts, nil
}

// nonZero lists the counts that are not zero, in the order of keys:
// "sent 4, failed 1".
func nonZero(counts map[string]int, keys []string) string {
	var parts []string
	for _, k := range keys {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
		}
	}
	return strings.Join(parts, ", ")
}

// londonDate is t's day in Europe/London, "" for the zero time.
func londonDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(londonLoc()).Format("2006-01-02")
}
