package main

import (
	"context"
	"flag"
	"fmt"
)

func init() {
	register(newCommand(command{
		name:     "messages assign",
		synopsis: "ID --request REF",
		summary:  "assign a stored message to a request by hand",
		help: `Ties message ID to the request with reference REF, undoing whatever the
message's earlier match had changed and applying its kind to the new request.
The sender's address is learned for that request's authority, so its next
message matches by itself.`,
		args: 1,
	}, messagesAssign))
}

type messagesAssignFlags struct {
	ref string
}

func (f *messagesAssignFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.ref, "request", "", "the request's reference `REF`")
}

// messagesAssign ties message ID to the request --request names.
func messagesAssign(ctx context.Context, e *env, f *messagesAssignFlags, args []string) error {
	if f.ref == "" {
		return usagef("usage: foidesk messages assign ID --request REF")
	}
	id, err := messageIDArg(args[0])
	if err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	r, err := st.mail.Assign(ctx, id, f.ref)
	if err != nil {
		return notFoundHint(err, "foidesk messages list")
	}
	fmt.Fprintf(e.stdout, "message %d assigned to request %s\n", id, r.Ref)
	return nil
}
