package main

import (
	"context"
	"flag"
	"fmt"
)

func init() {
	register(&command{
		name:    "requests recompute",
		summary: "derive every open request's status and due date again from its events",
		help: `Each request's statutory clock is derived from what happened to it: its
delivery, bounces, acknowledgements, clarification requests a person
confirmed and the requester's answers to them, fees, extensions and
withdrawals recorded with 'foidesk requests record', and the authority's response,
counted with the calendar of the authority's regime ([deadline] holidays_file
and receipt_rule apply). foidesk does this whenever one of those facts
changes; run this after changing the holidays file or the receipt rule.

Only requests whose status or due date change are written, each with a
request.clock_changed event; running it twice changes nothing the second
time. Requests not yet sent have no clock and are left alone.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("requests recompute takes no arguments")
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				stats, err := st.RecomputeClocks(ctx)
				fmt.Fprintf(e.stdout, "%d request clock(s) derived, %d changed\n", stats.Requests, stats.Changed)
				return err
			}
		},
	})
}
