package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"foidesk/store/mail"
)

func init() {
	register(newCommand(command{
		name:     "messages classify",
		synopsis: "ID --kind KIND [--reason TEXT] [--detail TEXT]",
		summary:  "correct the kind triage gave a message",
		help: `Sets message ID's kind (` + strings.Join(mail.Kinds, ", ") + `)
on a person's word. The state change the old kind made is undone and the new
kind's is applied: a response, a refusal or an "already published" reply
marks the request replied, a permanent bounce makes it not delivered, an
auto-reply or acknowledgement changes nothing. --detail records what a
refusal cites ("s.40 (personal information)") or where a published reply
says the information is; without it the detail triage found is kept, and
shown whenever the kind is refusal or published again.
Confirming a clarification request clears its "needs a person" flag and
stops the request's statutory clock until the requester's answer is
recorded with 'foidesk requests event REF clarification-answered'. Each
change re-derives the request's status and due date from all its mail.`,
		args: 1,
	}, messagesClassify))
}

type messagesClassifyFlags struct {
	kind, reason, detail string
}

func (f *messagesClassifyFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.kind, "kind", "", "the message's `KIND`")
	fs.StringVar(&f.reason, "reason", "", "why, for the record")
	fs.StringVar(&f.detail, "detail", "", "what a refusal cites, or where a published reply points")
}

// messagesClassify sets message ID's kind on a person's word.
func messagesClassify(ctx context.Context, e *env, f *messagesClassifyFlags, args []string) error {
	if f.kind == "" {
		return usagef("usage: foidesk messages classify ID --kind KIND")
	}
	id, err := messageIDArg(args[0])
	if err != nil {
		return err
	}
	valid := false
	for _, k := range mail.Kinds {
		valid = valid || k == f.kind
	}
	if !valid {
		return usagef("--kind must be one of %s, not %q", strings.Join(mail.Kinds, ", "), f.kind)
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	if f.detail != "" && f.kind != mail.KindRefusal && f.kind != mail.KindPublished {
		return usagef("--detail is for --kind %s or %s", mail.KindRefusal, mail.KindPublished)
	}
	if err := st.mail.ClassifyDetail(ctx, id, f.kind, f.reason, f.detail, whoAmI()); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "message %d is now %s\n", id, f.kind)
	return nil
}
