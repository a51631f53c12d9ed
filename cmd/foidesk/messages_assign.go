package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"

	"foidesk/store"
)

func init() {
	register(&command{
		name:     "messages assign",
		synopsis: "ID --request REF",
		summary:  "assign a stored message to a request by hand",
		help: `Ties message ID to the request with reference REF, undoing whatever the
message's earlier match had changed and applying its kind to the new request.
The sender's address is learned for that request's authority, so its next
message matches by itself.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			ref := fs.String("request", "", "the request's reference `REF`")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 || *ref == "" {
					return usagef("usage: foidesk messages assign ID --request REF")
				}
				id, err := strconv.ParseInt(args[0], 10, 64)
				if err != nil || id <= 0 {
					return usagef("message ID must be a positive number, not %q", args[0])
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				r, err := st.mail.Assign(ctx, id, *ref)
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("%v (see 'foidesk messages list')", err)
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "message %d assigned to request %s\n", id, r.Ref)
				return nil
			}
		},
	})
}
