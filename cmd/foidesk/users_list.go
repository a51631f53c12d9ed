package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"foidesk/store/user"
)

func init() {
	register(newCommand(command{
		name:    "users list",
		summary: "list the review app's users, their last sign-in and live sessions",
		help: `Lists every user who has not been removed: whether they are an admin or
disabled, when they were added and last signed in (UTC), and how many
sessions they have live now under [web] session_idle and session_max, in the
order they were added. --limit N shows at most N users and --after ID only
those after user id ID.`,
	}, usersList))
}

type usersListFlags struct{ pageFlags }

func (f *usersListFlags) define(fs *flag.FlagSet) { f.pageFlags.define(fs) }

// usersList prints one line per user, in the order they were added.
func usersList(ctx context.Context, e *env, f *usersListFlags, _ []string) error {
	page, err := f.page()
	if err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	st, err := e.readStore(ctx)
	if err != nil {
		return err
	}
	t := newStreamTable(e.stdout)
	var shown int
	var last int64
	more, err := st.users.Each(ctx, sessionPolicy(cfg), page, func(u user.User) error {
		if shown == 0 {
			t.row("ID\tNAME\tROLE\tCREATED\tLAST SIGN-IN\tSESSIONS\n")
		}
		role := "user"
		if u.Admin {
			role = "admin"
		}
		if u.Disabled {
			role += " (disabled)"
		}
		shown, last = shown+1, u.ID
		return t.row("%d\t%s\t%s\t%s\t%s\t%d\n", u.ID, u.Name, role, minute(u.CreatedAt), minute(u.LastLogin), u.Sessions)
	})
	if err != nil {
		return err
	}
	if err := t.flush(); err != nil {
		return err
	}
	if shown == 0 {
		if page.After != 0 {
			fmt.Fprintf(e.stdout, "no users after id %d\n", page.After)
		} else {
			fmt.Fprintln(e.stdout, "no users yet; add one with 'foidesk users add NAME --admin'")
		}
	}
	pageNotice(e, shown, more, last)
	return nil
}

// minute shows a time to the minute in UTC, or "never".
func minute(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// sessionPolicy is the session lifetimes [web] sets.
func sessionPolicy(cfg *Config) user.Policy {
	return user.Policy{Idle: cfg.Web.SessionIdle.Duration, Max: cfg.Web.SessionMax.Duration}
}
