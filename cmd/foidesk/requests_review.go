package main

import (
	"context"
	"flag"
	"fmt"

	"foidesk/mailer"
	"foidesk/templates"
)

func init() {
	register(newCommand(command{
		name:     "requests review",
		synopsis: "REF [--reason TEXT]",
		summary:  "ask for an internal review (FOISA, EISR: require a review): queue the 'internal-review' letter",
		help: `Renders the 'internal-review' letter for request REF, citing the regime's
review provision, threaded on the request and the authority's latest reply,
with the reference in the subject, and queues it. --reason adds a paragraph
in your own words (what was wrong with the answer, or that none came).

A request gets one review letter: asking again says when it was asked for.
The letter is sent once and only once by 'foidesk run' or 'foidesk campaign
send CAMPAIGN', with the same limits as the requests; when it is sent, the
review clock starts (the request awaits the review's answer, due in the
regime's review period).`,
		args: 1,
	}, requestsReview))
}

type requestsReviewFlags struct {
	reason string
}

func (f *requestsReviewFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.reason, "reason", "", "a paragraph `TEXT` saying why you ask for the review")
}

// requestsReview queues the internal-review letter of request REF.
func requestsReview(ctx context.Context, e *env, f *requestsReviewFlags, args []string) error {
	if err := checkRequestRef(args[0]); err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	comp, err := campaignComposer(cfg)
	if err != nil {
		return err
	}
	rule, err := e.lifecycle()
	if err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	r, err := st.campaigns.RequestByRef(ctx, args[0])
	if err != nil {
		return notFoundHint(err, "foidesk campaign status")
	}
	fu := mailer.FollowUps{Store: st.campaigns, Composer: comp, Rule: rule, Log: e.log}
	l, queued, err := fu.QueueReview(ctx, r, f.reason, whoAmI(), e.now())
	if err != nil {
		return err
	}
	if !queued {
		when := "queued " + templates.UKDate(l.CreatedAt)
		if !l.SentAt.IsZero() {
			when = "sent " + templates.UKDate(l.SentAt)
		}
		return fmt.Errorf("%s: an internal review was already asked for (%s, %s); nothing was queued", r.Ref, when, l.State)
	}
	fmt.Fprintf(e.stdout, "%s: internal-review letter queued to %s, %q\n", r.Ref, printable(l.To), l.Subject)
	fmt.Fprintf(e.stdout, "it is sent by 'foidesk run' or 'foidesk campaign send %s'; the review clock starts when it is sent\n", r.Campaign)
	return nil
}
