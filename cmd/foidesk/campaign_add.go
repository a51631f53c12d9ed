package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"

	"foidesk/mailer"
	"foidesk/store/campaign"
)

func init() {
	register(newCommand(command{
		name:     "campaign add",
		synopsis: "NAME [CODE...]",
		summary:  "add authorities to a campaign after it was created: by code, by --nation/--tag, or --missing",
		help: `Adds a draft request to campaign NAME for each authority named by CODE, or
in the given nations and/or carrying the given tags, or (--missing) for each
authority the campaign's own target (its create flags) selects now that has
no request in it yet: a council imported after the campaign was created,
say. Each new request gets its own reference. An authority already in the
campaign is skipped and listed; one without an email address is listed and
gets no request. A cancelled campaign takes no more requests.

The new requests are drafts, even when the campaign was sent: nothing is
sent until 'foidesk campaign send NAME', which renders and sends only them
(the letters already sent are not sent again). Preview one first with
'foidesk campaign preview NAME --authority CODE'.

As with create, authorities that already have a request with the same
letter in another campaign are refused unless --allow-duplicates.`,
		args: anyArgs,
	}, campaignAdd))
}

type campaignAddFlags struct {
	nations, tags      multiFlag
	missing, allowDups bool
}

func (f *campaignAddFlags) define(fs *flag.FlagSet) {
	fs.Var(&f.nations, "nation", "add authorities in this `NATION` (repeatable)")
	fs.Var(&f.tags, "tag", "add authorities with this `TAG` (repeatable)")
	fs.BoolVar(&f.missing, "missing", false, "add every authority the campaign's target selects that has no request in it yet")
	fs.BoolVar(&f.allowDups, "allow-duplicates", false, "add them even if another campaign already sent or will send this letter to some of them")
}

// campaignAdd adds draft requests to campaign NAME for the authorities
// named by code, selected by nation and tag, or missing from its target.
func campaignAdd(ctx context.Context, e *env, f *campaignAddFlags, args []string) error {
	if len(args) == 0 {
		return usagef("usage: foidesk campaign add [flags] NAME [CODE...]")
	}
	name, codes := args[0], args[1:]
	byTarget := len(f.nations) > 0 || len(f.tags) > 0
	if f.missing && (len(codes) > 0 || byTarget) {
		return usagef("--missing adds what the campaign's own target selects; it cannot be combined with codes, --nation or --tag")
	}
	if !f.missing && len(codes) == 0 && !byTarget {
		return usagef("say whom to add: authority codes, --nation N, --tag T, or --missing")
	}
	spec := campaign.AddSpec{Campaign: name, Codes: codes, Missing: f.missing, AllowDuplicates: f.allowDups}
	if byTarget {
		spec.Target = &campaign.Target{Tags: f.tags}
		for _, n := range f.nations {
			canon, err := campaignNation(n)
			if err != nil {
				return err
			}
			spec.Target.Nations = append(spec.Target.Nations, canon)
		}
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	req, err := campaignRequester(cfg, false)
	if err != nil {
		return err
	}
	spec.MessageID = func(ref string) string { return mailer.MessageID(ref, req.Email) }
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	res, err := st.campaigns.Add(ctx, spec)
	switch {
	case errors.Is(err, campaign.ErrDuplicates):
		return duplicatesRefused(err, "nothing was added to campaign "+name)
	case errors.Is(err, campaign.ErrNoTargets):
		return fmt.Errorf("no authority in the register matches; nothing was added to campaign %s", name)
	case errors.Is(err, campaign.ErrUnknownCodes):
		return fmt.Errorf("%v; nothing was added to campaign %s (see 'foidesk authorities list')", err, name)
	case err != nil:
		return notFoundHint(err, "foidesk campaign list")
	}
	c := res.Campaign
	if len(res.Requests) == 0 {
		fmt.Fprintf(e.stdout, "nothing added to campaign %s (%s)\n", c.Name, c.State)
	} else {
		fmt.Fprintf(e.stdout, "added %d draft requests to campaign %s (%s):\n", len(res.Requests), c.Name, c.State)
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		for _, r := range res.Requests {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", dash(printable(r.Code)), printable(r.Name), printable(r.Email), r.Ref)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(res.Skipped) > 0 {
		fmt.Fprintf(e.stdout, "%d already in the campaign, skipped:\n", len(res.Skipped))
		for _, a := range res.Skipped {
			fmt.Fprintf(e.stdout, "  %-10s %s\n", dash(printable(a.Code)), printable(a.Name))
		}
	}
	if len(res.NoEmail) > 0 {
		fmt.Fprintf(e.stdout, "%d have no email address; no request was made for them:\n", len(res.NoEmail))
		for _, a := range res.NoEmail {
			fmt.Fprintf(e.stdout, "  %-10s %s\n", dash(printable(a.Code)), printable(a.Name))
		}
	}
	if len(res.Requests) == 0 {
		return nil
	}
	if c.State == campaign.Paused {
		fmt.Fprintf(e.stdout, "the campaign is paused: nothing is sent until 'foidesk campaign resume %s' and 'foidesk campaign send %s'\n", c.Name, c.Name)
		return nil
	}
	first := res.Requests[0].Code
	if first == "" {
		first = res.Requests[0].Ref
	}
	fmt.Fprintf(e.stdout, "nothing is sent until 'foidesk campaign send %s', which sends only the requests not sent yet; preview: foidesk campaign preview %s --authority %s\n", c.Name, c.Name, first)
	return nil
}
