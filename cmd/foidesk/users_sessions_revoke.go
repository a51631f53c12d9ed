package main

import (
	"context"
	"fmt"
)

func init() {
	register(newCommand(command{
		name:     "users sessions revoke",
		synopsis: "NAME",
		summary:  "sign a user out of every browser",
		help: `Ends every session NAME has (a lost laptop, a shared computer). Their
password is unchanged; use 'foidesk users passwd' if it may be known.`,
		args: 1,
	}, usersSessionsRevoke))
}

// usersSessionsRevoke ends every session of user NAME.
func usersSessionsRevoke(ctx context.Context, e *env, _ *noFlags, args []string) error {
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	n, err := st.users.RevokeSessions(ctx, cliActor, args[0])
	if err != nil {
		return notFoundHint(err, "foidesk users list")
	}
	fmt.Fprintf(e.stdout, "%s ended for %s\n", plural(n, "session"), args[0])
	return nil
}
