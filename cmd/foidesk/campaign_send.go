package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"foidesk/mailer"
	"foidesk/store/campaign"
)

func init() {
	register(newCommand(command{
		name:     "campaign send",
		synopsis: "NAME",
		summary:  "queue a campaign and send it, each request once and only once",
		help: `Renders every draft request of campaign NAME into its exact message, stores
it, queues it, and sends the queue in the foreground until every request is
settled: a progress bar on a terminal, a log line every few seconds
otherwise. Temporary failures are retried with growing delays ([smtp]
max_attempts, retry_base, retry_max); permanent ones are recorded with the
server's code. A message whose fate is unknown (the connection was lost after
its data was sent, or foidesk was killed mid-send) is never sent again
automatically: with [imap] sent_mailbox set it is looked for there by its
Message-ID, and what is not found is for a person to settle with 'foidesk
requests resolve'. With [imap] append_sent = true a copy of every message sent
is filed in the sent mailbox. With chasers on ('foidesk campaign chasers'),
the chasers due today are queued first; queued chasers and internal-review
letters of the campaign's requests are sent with the requests. Interrupting
(Ctrl-C) finishes
the message in flight and stops; run send again to continue.

[requester] name must be set: FOIA s.8 and FOISA s.8 require a real name.`,
		args: 1,
	}, campaignSend))
}

type campaignSendFlags struct {
	dryRun, queueOnly bool
}

func (f *campaignSendFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.dryRun, "dry-run", false, "render and check everything, change nothing, send nothing")
	fs.BoolVar(&f.queueOnly, "queue-only", false, "queue the campaign for a running dispatcher and return")
}

