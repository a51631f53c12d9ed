package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/store"
)

func init() {
	register(newCommand(command{
		name:     "requests event",
		synopsis: "REF KIND [--at DATE|TIME] [--until DATE] [--note TEXT] | REF --undo EVENT_ID",
		summary:  "record what happened to a request by post or phone (a clarification, a fee, an extension, a response, a review), or undo it",
		help: `Much of what moves a request's statutory clock arrives by post, by phone or in
a letter a person read: record it here, and the request's status and due date
are derived again from everything known about it. KIND is one of:

  clarification-requested  the authority asked what the request means: the
                           clock stops (awaiting-clarification)
  clarification-answered   the authority received the requester's answer to
                           the clarification request outstanding, asked by
                           post or by an email a person confirmed ('foidesk
                           messages classify ID --kind clarification-request'):
                           a fresh count starts from that date
  fees-notice              the authority asked for a fee (s.9 FOIA, s.9 FOISA)
                           or a charge in advance (reg 8 EIR/EISR): the clock
                           pauses (fee-pending)
  fee-paid                 the authority received the fee: the clock resumes;
                           the working days in between are disregarded
  extended                 the authority extended the time (extended): FOIA
                           s.10(3) to the date in --until (required); EIR and
                           EISR reg 7 to 40 working days (--until, if given,
                           is checked); FOISA allows none
  response-received        the authority answered: the clock stops (replied)
  review-requested         the requester asked for an internal review, after
                           a response or once the due date passed: the
                           review's own clock starts (awaiting-review; FOIA,
                           FOISA and EISR 20 working days, EIR 40)
  withdrawn                the requester withdrew the request

--at is when it happened: a date (YYYY-MM-DD, the date of receipt) or an RFC
3339 time, whose Europe/London date counts; default now. --note is kept with
the fact (where it came from, a letter's reference). The deadline engine
checks each fact against the request's regime and what is already known; one
the clock cannot use (an extension under FOISA, a fee paid with no notice, an
answer to no clarification request, a date in the future) is refused with the
reason and nothing is written.

Each fact is a request.fact_recorded event; its number is printed here and by
'foidesk requests show REF'. A fact recorded by mistake, or with the wrong
date, is taken back with --undo EVENT_ID: the event stays in the log, a
request.fact_undone event says it no longer counts, and the status and due
date are derived again without it. Record it again with the right date. A
message's kind is corrected with 'foidesk messages classify' instead.`,
		args: anyArgs,
	}, requestsEvent))
}

type requestsEventFlags struct {
	at, until, note string
	undo            int64
}

func (f *requestsEventFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.at, "at", "", "when it happened: `DATE` or RFC 3339 time (default now)")
	fs.StringVar(&f.until, "until", "", "extended: the `DATE` the authority extended to")
	fs.StringVar(&f.note, "note", "", "a note kept with the fact, e.g. where it came from")
	fs.Int64Var(&f.undo, "undo", 0, "undo the fact event `EVENT_ID` recorded")
}

// requestsEvent records a fact about request REF that came by no mail
// foidesk reads, or with --undo takes one back; either way the request's
// clock is derived again and its new status printed. It counts its own
// arguments, so that a wrong count names the kinds it takes.
func requestsEvent(ctx context.Context, e *env, flags *requestsEventFlags, args []string) error {
	usage := "usage: foidesk requests event REF KIND [--at DATE|TIME] [--until DATE] [--note TEXT], or REF --undo EVENT_ID; KIND is one of " +
		strings.Join(lifecycle.RecordedFacts, ", ")
	if flags.undo != 0 {
		if len(args) != 1 || flags.at != "" || flags.until != "" || flags.note != "" {
			return usagef("usage: foidesk requests event REF --undo EVENT_ID (with nothing else)")
		}
		if flags.undo < 0 {
			return usagef("--undo takes an event number, not %d", flags.undo)
		}
		return undoEvent(ctx, e, args[0], flags.undo)
	}
	if len(args) != 2 {
		return usagef("%s", usage)
	}
	if err := checkRequestRef(args[0]); err != nil {
		return err
	}
	f := store.Fact{Fact: args[1], At: e.now(), Note: flags.note}
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
	fmt.Fprintf(e.stdout, "%s: %s on %s recorded as event %d; now %s%s\n", r.Ref, f.Fact, deadline.ReceiptDate(f.At), r.Event, r.Clock.Status, dueClause(r.Clock))
	fmt.Fprintf(e.stdout, "to undo it: foidesk requests event %s --undo %d\n", r.Ref, r.Event)
	return nil
}

// undoEvent takes back the fact event id recorded about request token.
func undoEvent(ctx context.Context, e *env, token string, id int64) error {
	if err := checkRequestRef(token); err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	r, err := st.UndoFact(ctx, token, id)
	if err != nil {
		return notFoundHint(err, "foidesk campaign status")
	}
	fmt.Fprintf(e.stdout, "%s: event %d undone (event %d); now %s%s\n", r.Ref, id, r.Event, r.Clock.Status, dueClause(r.Clock))
	// Taking back a fact can leave a later one with nothing to stand on
	// (an answer whose clarification request is gone): say so.
	for _, ig := range r.Clock.Ignored {
		fmt.Fprintf(e.stdout, "the clock now cannot use: %s\n", ig.Text)
	}
	return nil
}

// dueClause is ", due DATE" (the review's when one is under way), or says
// why no due date applies.
func dueClause(c lifecycle.Clock) string {
	switch {
	case c.Status == lifecycle.Withdrawn:
		return ""
	case c.Due == "":
		return ", no due date while it stands"
	case c.Status == lifecycle.Replied && c.Stage == deadline.StageReview:
		return ", the review was due " + c.Due
	case c.Status == lifecycle.Replied:
		return ", was due " + c.Due
	case c.Stage == deadline.StageReview:
		return ", the review due " + c.Due
	}
	return ", due " + c.Due
}
