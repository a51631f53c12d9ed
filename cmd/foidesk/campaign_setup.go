package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"foidesk/authorities"
	"foidesk/mailconn"
	"foidesk/mailer"
	"foidesk/store/campaign"
	"foidesk/templates"
)

// openCampaign opens the store (the preamble's, closed by the runner) and
// finds campaign name in it.
func openCampaign(ctx context.Context, e *env, name string) (*stores, campaign.Campaign, error) {
	return findCampaign(ctx, e, name, e.store)
}

// readCampaign is openCampaign for commands that only look.
func readCampaign(ctx context.Context, e *env, name string) (*stores, campaign.Campaign, error) {
	return findCampaign(ctx, e, name, e.readStore)
}

func findCampaign(ctx context.Context, e *env, name string, open func(context.Context) (*stores, error)) (*stores, campaign.Campaign, error) {
	st, err := open(ctx)
	if err != nil {
		return nil, campaign.Campaign{}, err
	}
	c, err := st.campaigns.ByName(ctx, name)
	if err != nil {
		return nil, campaign.Campaign{}, notFoundHint(err, "foidesk campaign list")
	}
	return st, c, nil
}

// What every campaign command builds from the config: the letters, the
// requester, the SMTP settings.

func campaignTemplates(cfg *Config) (*templates.Set, error) {
	return templates.Load(cfg.Templates.Dir)
}

// campaignRequester is [requester], checked by mailer.Requester.Check.
func campaignRequester(cfg *Config, needName bool) (mailer.Requester, error) {
	r := cfg.Requester
	return mailer.Requester{Name: r.Name, Email: r.Email, PostalAddress: r.PostalAddress, PlusAddressing: r.ReplyPlusAddressing}.Check(needName)
}

func campaignComposer(cfg *Config) (mailer.Composer, error) {
	set, err := campaignTemplates(cfg)
	if err != nil {
		return mailer.Composer{}, err
	}
	req, err := campaignRequester(cfg, true)
	if err != nil {
		return mailer.Composer{}, err
	}
	return mailer.Composer{Templates: set, Requester: req}, nil
}

// campaignSMTP turns [smtp] into mailer settings, reading the password
// from $FOIDESK_SMTP_PASSWORD or password_file.
func campaignSMTP(cfg *Config) (mailer.SMTP, mailer.Limits, mailer.Retry, error) {
	c := cfg.SMTP
	var s mailer.SMTP
	var l mailer.Limits
	if c.Host == "" {
		return s, l, mailer.Retry{}, errors.New("[smtp] host is not set in foidesk.toml: add an [smtp] section with your provider's host, port and username (the password goes in $FOIDESK_SMTP_PASSWORD or password_file)")
	}
	pw, err := Secret("FOIDESK_SMTP_PASSWORD", c.PasswordFile)
	if err != nil {
		return s, l, mailer.Retry{}, fmt.Errorf("[smtp] %w", err)
	}
	s = mailer.SMTP{Host: c.Host, Port: c.Port, Username: c.Username, Password: pw, TLS: mailconn.TLSMode(c.TLS), CAFile: c.CAFile, Timeout: c.Timeout.Duration}
	if err := s.Check(); err != nil {
		return s, l, mailer.Retry{}, err
	}
	rate, err := mailer.ParseRate(c.Rate)
	if err != nil {
		return s, l, mailer.Retry{}, fmt.Errorf("[smtp] %w", err)
	}
	l = mailer.Limits{Rate: rate, PerDomainInterval: c.PerDomainInterval.Duration, DailyCap: c.DailyCap}
	return s, l, mailer.Retry{MaxAttempts: c.MaxAttempts, Base: c.RetryBase.Duration, Max: c.RetryMax.Duration}, nil
}

// campaignSentBox is [imap] sent_mailbox, or nil when it is not set.
func campaignSentBox(cfg *Config) (*mailer.SentBox, error) {
	c := cfg.IMAP
	if c.SentMailbox == "" {
		return nil, nil
	}
	if c.Host == "" {
		return nil, errors.New("[imap] sent_mailbox is set but [imap] host is not")
	}
	pw, err := Secret("FOIDESK_IMAP_PASSWORD", c.PasswordFile)
	if err != nil {
		return nil, fmt.Errorf("[imap] %w", err)
	}
	b := &mailer.SentBox{Host: c.Host, Port: c.Port, TLS: mailconn.TLSMode(c.TLS), CAFile: c.CAFile, Username: c.Username, Password: pw,
		Mailbox: c.SentMailbox, Append: c.AppendSent, Timeout: c.Timeout.Duration}
	if err := b.Check(); err != nil {
		return nil, err
	}
	return b, nil
}

// campaignNation maps a --nation value, in any case, to the register's
// spelling.
func campaignNation(s string) (string, error) {
	if n, ok := authorities.NormalizeNation(s); ok {
		return n, nil
	}
	return "", usagef("--nation must be England, Wales, Scotland or Northern Ireland, not %q", s)
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// duplicatesRefused explains a *campaign.DuplicateError: which other
// campaigns already write the same letter to how many of the authorities,
// and how to go ahead anyway. outcome says what was not done.
func duplicatesRefused(err error, outcome string) error {
	var dup *campaign.DuplicateError
	if !errors.As(err, &dup) {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d of the authorities already have a request with letter %q in another campaign:\n", outcome, dup.Authorities, dup.Template)
	for _, o := range dup.Campaigns {
		fmt.Fprintf(&b, "  %s (%s): %d authorities\n", printable(o.Campaign), o.State, o.Authorities)
	}
	b.WriteString("the same letter twice to one authority is rarely meant; run again with --allow-duplicates to write to them anyway")
	return errors.New(b.String())
}
