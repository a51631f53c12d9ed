package main

import (
	"context"
	"fmt"
)

func init() {
	register(newCommand(command{
		name:     "users remove",
		synopsis: "NAME",
		summary:  "remove a user: they are signed out and cannot sign in again",
		help: `Removes NAME: their sessions end and they can no longer sign in. What
they did stays in the event log under their name, and the name stays
taken, so the coding history never points at somebody else. The last
admin cannot be removed while other users remain.`,
		args: 1,
	}, usersRemove))
}

// usersRemove removes user NAME, keeping their history.
func usersRemove(ctx context.Context, e *env, _ *noFlags, args []string) error {
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	n, err := st.users.Remove(ctx, cliActor, args[0])
	if err != nil {
		return notFoundHint(err, "foidesk users list")
	}
	fmt.Fprintf(e.stdout, "removed %s; %s ended\n", args[0], plural(n, "session"))
	return nil
}
