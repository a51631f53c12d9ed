package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
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
'foidesk campaign status NAME' counts them. --limit N shows at most N
campaigns and --after ID only those after campaign id ID; when --limit cuts
the list, standard error says how to ask for the next page.`,
		args: 0,
	}, campaignList))
}

type campaignListFlags struct {
	json bool
	asOf string
	pageFlags
}

func (f *campaignListFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.json, "json", false, "print a JSON array")
	fs.StringVar(&f.asOf, "as-of", "", "judge overdue requests on `DATE` (YYYY-MM-DD; default today)")
	f.pageFlags.define(fs)
}

type campaignListJSON struct {
	ID           int64          `json:"id"`
	Name         string         `json:"name"`
	State        string         `json:"state"`
	Template     string         `json:"template"`
	CreatedAt    string         `json:"created_at"`
	Requests     int            `json:"requests"`
	Counts       map[string]int `json:"counts"` // by outbox state, every state present
	StatusCounts map[string]int `json:"status_counts"`
}

// campaignList prints every campaign (or the page asked for) with its
// state, letter, created date, number of requests and their counts by
// outbox state and by status, each written as it is read.
func campaignList(ctx context.Context, e *env, f *campaignListFlags, _ []string) error {
	day, err := e.statusDay(f.asOf)
	if err != nil {
		return err
	}
	page, err := f.page()
	if err != nil {
		return err
	}
	st, err := e.readStore(ctx)
	if err != nil {
		return err
	}
	var write func(campaignListJSON, campaign.Summary) error
	var done func() error
	if f.json {
		arr := newJSONArray(e.stdout)
		write, done = func(c campaignListJSON, _ campaign.Summary) error { return arr.add(c) }, arr.close
	} else {
		t := newStreamTable(e.stdout)
		first := true
		write = func(c campaignListJSON, s campaign.Summary) error {
			if first {
				t.row("ID\tNAME\tSTATE\tLETTER\tCREATED\tREQUESTS\tOUTBOX\tSTATUS\n")
				first = false
			}
			return t.row("%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", c.ID, printable(c.Name), c.State, printable(c.Template), dash(londonDate(s.CreatedAt)), c.Requests,
				dash(nonZero(c.Counts, campaign.OutboxStates)), dash(nonZero(c.StatusCounts, lifecycle.Statuses)))
		}
		done = t.flush
	}
	var shown int
	var last int64
	more, err := st.campaigns.EachSummary(ctx, page, func(s campaign.Summary) error {
		statuses, _, err := campaignStatusCounts(ctx, st, s.Campaign, day)
		if err != nil {
			return err
		}
		c := campaignListJSON{ID: s.ID, Name: s.Name, State: s.State, Template: s.Template, CreatedAt: rfc3339(s.CreatedAt),
			Requests: s.Requests, Counts: s.Counts, StatusCounts: statuses}
		if err := write(c, s); err != nil {
			return err
		}
		shown, last = shown+1, s.ID
		return nil
	})
	if err != nil {
		return err
	}
	if err := done(); err != nil {
		return err
	}
	if shown == 0 && !f.json {
		if page.After != 0 {
			fmt.Fprintf(e.stdout, "no campaigns after id %d\n", page.After)
		} else {
			fmt.Fprintln(e.stdout, "no campaigns yet; create one with 'foidesk campaign create'")
		}
	}
	pageNotice(e, shown, more, last)
	return nil
}

// campaignStatusCounts counts campaign c's requests by the status a person
// sees on the day, as campaign status does, and all of them, reading them
// a batch at a time.
func campaignStatusCounts(ctx context.Context, st *stores, c campaign.Campaign, day statusDay) (map[string]int, int, error) {
	counts, total := map[string]int{}, 0
	_, err := st.campaigns.EachRequest(ctx, campaign.RequestFilter{CampaignID: c.ID}, func(r campaign.Request) error {
		sh, err := day.show(st, r)
		if err != nil {
			return fmt.Errorf("campaign %s: %w", c.Name, err)
		}
		counts[sh.Status]++
		total++
		return nil
	})
	return counts, total, err
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
