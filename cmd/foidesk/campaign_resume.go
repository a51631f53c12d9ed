package main

import (
	"context"
	"flag"
	"fmt"
)

func init() {
	register(&command{
		name:     "campaign resume",
		synopsis: "NAME",
		summary:  "let a paused campaign be sent again",
		help:     `Run 'foidesk campaign send NAME' (or let the daemon) continue the sending.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usagef("campaign resume takes one NAME")
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				if err := st.ResumeCampaign(ctx, args[0]); err != nil {
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
