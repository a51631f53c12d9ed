package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"foidesk/store/mail"
)

func init() {
	register(&command{
		name:     "messages classify",
		synopsis: "ID --kind KIND [--reason TEXT]",
		summary:  "correct the kind triage gave a message",
		help: `Sets message ID's kind (` + strings.Join(mail.Kinds, ", ") + `)
on a person's word. The state change the old kind made is undone and the new
kind's is applied: a response marks the request replied, a permanent bounce
makes it not delivered, an auto-reply or acknowledgement changes nothing.
Confirming a clarification request clears its "needs a person" flag and
stops the request's statutory clock until the requester's answer is
recorded with 'foidesk requests clarified REF'. Each change re-derives the
request's status and due date from all its mail.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			kind := fs.String("kind", "", "the message's `KIND`")
			reason := fs.String("reason", "", "why, for the record")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 || *kind == "" {
					return usagef("usage: foidesk messages classify ID --kind KIND")
				}
				id, err := strconv.ParseInt(args[0], 10, 64)
				if err != nil || id <= 0 {
					return usagef("message ID must be a positive number, not %q", args[0])
				}
				valid := false
				for _, k := range mail.Kinds {
					valid = valid || k == *kind
				}
				if !valid {
					return usagef("--kind must be one of %s, not %q", strings.Join(mail.Kinds, ", "), *kind)
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				if err := st.mail.Classify(ctx, id, *kind, *reason); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "message %d is now %s\n", id, *kind)
				return nil
			}
		},
	})
}
