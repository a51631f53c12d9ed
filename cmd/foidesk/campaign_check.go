package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"sort"
	"time"

	"foidesk/mailer"
	"foidesk/store/campaign"
)

// checkResolver is what 'campaign check' asks about mail domains; tests
// replace it with one that needs no network.
var checkResolver mailer.Resolver = net.DefaultResolver

func init() {
	register(newCommand(command{
		name:     "campaign check",
		synopsis: "NAME",
		summary:  "check every recipient before sending: address syntax, duplicates, mail domain (MX or A record)",
		help: `Checks each request's address: that it is a plain, well-formed address, that
no two requests go to the same address, and that its domain can receive mail
(an MX record, or failing that an A/AAAA record; a "null MX" means the
domain accepts none). Prints one line per problem and exits with status 1 if
there are any. Also checks that [requester] name and email are set.`,
		args: 1,
	}, campaignCheck))
}

type campaignCheckFlags struct {
	timeout time.Duration
}

func (f *campaignCheckFlags) define(fs *flag.FlagSet) {
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "DNS timeout per domain")
}

// campaignCheck checks every recipient of campaign NAME, and the
// requester, before anything is sent.
func campaignCheck(ctx context.Context, e *env, f *campaignCheckFlags, args []string) error {
	cfg, err := e.config()
	if err != nil {
		return err
	}
	st, c, err := openCampaign(ctx, e, args[0])
	if err != nil {
		return err
	}
	reqs, err := st.campaigns.Requests(ctx, c.ID, false)
	if err != nil {
		return err
	}
	var problems []string
	if _, err := campaignRequester(cfg, true); err != nil {
		problems = append(problems, err.Error())
	}
	var rs []mailer.Recipient
	domains := map[string]bool{}
	for _, r := range reqs {
		if r.OutboxState == campaign.OutboxCancelled {
			continue
		}
		rs = append(rs, mailer.Recipient{Code: r.Authority.Code, Name: r.Authority.Name, Email: r.ToEmail, Shared: r.Authority.SharedEmail})
		domains[campaign.EmailDomain(r.ToEmail)] = true
	}
	badDomains := map[string]bool{}
	for _, p := range (mailer.Checker{Resolver: checkResolver, Timeout: f.timeout}).Check(ctx, rs) {
		problems = append(problems, printables(p.Lines())...)
		if p.Kind == mailer.ProblemDomain {
			badDomains[p.Domain] = true
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		fmt.Fprintln(e.stdout, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(e.stdout, "%d problems in %d requests of %s\n", len(problems), len(reqs), c.Name)
		if len(domains) > 1 && len(badDomains) == len(domains) {
			// Every domain at once is more likely this machine's DNS than
			// every council's mail.
			fmt.Fprintln(e.stdout, "no domain at all could be found: if this machine has no internet access or no working DNS, run the check from one that has")
		}
		fmt.Fprintf(e.stdout, "correct the addresses (foidesk authorities import --uk-councils --emails FILE, or your own list) and run 'foidesk campaign check %s' again\n", c.Name)
		return errSilentFailure
	}
	fmt.Fprintf(e.stdout, "%d requests of %s checked: no problems (%d mail domains)\n", len(reqs), c.Name, len(domains))
	return nil
}
