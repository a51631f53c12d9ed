package main

import (
	"context"
	"flag"
	"fmt"

	"foidesk/ref"
)

func init() {
	register(&command{
		name:     "requests undo",
		synopsis: "REF --event N",
		summary:  "undo a fact a person recorded (requests record, requests clarified); the clock is derived again",
		help: `A fact recorded by mistake, or with the wrong date, is undone by naming its
event (printed when it was recorded, and by 'foidesk requests show REF'). The
event stays in the log; a request.fact_undone event says it no longer counts,
and the request's status and due date are derived again without it. A
message's kind is corrected with 'foidesk messages classify' instead.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			event := fs.Int64("event", 0, "the `N` of the event that recorded the fact")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 || *event <= 0 {
					return usagef("usage: foidesk requests undo REF --event N")
				}
				if !ref.Valid(args[0]) {
					return usagef("%q is not a request reference (8 characters, e.g. 7K3M9QXD; check the last one)", args[0])
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				r, err := st.UndoFact(ctx, args[0], *event)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s: event %d undone; now %s%s\n", r.Ref, *event, r.Clock.Status, dueClause(r.Clock.Due))
				return nil
			}
		},
	})
}
