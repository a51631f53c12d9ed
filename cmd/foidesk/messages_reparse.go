package main

import (
	"context"
	"fmt"
)

func init() {
	register(newCommand(command{
		name:    "messages reparse",
		summary: "re-derive every stored message from its raw file",
		help: `Parses each stored raw message again (after an upgrade, or a change to the
[ingest] limits): text, attachments, match and kind. A person's assignment or
classification is kept. State changes follow the new decisions.`,
	}, messagesReparse))
}

// messagesReparse derives every stored message again from its raw file.
func messagesReparse(ctx context.Context, e *env, _ *noFlags, _ []string) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
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
