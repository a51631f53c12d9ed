package main

import (
	"context"
	"flag"
	"fmt"

	"foidesk/deadline"
	"foidesk/ingest"
	"foidesk/store"
)

func init() {
	register(&command{
		name:    "requests recompute",
		summary: "derive every open request's status and due date again from its events",
		help: `Each request's statutory clock is derived from what happened to it: its
delivery, bounces, acknowledgements, clarification requests a person
confirmed and the requester's answers to them, and the authority's response,
counted with the calendar of the authority's regime ([deadline] holidays_file
and receipt_rule apply). foidesk does this whenever one of those facts
changes; run this after changing the holidays file or the receipt rule.

Only requests whose status or due date change are written, each with a
request.clock_changed event; running it twice changes nothing the second
time. Requests not yet sent, and those in a status the clock does not own,
are left alone.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("requests recompute takes no arguments")
				}
				st, err := e.openClockStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				stats, err := st.RecomputeClocks(ctx)
				fmt.Fprintf(e.stdout, "%d request clock(s) derived, %d changed\n", stats.Requests, stats.Changed)
				return err
			}
		},
	})
}

// newClocks builds the deadline engine's rule for request clocks from the
// [deadline] config.
func newClocks(cfg *Config) (*ingest.Clocks, error) {
	h, err := loadHolidays(cfg.Deadline.HolidaysFile)
	if err != nil {
		return nil, fmt.Errorf("[deadline] %w", err)
	}
	rule, err := deadline.ParseReceiptRule(cfg.Deadline.ReceiptRule)
	if err != nil {
		return nil, fmt.Errorf("[deadline] receipt_rule: %w", err)
	}
	return ingest.NewClocks(h, rule), nil
}

// openClockStore opens the store like openStore, with the deadline engine
// deriving request clocks: every command that records or corrects a fact a
// clock rests on opens the store this way.
func (e *env) openClockStore(ctx context.Context) (*store.Store, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	clocks, err := newClocks(cfg)
	if err != nil {
		return nil, err
	}
	path := e.dbPath
	if path == "" {
		path = cfg.Store.Path
	}
	return store.Open(ctx, path, store.Options{Clock: clocks})
}
