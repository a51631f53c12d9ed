package main

import (
	"context"
	"flag"
	"fmt"
)

func init() {
	register(&command{
		name:     "campaign pause",
		synopsis: "NAME",
		summary:  "stop sending a campaign before its next message",
		help:     `The message in flight, if any, finishes; nothing more is sent until 'foidesk campaign resume'.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usagef("campaign pause takes one NAME")
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				if err := st.PauseCampaign(ctx, args[0]); err != nil {
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
