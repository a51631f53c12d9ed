package main

import (
	"context"
	"flag"
	"fmt"

	"foidesk/store/campaign"
)

func init() {
	register(newCommand(command{
		name:     "campaign chasers",
		synopsis: "NAME [--after N --every M --max K | --off]",
		summary:  "chase overdue authorities: a chaser letter N working days past due, then every M, at most K",
		help: `Chasers are off until turned on. With them on, a request still awaiting its
response N working days after its due date (in its regime's calendar) gets
the 'chaser' letter, threaded on the request (In-Reply-To and References,
the reference in the subject), then another every M working days, at most K.
A request that was replied to, not delivered, withdrawn, or is waiting for a
clarification or a fee is never chased; a chaser not yet sent is cancelled
when any reply but an auto-reply arrives (an acknowledgement only when it
arrives after the due date), when the campaign is cancelled, or when its
chasers are turned off.

Chasers are queued and sent by 'foidesk run', or by 'foidesk campaign send
NAME', which queues the chasers due today before sending. Each is sent once
and only once, through the same outbox, rate limit and daily cap as the
requests. Given only some of --after, --every and --max, the others keep
their current values. With no flags, prints the current setting.`,
		args: 1,
	}, campaignChasers))
}

type campaignChasersFlags struct {
	after, every, max int
	off               bool
}

func (f *campaignChasersFlags) define(fs *flag.FlagSet) {
	fs.IntVar(&f.after, "after", 0, "first chaser `N` working days after the due date")
	fs.IntVar(&f.every, "every", 0, "then one every `M` working days")
	fs.IntVar(&f.max, "max", 0, "at most `K` chasers per request")
	fs.BoolVar(&f.off, "off", false, "turn chasers off (chasers queued and not yet sent are cancelled)")
}

// campaignChasers prints or changes campaign NAME's chaser setting.
func campaignChasers(ctx context.Context, e *env, f *campaignChasersFlags, args []string) error {
	set := f.after != 0 || f.every != 0 || f.max != 0
	if f.off && set {
		return usagef("--off cannot be combined with --after, --every or --max")
	}
	if f.after < 0 || f.every < 0 || f.max < 0 {
		return usagef("--after, --every and --max are counts, at least 1")
	}
	if !f.off && !set {
		_, c, err := readCampaign(ctx, e, args[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", c.Name, describeChasers(c.Chasers))
		return nil
	}
	st, c, err := openCampaign(ctx, e, args[0])
	if err != nil {
		return err
	}
	ch := campaign.Chasers{}
	if !f.off {
		ch = c.Chasers
		if f.after != 0 {
			ch.After = f.after
		}
		if f.every != 0 {
			ch.Every = f.every
		}
		if f.max != 0 {
			ch.Max = f.max
		}
	}
	if c, err = st.campaigns.SetChasers(ctx, c.Name, ch); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %s\n", c.Name, describeChasers(c.Chasers))
	if ch.On() {
		fmt.Fprintf(e.stdout, "chasers are queued and sent by 'foidesk run', or by 'foidesk campaign send %s'\n", c.Name)
	}
	return nil
}

func describeChasers(ch campaign.Chasers) string {
	if !ch.On() {
		return "chasers off"
	}
	return fmt.Sprintf("chasers on: the first %d working day(s) after the due date, then every %d working day(s), at most %d", ch.After, ch.Every, ch.Max)
}
