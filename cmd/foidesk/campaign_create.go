package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"foidesk/mailer"
	"foidesk/store/campaign"
	"foidesk/templates"
)

func init() {
	register(newCommand(command{
		name:     "campaign create",
		synopsis: "NAME",
		summary:  "create a campaign: one draft request per targeted authority with an email address",
		help: `Creates campaign NAME writing letter --template to every authority (--all), or
to those in the given nations and/or carrying the given tags. Each request
gets a reference token, shown in its subject as [ref: TOKEN], in its
Message-ID and (with [requester] reply_plus_addressing) in its Reply-To.
Authorities without an email address are listed: no request is made for
them. Nothing is sent until 'foidesk campaign send NAME'.

If another campaign with the same letter already has requests (not
cancelled) to some of these authorities, nothing is created: the other
campaigns are listed with how many authorities they share, so that no
council gets the same letter twice by mistake. --allow-duplicates creates
the campaign anyway.`,
		args: 1,
	}, campaignCreate))
}

type campaignCreateFlags struct {
	template, subject string
	all, allowDups    bool
	nations, tags     multiFlag
}

func (f *campaignCreateFlags) define(fs *flag.FlagSet) {
	fs.StringVar(&f.template, "template", "", "letter `NAME` (built in: recording-policy, chaser, internal-review; or one in [templates] dir)")
	fs.StringVar(&f.subject, "subject", "", "subject line replacing the letter's own (template text allowed)")
	fs.BoolVar(&f.all, "all", false, "write to every authority in the register")
	fs.Var(&f.nations, "nation", "only authorities in this `NATION` (repeatable)")
	fs.Var(&f.tags, "tag", "only authorities with this `TAG` (repeatable)")
	fs.BoolVar(&f.allowDups, "allow-duplicates", false, "create it even if another campaign already sent or will send this letter to some of the authorities")
}

// campaignCreate makes campaign NAME: one draft request per targeted
// authority with an email address.
func campaignCreate(ctx context.Context, e *env, f *campaignCreateFlags, args []string) error {
	if f.template == "" {
		return usagef("--template is required")
	}
	if !f.all && len(f.nations) == 0 && len(f.tags) == 0 {
		return usagef("say whom to write to: --all, --nation N or --tag T")
	}
	if f.all && (len(f.nations) > 0 || len(f.tags) > 0) {
		return usagef("--all cannot be combined with --nation or --tag")
	}
	var target campaign.Target
	target.All = f.all
	for _, n := range f.nations {
		canon, err := campaignNation(n)
		if err != nil {
			return err
		}
		target.Nations = append(target.Nations, canon)
	}
	target.Tags = f.tags
	cfg, err := e.config()
	if err != nil {
		return err
	}
	set, err := campaignTemplates(cfg)
	if err != nil {
		return err
	}
	if !set.Has(f.template) {
		return usagef("no letter template %q (have: %v)", f.template, set.Names())
	}
	// A letter that cannot render is found now, not when it is sent.
	if err := set.Check(f.template); errors.Is(err, templates.ErrFollowUp) {
		return fmt.Errorf("%v: a campaign starts with a first request, such as recording-policy; a %s is sent for a request of a campaign already sent", err, f.template)
	} else if err != nil {
		return err
	}
	req, err := campaignRequester(cfg, false)
	if err != nil {
		return err
	}
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	res, err := st.campaigns.Create(ctx, campaign.Spec{
		Name: args[0], Template: f.template, Subject: f.subject, Target: target,
		MessageID:       func(ref string) string { return mailer.MessageID(ref, req.Email) },
		AllowDuplicates: f.allowDups,
	})
	if errors.Is(err, campaign.ErrDuplicates) {
		return duplicatesRefused(err, "campaign "+args[0]+" was not created")
	}
	if errors.Is(err, campaign.ErrNoTargets) {
		return fmt.Errorf("no authority in the register matches; import some with 'foidesk authorities import'")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created campaign %s: %d requests, letter %q (%s)\n", res.Campaign.Name, res.Requests, f.template, set.Source(f.template))
	if len(res.NoEmail) > 0 {
		fmt.Fprintf(e.stdout, "%d targeted authorities have no email address; no request was made for them:\n", len(res.NoEmail))
		for _, a := range res.NoEmail {
			fmt.Fprintf(e.stdout, "  %-10s %s\n", dash(printable(a.Code)), printable(a.Name))
		}
	}
	if res.Requests == 0 {
		// Nothing to preview or send: the addresses come first.
		fmt.Fprintf(e.stdout, "next: give them addresses ('foidesk authorities import --uk-councils --emails FILE', a CSV of code,email), then 'foidesk campaign add %s --missing'\n", res.Campaign.Name)
		return nil
	}
	fmt.Fprintf(e.stdout, "next: foidesk campaign preview %s --out DIR, foidesk campaign check %s, foidesk campaign send %s\n", res.Campaign.Name, res.Campaign.Name, res.Campaign.Name)
	return nil
}
