package main

import (
	"context"
	"flag"
	"fmt"

	"foidesk/ref"
)

func init() {
	register(&command{
		name:     "requests resolve",
		synopsis: "REF",
		summary:  "settle a request whose sending is unknown: it was --sent, or --resend it",
		help: `A request is "unknown" when the connection was lost after its message was
handed to the SMTP server, or foidesk stopped mid-send: the server may or may
not have accepted it, so foidesk never sends it again on its own. Look in
the sent mailbox (search for the Message-ID) or ask the authority, then:

  --sent    it arrived: the request is recorded as delivered at the time of
            the attempt, and its statutory due date is computed from that;
  --resend  it did not: the identical message (same Message-ID) is queued
            again for the next 'foidesk campaign send'.

--resend also re-queues a failed request, once its cause is fixed.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			sent := fs.Bool("sent", false, "the message did arrive")
			resend := fs.Bool("resend", false, "the message did not arrive: send it again")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usagef("requests resolve takes one REF")
				}
				if *sent == *resend {
					return usagef("give exactly one of --sent or --resend")
				}
				if !ref.Valid(args[0]) {
					return usagef("%q is not a request reference (8 characters, e.g. 7K3M9QXD; check the last one)", args[0])
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				if *sent {
					r, err := st.campaigns.ResolveSent(ctx, args[0])
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "%s to %s recorded as delivered %s; due %s\n", r.Ref, r.Authority.Name, londonTime(r.SentAt), r.DueDate)
					return nil
				}
				r, err := st.campaigns.ResolveResend(ctx, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s to %s queued to be sent again; run 'foidesk campaign send %s'\n", r.Ref, r.Authority.Name, r.Campaign)
				return nil
			}
		},
	})
}
