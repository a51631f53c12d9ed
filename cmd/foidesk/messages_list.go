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
	register(&command{
		name:    "messages list",
		summary: "list stored replies with their kind and matched request",
		help: `Lists every stored message, oldest first: id, kind, request reference (or
"-" when unmatched), the rule that matched it, attachment count, sender and
subject. --unmatched shows only the unmatched queue. --json prints one array
of objects (id, message_id, from, subject, kind, request_ref, matched_by,
attachments, and more).`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			unmatched := fs.Bool("unmatched", false, "only messages not matched to a request")
			asJSON := fs.Bool("json", false, "print JSON")
			kind := fs.String("kind", "", "only messages of this `kind`")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return usagef("messages list takes no arguments")
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				ms, err := st.mail.Messages(ctx, mail.MessageFilter{Unmatched: *unmatched, Kind: *kind})
				if err != nil {
					return err
				}
				if *asJSON {
					enc := json.NewEncoder(e.stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(ms)
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
					if m.NeedsPerson {
						kind += " (needs a person)"
					}
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", m.ID, kind, ref, by, m.Attachments, m.From, m.Subject)
				}
				return tw.Flush()
			}
		},
	})
}
