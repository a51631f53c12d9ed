package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/mail"
	"sort"
	"strings"
	"sync"
	"time"

	"foidesk/store/campaign"
)

// mxResolver is what 'campaign check' asks about mail domains; tests
// replace checkResolver with one that needs no network.
type mxResolver interface {
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupHost(ctx context.Context, host string) ([]string, error)
}

var checkResolver mxResolver = net.DefaultResolver

func init() {
	register(&command{
		name:     "campaign check",
		synopsis: "NAME",
		summary:  "check every recipient before sending: address syntax, duplicates, mail domain (MX or A record)",
		help: `Checks each request's address: that it is a plain, well-formed address, that
no two requests go to the same address, and that its domain can receive mail
(an MX record, or failing that an A/AAAA record; a "null MX" means the
domain accepts none). Prints one line per problem and exits with status 1 if
there are any. Also checks that [requester] name and email are set.`,
		setup: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			timeout := fs.Duration("timeout", 10*time.Second, "DNS timeout per domain")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usagef("campaign check takes one NAME")
				}
				cfg, err := e.config()
				if err != nil {
					return err
				}
				st, c, err := openCampaign(ctx, e, args[0])
				if err != nil {
					return err
				}
				defer st.Close()
				reqs, err := st.campaigns.Requests(ctx, c.ID, false)
				if err != nil {
					return err
				}
				var problems []string
				if _, err := campaignRequester(cfg, true); err != nil {
					problems = append(problems, err.Error())
				}
				byAddr := map[string][]campaign.Request{}
				domains := map[string][]campaign.Request{}
				for _, r := range reqs {
					if r.OutboxState == campaign.OutboxCancelled {
						continue
					}
					who := fmt.Sprintf("%s %s <%s>", dash(r.Authority.Code), r.Authority.Name, r.ToEmail)
					a, err := mail.ParseAddress(r.ToEmail)
					if err != nil || a.Address != r.ToEmail || a.Name != "" {
						problems = append(problems, who+": not a plain email address")
						continue
					}
					key := strings.ToLower(r.ToEmail)
					byAddr[key] = append(byAddr[key], r)
					d := campaign.EmailDomain(r.ToEmail)
					domains[d] = append(domains[d], r)
				}
				for addr, rs := range byAddr {
					if len(rs) > 1 {
						var names []string
						for _, r := range rs {
							names = append(names, r.Authority.Name)
						}
						problems = append(problems, fmt.Sprintf("%s: shared by %d authorities (%s); each would get the letter", addr, len(rs), strings.Join(names, ", ")))
					}
				}
				for d, why := range checkDomains(ctx, domains, *timeout) {
					for _, r := range domains[d] {
						problems = append(problems, fmt.Sprintf("%s %s <%s>: %s", dash(r.Authority.Code), r.Authority.Name, r.ToEmail, why))
					}
				}
				sort.Strings(problems)
				for _, p := range problems {
					fmt.Fprintln(e.stdout, p)
				}
				if len(problems) > 0 {
					fmt.Fprintf(e.stdout, "%d problems in %d requests of %s\n", len(problems), len(reqs), c.Name)
					return errSilentFailure
				}
				fmt.Fprintf(e.stdout, "%d requests of %s checked: no problems (%d mail domains)\n", len(reqs), c.Name, len(domains))
				return nil
			}
		},
	})
}

// checkDomains looks every domain up, a few at a time, and returns the
// problem found for each domain that has one.
func checkDomains(ctx context.Context, domains map[string][]campaign.Request, timeout time.Duration) map[string]string {
	out := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for d := range domains {
		wg.Add(1)
		go func(d string) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if why := checkDomain(ctx, d, timeout); why != "" {
				mu.Lock()
				out[d] = why
				mu.Unlock()
			}
		}(d)
	}
	wg.Wait()
	return out
}

func checkDomain(ctx context.Context, d string, timeout time.Duration) string {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	mxs, err := checkResolver.LookupMX(ctx, d)
	if err == nil && len(mxs) > 0 {
		if len(mxs) == 1 && (mxs[0].Host == "." || mxs[0].Host == "") {
			return "the domain " + d + " publishes a null MX: it accepts no mail"
		}
		return ""
	}
	var dnsErr *net.DNSError
	if err != nil && errors.As(err, &dnsErr) && !dnsErr.IsNotFound {
		return fmt.Sprintf("could not look up the domain %s (%v); check again later", d, err)
	}
	// No MX: mail goes to the domain's own address, if it has one.
	if addrs, err := checkResolver.LookupHost(ctx, d); err == nil && len(addrs) > 0 {
		return ""
	}
	return "the domain " + d + " has no MX or A record: mail to it cannot be delivered"
}
