package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/store"
)

func init() {
	register(newCommand(command{
		name:     "requests clarified",
		synopsis: "REF [--at DATE|TIME]",
		summary:  "record the requester's answer to a clarification request: the clock restarts",
		help: `When an authority asks what a request means and a person has confirmed it
('foidesk messages classify ID --kind clarification-request'), the statutory
clock stops. Once the requester has answered, record when the authority
received the answer; a fresh count of 20 working days starts from that date
(s.1(3) FOIA, reg 9 EIR, s.1(3) FOISA, reg 9 EISR) and the request's due date
is derived again.

--at is a date (YYYY-MM-DD, the date of receipt) or an RFC 3339 time, whose
Europe/London date counts; it defaults to now. Recording the answer again
corrects its date. An answer dated before the clarification request, or for
a request with no confirmed clarification request, is refused and nothing is
written.`,
		args: 1,
	}, requestsClarified))
}

type requestsClarifiedFlags struct {
	at string
}

func (f *requestsClarifiedFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.at, "at", "", "when the authority received the answer: `DATE` or RFC 3339 time (default now)")
}

// requestsClarified records when the authority received the requester's
// answer to its clarification request; the clock restarts from it.
func requestsClarified(ctx context.Context, e *env, f *requestsClarifiedFlags, args []string) error {
	if err := checkRequestRef(args[0]); err != nil {
		return err
	}
	at := time.Now()
	if f.at != "" {
		var err error
		if at, err = parseWhen("--at", f.at); err != nil {
			return err
		}
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	c, err := st.RecordFact(ctx, args[0], store.Fact{Fact: lifecycle.FactClarificationAnswered, At: at})
	if err != nil {
		return notFoundHint(err, "foidesk campaign status")
	}
	fmt.Fprintf(e.stdout, "%s: clarification answered %s; the clock runs again, due %s\n",
		c.Ref, deadline.ReceiptDate(at), c.Clock.Due)
	return nil
}
