package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"

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
matched_by, attachments, dismissed, and more).`,
	}, messagesList))
}

type messagesListFlags struct {
	unmatched, dismissed, json bool
	kind                       string
}

func (f *messagesListFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.unmatched, "unmatched", false, "only messages not matched to a request (and not dismissed)")
	fs.BoolVar(&f.dismissed, "dismissed", false, "only dismissed messages")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	fs.StringVar(&f.kind, "kind", "", "only messages of this `kind`")
}

// messagesList lists the stored replies, oldest first.
func messagesList(ctx context.Context, e *env, f *messagesListFlags, _ []string) error {
	st, err := e.readStore(ctx)
	if err != nil {
		return err
	}
	if f.unmatched && f.dismissed {
		return usagef("--unmatched and --dismissed exclude each other: a dismissed message is not in the unmatched queue")
	}
	ms, err := st.mail.Messages(ctx, mail.MessageFilter{Unmatched: f.unmatched, Dismissed: f.dismissed, Kind: f.kind})
	if err != nil {
		return err
	}
	if f.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ms)
	}
	if len(ms) == 0 {
		switch {
		case f.unmatched:
			fmt.Fprintln(e.stdout, "no unmatched messages")
		case f.dismissed:
			fmt.Fprintln(e.stdout, "no dismissed messages")
		default:
			fmt.Fprintln(e.stdout, "no messages stored yet; 'foidesk ingest --once' reads the [imap] mailboxes")
		}
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tREQUEST\tMATCHED BY\tATT\tFROM\tSUBJECT")
	for _, m := range ms {
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
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", m.ID, kind, ref, by, m.Attachments, printable(m.From), printable(m.Subject))
	}
	return tw.Flush()
}

// detailLabel names a kind's detail for a person reading it.
func detailLabel(kind string) string {
	if kind == mail.KindPublished {
		return "published"
	}
	return "cites"
}