// campaignSend queues campaign NAME's drafts and sends the queue in the
// foreground until every request is settled.
func campaignSend(ctx context.Context, e *env, f *campaignSendFlags, args []string) error {
	if f.dryRun && f.queueOnly {
		return usagef("--dry-run and --queue-only cannot be combined")
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	comp, err := campaignComposer(cfg)
	if err != nil {
		return err
	}
	smtpCfg, limits, retry, err := campaignSMTP(cfg)
	if err != nil && !f.queueOnly {
		return err
	}
	st, c, err := openCampaign(ctx, e, args[0])
	if err != nil {
		return err
	}
	if f.dryRun {
		return campaignDryRun(ctx, e, st, c, comp, smtpCfg, limits)
	}
	n, err := st.campaigns.Queue(ctx, c.ID, func(r campaign.Request) (campaign.Rendered, error) { return comp.Compose(c, r) })
	if err != nil {
		return err
	}
	if n > 0 {
		e.log.Info("queued", "campaign", c.Name, "requests", n)
	}
	if c.Chasers.On() {
		// Without the daemon, a daily 'campaign send' is what chases.
		rule, err := e.lifecycle()
		if err != nil {
			return err
		}
		fu := mailer.FollowUps{Store: st.campaigns, Composer: comp, Rule: rule, Log: e.log}
		if _, err := fu.QueueCampaignChasers(ctx, c.ID, e.now()); err != nil {
			return err
		}
	}
	if f.queueOnly {
		fmt.Fprintf(e.stdout, "queued %d requests of %s\n", n, c.Name)
		return nil
	}
	counts, err := st.campaigns.Counts(ctx, c.ID)
	if err != nil {
		return err
	}
	box, err := campaignSentBox(cfg)
	if err != nil {
		return err
	}
	prog := newSendProgress(e.stderr, e.log, counts)
	d := &mailer.Dispatcher{Store: st.campaigns, SMTP: smtpCfg, Limits: limits, Retry: retry, Log: e.log, OnOutcome: prog.outcome, Sent: box, Clock: e.now}
	sum, runErr := d.Run(ctx, c.ID)
	prog.finish()
	for _, ref := range sum.Recovered {
		fmt.Fprintf(e.stdout, "%s was being sent when foidesk stopped; it is now unknown and was not sent again\n", ref)
	}
	for _, key := range sum.Letters.Recovered {
		fmt.Fprintf(e.stdout, "letter %s was being sent when foidesk stopped; it is now unknown and was not sent again\n", key)
	}
	for _, key := range sum.Letters.Reconciled {
		fmt.Fprintf(e.stdout, "letter %s, whose sending was unknown, was found in the sent mailbox: recorded as sent\n", key)
	}
	if l := sum.Letters; l.Sent+l.Failed+l.Unknown > 0 {
		fmt.Fprintf(e.stdout, "follow-up letters: sent %d, failed %d, unknown %d (see 'foidesk requests show REF')\n", l.Sent, l.Failed, l.Unknown)
	}
	for _, ref := range sum.Reconciled {
		fmt.Fprintf(e.stdout, "%s, whose sending was unknown, was found in the sent mailbox: recorded as sent\n", ref)
	}
	report := campaignSendReport(ctx, e, st, c)
	if runErr != nil {
		if errors.Is(runErr, context.Canceled) {
			return errors.New("interrupted; the message in flight was recorded. Run 'foidesk campaign send " + c.Name + "' to continue")
		}
		return runErr
	}
	return report
}

// campaignSendReport prints where a campaign stands after a send and says
// what needs a person. It returns errSilentFailure when anything failed or
// is unknown, so scripts notice.
func campaignSendReport(ctx context.Context, e *env, st *stores, c campaign.Campaign) error {
	c, err := st.campaigns.ByName(ctx, c.Name)
	if err != nil {
		return err
	}
	counts, err := st.campaigns.Counts(ctx, c.ID)
	if err != nil {
		return err
	}
	waiting := 0
	for st, n := range counts {
		if campaign.Waiting(st) {
			waiting += n
		}
	}
	fmt.Fprintf(e.stdout, "%s: %s; sent %d, failed %d, unknown %d, waiting %d, cancelled %d\n", c.Name, c.State,
		counts[campaign.OutboxSent], counts[campaign.OutboxFailed], counts[campaign.OutboxUnknown], waiting, counts[campaign.OutboxCancelled])
	if c.State == campaign.Paused {
		fmt.Fprintf(e.stdout, "the campaign is paused; 'foidesk campaign resume %s' then send again to continue\n", c.Name)
	}
	if counts[campaign.OutboxFailed]+counts[campaign.OutboxUnknown] == 0 {
		return nil
	}
	if _, err := st.campaigns.EachRequest(ctx, campaign.RequestFilter{CampaignID: c.ID}, func(r campaign.Request) error {
		switch r.OutboxState {
		case campaign.OutboxFailed:
			fmt.Fprintf(e.stdout, "  failed   %s  %s <%s>: %s\n", r.Ref, printable(r.Authority.Name), printable(r.ToEmail), printable(smtpSummary(r)))
		case campaign.OutboxUnknown:
			fmt.Fprintf(e.stdout, "  unknown  %s  %s <%s>: %s\n", r.Ref, printable(r.Authority.Name), printable(r.ToEmail), printable(r.SMTPText))
		}
		return nil
	}); err != nil {
		return err
	}
	if counts[campaign.OutboxUnknown] > 0 {
		fmt.Fprintf(e.stdout, "an unknown request may or may not have arrived; check the sent mailbox or ask the authority, then run\n  foidesk requests resolve REF --sent   (it arrived)\n  foidesk requests resolve REF --resend (it did not; send it again)\n")
	}
	return errSilentFailure
}

func smtpSummary(r campaign.Request) string {
	s := ""
	if r.SMTPCode != 0 {
		s = fmt.Sprintf("%d ", r.SMTPCode)
	}
	if r.SMTPEnhanced != "" {
		s += r.SMTPEnhanced + " "
	}
	return s + r.SMTPText
}

// campaignDryRun renders every message that a send would send and reports
// what would happen, touching neither the database nor the network.
func campaignDryRun(ctx context.Context, e *env, st *stores, c campaign.Campaign, comp mailer.Composer, s mailer.SMTP, l mailer.Limits) error {
	toSend, rendered := 0, 0
	if _, err := st.campaigns.EachRequest(ctx, campaign.RequestFilter{CampaignID: c.ID}, func(r campaign.Request) error {
		if !campaign.WouldSend(r.OutboxState) {
			return nil
		}
		toSend++
		if r.OutboxState == campaign.OutboxDraft {
			if _, err := comp.Compose(c, r); err != nil {
				return fmt.Errorf("%s (%s): %w", r.Authority.Name, r.ToEmail, err)
			}
			rendered++
		}
		return nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "dry run: campaign %s (%s) would send %d messages (%d newly rendered) from %s <%s>\n",
		c.Name, c.State, toSend, rendered, comp.Requester.Name, comp.Requester.Email)
	fmt.Fprintf(e.stdout, "via %s:%d (tls %s), rate %s, per-domain interval %s, daily cap %d\n", s.Host, s.Port, s.TLS, l.Rate, l.PerDomainInterval, l.DailyCap)
	if !l.Rate.IsZero() && toSend > 0 {
		fmt.Fprintf(e.stdout, "at that rate the send takes at least %s\n", l.Rate.Spread(toSend).Round(time.Second))
	}
	fmt.Fprintln(e.stdout, "nothing was changed and nothing was sent")
	return nil
}
