package main

import (
	"context"
	"flag"
	"fmt"

	"foidesk/store/campaign"
)

// pause, resume and cancel differ only in the store method they call, so
// they share one definition. Each takes effect before the next message: the
// dispatcher checks the campaign's state in every claim.
func init() {
	for _, c := range []struct {
		verb, summary, help string
		change              func(*campaign.Store, context.Context, string) error
	}{
		{"pause", "stop sending a campaign before its next message",
			`The message in flight, if any, finishes; nothing more is sent until 'foidesk campaign resume'.`,
			(*campaign.Store).Pause},
		{"resume", "let a paused campaign be sent again",
			`Run 'foidesk campaign send NAME' (or let the daemon) continue the sending.`,
			(*campaign.Store).Resume},
		{"cancel", "cancel a campaign: requests not yet sent never will be",
			`Requests already sent stay sent; the message in flight, if any, finishes. A cancelled campaign cannot be resumed.`,
			(*campaign.Store).Cancel},
	} {
		register(&command{
			name:     "campaign " + c.verb,
			synopsis: "NAME",
			summary:  c.summary,
			help:     c.help,
			setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
				return func(ctx context.Context, e *env, args []string) error {
					if len(args) != 1 {
						return usagef("campaign %s takes one NAME", c.verb)
					}
					st, err := e.openStore(ctx)
					if err != nil {
						return err
					}
					defer st.Close()
					if err := c.change(st.campaigns, ctx, args[0]); err != nil {
						return err
					}
					camp, err := st.campaigns.ByName(ctx, args[0])
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "campaign %s is now %s\n", camp.Name, camp.State)
					return nil
				}
			},
		})
	}
}
