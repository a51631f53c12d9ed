package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"foidesk/store"
)

func init() {
	register(newCommand(command{
		name:     "messages assign",
		synopsis: "ID --request REF | --authority CODE",
		summary:  "assign a stored message to a request by hand",
		help: `Ties message ID to the request with reference REF, undoing whatever the
message's earlier match had changed and applying its kind to the new request.
The sender's address is learned for that request's authority, so its next
message matches by itself.

--authority CODE names the request by its authority instead, when that
authority has exactly one request a reply can belong to (sent, or whose
sending is unknown); with more, foidesk lists them to choose from with
--request. References are shown by 'foidesk campaign status NAME'.`,
		args: 1,
	}, messagesAssign))
}

type messagesAssignFlags struct {
	ref, authority string
}

func (f *messagesAssignFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.ref, "request", "", "the request's reference `REF`")
	fs.StringVar(&f.authority, "authority", "", "the authority's `CODE`, when it has one request")
}

// messagesAssign ties message ID to the request --request names.
func messagesAssign(ctx context.Context, e *env, f *messagesAssignFlags, args []string) error {
	if (f.ref == "") == (f.authority == "") {
		return usagef("usage: foidesk messages assign ID --request REF, or --authority CODE")
	}
	id, err := messageIDArg(args[0])
	if err != nil {
		return err
	}
	if f.ref != "" {
		if err := checkRequestRef(f.ref); err != nil {
			return usagef("%v; to name the request by its authority, use --authority CODE", err)
		}
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	if f.authority != "" {
		reqs, err := st.campaigns.AuthorityRequests(ctx, f.authority)
		if err != nil {
			return notFoundHint(err, "foidesk authorities list")
		}
		switch len(reqs) {
		case 0:
			return fmt.Errorf("authority %s has no request a reply can belong to (none was sent)", f.authority)
		case 1:
			f.ref = reqs[0].Ref
		default:
			var b strings.Builder
			fmt.Fprintf(&b, "authority %s has %d requests; choose one with --request REF:", f.authority, len(reqs))
			for _, r := range reqs {
				fmt.Fprintf(&b, "\n  %s  campaign %s, %s", r.Ref, r.Campaign, r.OutboxState)
			}
			return errors.New(b.String())
		}
	}
	r, err := st.mail.Assign(ctx, id, f.ref, whoAmI())
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%v (messages are listed by 'foidesk messages list', references by 'foidesk campaign status NAME')", err)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "message %d assigned to request %s\n", id, r.Ref)
	return nil
}
