package main

import (
	"context"
	"fmt"
)

func init() {
	register(newCommand(command{
		name:     "messages undismiss",
		synopsis: "ID",
		summary:  "take back a message's dismissal",
		help: `Puts dismissed message ID back in the unmatched queue ('foidesk messages
list --unmatched'), from where 'foidesk messages assign' ties it to a
request, or 'foidesk messages reparse' matches it by the usual rules. The
undismissal, with who made it, is recorded as an event.`,
		args: 1,
	}, messagesUndismiss))
}

// messagesUndismiss puts dismissed message ID back in the unmatched queue.
func messagesUndismiss(ctx context.Context, e *env, _ *noFlags, args []string) error {
	id, err := messageIDArg(args[0])
	if err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	if err := st.mail.Undismiss(ctx, id, whoAmI()); err != nil {
		return notFoundHint(err, "foidesk messages list --dismissed")
	}
	fmt.Fprintf(e.stdout, "message %d is back in the unmatched queue\n", id)
	return nil
}
