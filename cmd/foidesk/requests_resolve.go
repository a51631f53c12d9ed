package main

import (
	"context"
	"flag"
	"fmt"
)

func init() {
	register(newCommand(command{
		name:     "requests resolve",
		synopsis: "REF",
		summary:  "settle a request whose sending is unknown: it was --sent, or --resend it",
		help: `A request is "unknown" when the connection was lost after its message was
handed to the SMTP server, or foidesk stopped mid-send: the server may or may
not have accepted it, so foidesk never sends it again on its own. Look in
the sent mailbox (search for the Message-ID) or ask the authority, then:

  --sent    it arrived: the request is recorded as delivered at the time of
            the attempt, and its statutory due date is computed from that;
  --resend  it did not: the same message (same Message-ID) is queued
            again for the next 'foidesk campaign send', addressed to the
            authority's address in the register now; when a re-import has
            corrected it since, the request is re-addressed and that is
            recorded as a request.readdressed event.

--resend also re-queues a failed request, once its cause is fixed.`,
		args: 1,
	}, requestsResolve))
}

type requestsResolveFlags struct {
	sent, resend bool
}

func (f *requestsResolveFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.sent, "sent", false, "the message did arrive")
	fs.BoolVar(&f.resend, "resend", false, "the message did not arrive: send it again")
}

// requestsResolve settles a request whose sending is unknown (or that
// failed): it was delivered, or it is queued to be sent again.
func requestsResolve(ctx context.Context, e *env, f *requestsResolveFlags, args []string) error {
	if f.sent == f.resend {
		return usagef("give exactly one of --sent or --resend")
	}
	if err := checkRequestRef(args[0]); err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	if f.sent {
		r, err := st.campaigns.ResolveSent(ctx, args[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s to %s recorded as delivered %s; due %s\n", r.Ref, printable(r.Authority.Name), londonTime(r.SentAt), r.DueDate)
		return nil
	}
	before, err := st.campaigns.RequestByRef(ctx, args[0])
	if err != nil {
		return err
	}
	r, err := st.campaigns.ResolveResend(ctx, args[0])
	if err != nil {
		return err
	}
	if r.ToEmail != before.ToEmail {
		fmt.Fprintf(e.stdout, "%s re-addressed from %s to %s, as the register now says\n", r.Ref, printable(before.ToEmail), printable(r.ToEmail))
	}
	fmt.Fprintf(e.stdout, "%s to %s queued to be sent again; run 'foidesk campaign send %s'\n", r.Ref, printable(r.Authority.Name), r.Campaign)
	return nil
}
