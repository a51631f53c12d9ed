package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/ref"
	"foidesk/store"
)

func init() {
	register(&command{
		name:     "requests record",
		synopsis: "REF FACT [--at DATE|TIME] [--until DATE] [--note TEXT]",
		summary:  "record a fee, an extension or a withdrawal that came by no mail foidesk reads",
		help: `Some of what moves a request's statutory clock arrives by post, by phone or in
a reply a person read: record it here, and the request's status and due date
are derived again from everything known about it. FACT is one of:

  fees-notice   the authority asked for a fee (s.9 FOIA, s.9 FOISA) or a
                charge in advance (reg 8 EIR/EISR): the clock pauses
  fee-paid      the authority received the fee: the clock resumes; the
                working days in between are disregarded
  extended      the authority extended the time: FOIA s.10(3) to the date in
                --until (required); EIR and EISR reg 7 to 40 working days
                (--until, if given, is checked); FOISA allows none
  withdrawn     the requester withdrew the request

--at is when it happened: a date (YYYY-MM-DD) or an RFC 3339 time; default
now. A fact the clock cannot use (a fee paid with no notice, an extension
under FOISA) is refused and nothing is written. Each fact is an event; undo
one with 'foidesk requests undo REF --event N' (its number is printed here
and in 'foidesk requests show REF').`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			atFlag := fs.String("at", "", "when it happened: `DATE` or RFC 3339 time (default now)")
			until := fs.String("until", "", "extended: the `DATE` the authority extended to")
			note := fs.String("note", "", "a note kept with the fact, e.g. where it came from")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 2 {
					return usagef("usage: foidesk requests record REF FACT [--at DATE|TIME] [--until DATE]; FACT is one of %s", strings.Join(lifecycle.RecordedFacts, ", "))
				}
				if !ref.Valid(args[0]) {
					return usagef("%q is not a request reference (8 characters, e.g. 7K3M9QXD; check the last one)", args[0])
				}
				f := store.Fact{Fact: args[1], At: time.Now(), Note: *note}
				if err := lifecycle.ValidFact(f.Fact); err != nil {
					return usagef("%v", err)
				}
				if *atFlag != "" {
					var err error
					if f.At, err = parseAnswerTime(*atFlag); err != nil {
						return err
					}
				}
				if *until != "" {
					if f.Fact != lifecycle.FactExtended {
						return usagef("--until goes with extended only")
					}
					d, err := deadline.ParseDate(*until)
					if err != nil {
						return usagef("--until: %v", err)
					}
					f.Until = d
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				r, err := st.RecordFact(ctx, args[0], f)
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("%v (see 'foidesk campaign status')", err)
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s: %s recorded (event %d); now %s%s\n", r.Ref, f.Fact, r.Event, r.Clock.Status, dueClause(r.Clock.Due))
				return nil
			}
		},
	})
}

// dueClause is ", due DATE", or nothing when no due date applies.
func dueClause(due string) string {
	if due == "" {
		return ", no due date while it stands"
	}
	return ", due " + due
}
