package main

import (
	"context"
	"flag"
	"fmt"
)

func init() {
	register(newCommand(command{
		name:     "requests undo",
		synopsis: "REF --event N",
		summary:  "undo a fact a person recorded (requests record, requests clarified); the clock is derived again",
		help: `A fact recorded by mistake, or with the wrong date, is undone by naming its
event (printed when it was recorded, and by 'foidesk requests show REF'). The
event stays in the log; a request.fact_undone event says it no longer counts,
and the request's status and due date are derived again without it. A
message's kind is corrected with 'foidesk messages classify' instead.`,
		args: 1,
	}, requestsUndo))
}

type requestsUndoFlags struct {
	event int64
}

func (f *requestsUndoFlags) define(fs *flag.FlagSet) {
	fs.Int64Var(&f.event, "event", 0, "the `N` of the event that recorded the fact")
}

// requestsUndo undoes the fact event N recorded about request REF; the
// request's clock is derived again without it.
func requestsUndo(ctx context.Context, e *env, f *requestsUndoFlags, args []string) error {
	if f.event <= 0 {
		return usagef("usage: foidesk requests undo REF --event N")
	}
	if err := checkRequestRef(args[0]); err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	r, err := st.UndoFact(ctx, args[0], f.event)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: event %d undone; now %s%s\n", r.Ref, f.event, r.Clock.Status, dueClause(r.Clock.Due))
	return nil
}
