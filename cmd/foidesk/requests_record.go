package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/store"
)

func init() {
	register(newCommand(command{
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
		args: anyArgs,
	}, requestsRecord))
}

type requestsRecordFlags struct {
	at, until, note string
}

func (f *requestsRecordFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.at, "at", "", "when it happened: `DATE` or RFC 3339 time (default now)")
	fs.StringVar(&f.until, "until", "", "extended: the `DATE` the authority extended to")
	fs.StringVar(&f.note, "note", "", "a note kept with the fact, e.g. where it came from")
}

// requestsRecord records a fact about request REF that came by no mail
// foidesk reads; the request's clock is derived again. It counts its own
// arguments, so that a wrong count names the facts it takes.
func requestsRecord(ctx context.Context, e *env, flags *requestsRecordFlags, args []string) error {
	if len(args) != 2 {
		return usagef("usage: foidesk requests record REF FACT [--at DATE|TIME] [--until DATE]; FACT is one of %s", strings.Join(lifecycle.RecordedFacts, ", "))
	}
	if err := checkRequestRef(args[0]); err != nil {
		return err
	}
	f := store.Fact{Fact: args[1], At: time.Now(), Note: flags.note}
	if err := lifecycle.ValidFact(f.Fact); err != nil {
		return usagef("%v", err)
	}
	if flags.at != "" {
		var err error
		if f.At, err = parseWhen("--at", flags.at); err != nil {
			return err
		}
	}
	if flags.until != "" {
		if f.Fact != lifecycle.FactExtended {
			return usagef("--until goes with extended only")
		}
		d, err := deadline.ParseDate(flags.until)
		if err != nil {
			return usagef("--until: %v", err)
		}
		f.Until = d
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	r, err := st.RecordFact(ctx, args[0], f)
	if err != nil {
		return notFoundHint(err, "foidesk campaign status")
	}
	fmt.Fprintf(e.stdout, "%s: %s recorded (event %d); now %s%s\n", r.Ref, f.Fact, r.Event, r.Clock.Status, dueClause(r.Clock.Due))
	return nil
}

// dueClause is ", due DATE", or nothing when no due date applies.
func dueClause(due string) string {
	if due == "" {
		return ", no due date while it stands"
	}
	return ", due " + due
}
