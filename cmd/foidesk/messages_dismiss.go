package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"

	"foidesk/store/mail"
)

func init() {
	register(newCommand(command{
		name:     "messages dismiss",
		synopsis: "ID [--reason TEXT] [--force]",
		summary:  "dismiss a message that belongs to no request (a stranger's mail, spam)",
		help: `Takes message ID out of the unmatched queue for good: it is no longer
listed by 'foidesk messages list --unmatched' (--dismissed lists it), a
reparse never matches it, it cannot be assigned, and nothing of it is
extracted into the review queue. Its raw file is kept, and the dismissal,
with who dismissed it and --reason, is recorded as an event.
'foidesk messages undismiss ID' takes it back.

A message matched to a request is refused: --force dismisses it all the
same and takes it from the request, undoing what its kind did there as a
correction would, so the request's status and due date are derived again
without it.`,
		args: 1,
	}, messagesDismiss))
}

type messagesDismissFlags struct {
	reason string
	force  bool
}

func (f *messagesDismissFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.reason, "reason", "", "why, for the record")
	fs.BoolVar(&f.force, "force", false, "dismiss a message matched to a request, unmatching it")
}

// messagesDismiss dismisses message ID as belonging to no request.
func messagesDismiss(ctx context.Context, e *env, f *messagesDismissFlags, args []string) error {
	id, err := messageIDArg(args[0])
	if err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	d, err := st.mail.Dismiss(ctx, id, f.reason, whoAmI(), f.force)
	if errors.Is(err, mail.ErrMatched) {
		return fmt.Errorf("%v: nothing dismissed; 'foidesk messages dismiss %d --force' takes it from the request, or 'foidesk messages assign' moves it to the right one", err, id)
	}
	if err != nil {
		return notFoundHint(err, "foidesk messages list")
	}
	if d.Unmatched != "" {
		fmt.Fprintf(e.stdout, "message %d dismissed and taken from request %s, whose status was derived again ('foidesk requests show %s')\n", id, d.Unmatched, d.Unmatched)
		return nil
	}
	fmt.Fprintf(e.stdout, "message %d dismissed\n", id)
	return nil
}

// whoAmI names the person running foidesk, for the record: the login name,
// else $USER, else "unknown".
func whoAmI() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}
