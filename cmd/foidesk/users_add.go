package main

import (
	"context"
	"flag"
	"fmt"
)

func init() {
	register(newCommand(command{
		name:     "users add",
		synopsis: "NAME",
		summary:  "add a person who may sign in to the review app",
		help: `Adds a user who signs in to the review app ('foidesk serve') as NAME,
which is also the name the event log records for what they do. The
password (at least 12 characters) is read from --password-file, or asked
for twice on the terminal without echo; it is stored only as an argon2id
hash. An admin may also add and disable users in the app. Names are
unique without regard to case; a removed user's name stays taken.`,
		args: 1,
	}, usersAdd))
}

type usersAddFlags struct {
	admin        bool
	passwordFile string
}

func (f *usersAddFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.admin, "admin", false, "the user may manage users in the app")
	fs.StringVar(&f.passwordFile, "password-file", "", "read the password from `FILE` (- for standard input)")
}

// usersAdd adds user NAME with a password read from a file or the terminal.
func usersAdd(ctx context.Context, e *env, f *usersAddFlags, args []string) error {
	pw, err := e.newPassword(args[0], f.passwordFile)
	if err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	u, err := st.users.Add(ctx, cliActor, args[0], pw, f.admin)
	if err != nil {
		return err
	}
	role := "user"
	if u.Admin {
		role = "admin"
	}
	fmt.Fprintf(e.stdout, "added %s %s; they sign in at 'foidesk serve'\n", role, u.Name)
	return nil
}
