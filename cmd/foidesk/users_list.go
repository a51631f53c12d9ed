package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"foidesk/store/user"
)

func init() {
	register(newCommand(command{
		name:    "users list",
		summary: "list the review app's users, their last sign-in and live sessions",
		help: `Lists every user who has not been removed: whether they are an admin or
disabled, when they were added and last signed in (UTC), and how many
sessions they have live now under [web] session_idle and session_max.`,
	}, usersList))
}

// usersList prints one line per user.
func usersList(ctx context.Context, e *env, _ *noFlags, _ []string) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	st, err := e.readStore(ctx)
	if err != nil {
		return err
	}
	users, err := st.users.List(ctx, sessionPolicy(cfg))
	if err != nil {
		return err
	}
	if len(users) == 0 {
		fmt.Fprintln(e.stdout, "no users yet; add one with 'foidesk users add NAME --admin'")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tCREATED\tLAST SIGN-IN\tSESSIONS")
	for _, u := range users {
		role := "user"
		if u.Admin {
			role = "admin"
		}
		if u.Disabled {
			role += " (disabled)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", u.Name, role, minute(u.CreatedAt), minute(u.LastLogin), u.Sessions)
	}
	return tw.Flush()
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
