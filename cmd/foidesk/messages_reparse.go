package main

import (
	"context"
	"flag"
	"fmt"
)

func init() {
	register(&command{
		name:    "messages reparse",
		summary: "re-derive every stored message from its raw file",
		help: `Parses each stored raw message again (after an upgrade, or a change to the
[ingest] limits): text, attachments, match and kind. A person's assignment or
classification is kept. State changes follow the new decisions.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("messages reparse takes no arguments")
				}
				cfg, err := e.config()
				if err != nil {
					return err
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				stats, err := newProcessor(e, cfg, st).Reparse(ctx)
				fmt.Fprintf(e.stdout, "reparsed %d message(s), %d changed kind or request", stats.Messages, stats.Changed)
				if stats.Missing > 0 {
					fmt.Fprintf(e.stdout, ", %d raw file(s) missing (left as they were)", stats.Missing)
				}
				fmt.Fprintln(e.stdout)
				if err != nil {
					return err
				}
				if stats.Missing > 0 {
					return errSilentFailure
				}
				return nil
			}
		},
	})
}
