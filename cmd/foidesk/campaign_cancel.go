package main

import (
	"context"
	"flag"
	"fmt"
)

func init() {
	register(&command{
		name:     "campaign cancel",
		synopsis: "NAME",
		summary:  "cancel a campaign: requests not yet sent never will be",
		help:     `Requests already sent stay sent; the message in flight, if any, finishes. A cancelled campaign cannot be resumed.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usagef("campaign cancel takes one NAME")
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				if err := st.CancelCampaign(ctx, args[0]); err != nil {
					return err
				}
				c, err := st.CampaignByName(ctx, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "campaign %s is now %s\n", c.Name, c.State)
				return nil
			}
		},
	})
}
