package main

import (
	"context"
	"flag"
	"fmt"
)

func init() {
	register(newCommand(command{
		name:     "users passwd",
		synopsis: "NAME",
		summary:  "set a user's password and sign them out everywhere",
		help: `Sets NAME's password, read from --password-file or asked for twice on
the terminal, and ends every session they have, so whoever knew the old
password is signed out too.`,
		args: 1,
	}, usersPasswd))
}

type usersPasswdFlags struct{ passwordFile string }

func (f *usersPasswdFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.passwordFile, "password-file", "", "read the password from `FILE` (- for standard input)")
}

// usersPasswd replaces NAME's password and revokes their sessions.
func usersPasswd(ctx context.Context, e *env, f *usersPasswdFlags, args []string) error {
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	if _, err := st.users.ByName(ctx, args[0]); err != nil {
		return notFoundHint(err, "foidesk users list")
	}
	pw, err := e.newPassword(args[0], f.passwordFile)
	if err != nil {
		return err
	}
	n, err := st.users.SetPassword(ctx, cliActor, args[0], pw, 0)
	if err != nil {
		return notFoundHint(err, "foidesk users list")
	}
	fmt.Fprintf(e.stdout, "password of %s changed; %s ended\n", args[0], plural(n, "session"))
	return nil
}
