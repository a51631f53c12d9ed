package main

import (
	"context"
	"flag"
	"fmt"

	"foidesk/store/mail"
)

func init() {
	register(newCommand(command{
		name:    "messages list",
		summary: "list stored replies with their kind and matched request",
		help: `Lists every stored message, oldest first: id, kind, request reference (or
"-" when unmatched), the rule that matched it, attachment count, sender and
subject. A refusal's kind shows what it cites ("refusal: s.12 (cost limit)"),
a published reply's where the information is. --unmatched shows only the
unmatched queue (without dismissed messages); --dismissed only the messages
dismissed with 'foidesk messages dismiss'. --json prints one array of
objects (id, message_id, from, subject, kind, kind_detail, request_ref,
matched_by, attachments, dismissed, and more).

--limit N shows at most N messages and --after ID only those after id ID:
when --limit cuts the list, standard error says how to ask for the next
page ("showing 100; more: --after 4711"). Without --limit every message is
listed, written as it is read, in little memory however many there are.`,
	}, messagesList))
}

type messagesListFlags struct {
	unmatched, dismissed, json bool
	kind                       string
	pageFlags
}

func (f *messagesListFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.unmatched, "unmatched", false, "only messages not matched to a request (and not dismissed)")
	fs.BoolVar(&f.dismissed, "dismissed", false, "only dismissed messages")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	fs.StringVar(&f.kind, "kind", "", "only messages of this `kind`")
	f.pageFlags.define(fs)
}

// messagesList lists the stored replies, oldest first, a page of them
// when --limit or --after ask, writing each as it is read.
func messagesList(ctx context.Context, e *env, f *messagesListFlags, _ []string) error {
	if f.unmatched && f.dismissed {
		return usagef("--unmatched and --dismissed exclude each other: a dismissed message is not in the unmatched queue")
	}
	page, err := f.page()
	if err != nil {
		return err
	}
	st, err := e.readStore(ctx)
	if err != nil {
		return err
	}
	filter := mail.MessageFilter{Unmatched: f.unmatched, Dismissed: f.dismissed, Kind: f.kind, AfterID: page.After, Limit: page.Limit}
	var shown int
	var last int64
	var write func(mail.MessageSummary) error
	var done func() error
	if f.json {
		arr := newJSONArray(e.stdout)
		write, done = func(m mail.MessageSummary) error { return arr.add(m) }, arr.close
	} else {
		t := newStreamTable(e.stdout)
		write = func(m mail.MessageSummary) error {
			if shown == 0 {
				t.row("ID\tKIND\tREQUEST\tMATCHED BY\tATT\tFROM\tSUBJECT\n")
			}
			return messageRow(t, m)
		}
		done = t.flush
	}
	more, err := st.mail.EachMessage(ctx, filter, func(m mail.MessageSummary) error {
		if err := write(m); err != nil {
			return err
		}
		shown, last = shown+1, m.ID
		return nil
	})
	if err != nil {
		return err
	}
	if err := done(); err != nil {
		return err
	}
	if shown == 0 && !f.json {
		switch {
		case page.After != 0:
			fmt.Fprintf(e.stdout, "no messages after id %d\n", page.After)
		case f.unmatched:
			fmt.Fprintln(e.stdout, "no unmatched messages")
		case f.dismissed:
			fmt.Fprintln(e.stdout, "no dismissed messages")
		case f.kind != "":
			fmt.Fprintf(e.stdout, "no messages of kind %q\n", f.kind)
		default:
			fmt.Fprintln(e.stdout, "no messages stored yet; 'foidesk ingest --once' reads the [imap] mailboxes")
		}
	}
	pageNotice(e, shown, more, last)
	return nil
}

// messageRow writes one message as a line of the table.
func messageRow(t *streamTable, m mail.MessageSummary) error {
	ref, by := "-", "-"
	if m.RequestRef != nil {
		ref = *m.RequestRef
	}
	if m.MatchedBy != nil {
		by = *m.MatchedBy
	}
	kind := m.Kind
	if m.KindDetail != "" {
		kind += ": " + printable(m.KindDetail)
	}
	if m.NeedsPerson {
		kind += " (needs a person)"
	}
	if m.Dismissed {
		kind += " (dismissed)"
	}
	return t.row("%d\t%s\t%s\t%s\t%d\t%s\t%s\n", m.ID, kind, ref, by, m.Attachments, printable(m.From), printable(m.Subject))
}

// detailLabel names a kind's detail for a person reading it.
func detailLabel(kind string) string {
	if kind == mail.KindPublished {
		return "published"
	}
	return "cites"
}
