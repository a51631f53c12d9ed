package mailer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"sort"
	"strings"
	"sync"
	"time"
)

// Pre-send checks: what can be known, before any letter goes out, about
// whether each will reach its authority. A campaign is sent once; a typo in
// an address is cheaper to find now than as a bounce a week later.

// Kinds of Problem.
const (
	ProblemAddress   = "address"   // not a plain, well-formed address
	ProblemDuplicate = "duplicate" // two authorities share one address, not all marked shared
	ProblemDomain    = "domain"    // the domain accepts no mail
	ProblemLookup    = "lookup"    // the domain could not be looked up now
)

// Recipient is one letter's addressee, as the checks need it.
type Recipient struct {
	Code, Name, Email string
	// Shared: the register marks this address as shared by design (one FOI
	// team serving several authorities), so sharing it is not a problem.
	Shared bool
}

// Problem is one reason a letter may not arrive.
type Problem struct {
	Kind    string
	Who     []Recipient // the recipients it concerns
	Address string      // ProblemDuplicate: the shared address
	Domain  string      // ProblemDomain, ProblemLookup
	Detail  string      // what is wrong, in a sentence
}

// Lines is the problem as lines a person reads, one per recipient (one in
// all for a shared address).
func (p Problem) Lines() []string {
	who := func(r Recipient) string {
		code := r.Code
		if code == "" {
			code = "-"
		}
		return fmt.Sprintf("%s %s <%s>", code, r.Name, r.Email)
	}
	if p.Kind == ProblemDuplicate {
		var names []string
		for _, r := range p.Who {
			names = append(names, r.Name)
		}
		return []string{fmt.Sprintf("%s: shared by %d authorities (%s); each would get the letter", p.Address, len(p.Who), strings.Join(names, ", "))}
	}
	var out []string
	for _, r := range p.Who {
		out = append(out, who(r)+": "+p.Detail)
	}
	return out
}

// Resolver is what the checks ask DNS; net.DefaultResolver is one.
type Resolver interface {
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// Checker runs the pre-send checks.
type Checker struct {
	Resolver Resolver      // nil: net.DefaultResolver
	Timeout  time.Duration // per domain; 0: 10 seconds
	Parallel int           // domains looked up at once; 0: 8
}

// Check returns every problem with rs: addresses that are not plain and
// well-formed, addresses shared by more than one authority (unless every
// one of them is marked shared), and domains
// with no way to receive mail (no MX and no A/AAAA record, or a null MX).
// A domain whose lookup failed for another reason is a ProblemLookup: try
// again later. Problems come sorted by kind, then address.
func (c Checker) Check(ctx context.Context, rs []Recipient) []Problem {
	var out []Problem
	byAddr := map[string][]Recipient{}
	domains := map[string][]Recipient{}
	for _, r := range rs {
		a, err := mail.ParseAddress(r.Email)
		if err != nil || a.Address != r.Email || a.Name != "" {
			out = append(out, Problem{Kind: ProblemAddress, Who: []Recipient{r}, Detail: "not a plain email address"})
			continue
		}
		key := strings.ToLower(r.Email)
		byAddr[key] = append(byAddr[key], r)
		_, d, _ := strings.Cut(key, "@")
		domains[d] = append(domains[d], r)
	}
	for addr, who := range byAddr {
		if len(who) > 1 && !allShared(who) {
			out = append(out, Problem{Kind: ProblemDuplicate, Who: who, Address: addr})
		}
	}
	for d, p := range c.domains(ctx, domains) {
		p.Who, p.Domain = domains[d], d
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Lines()[0] < out[j].Lines()[0]
	})
	return out
}

// allShared reports whether every recipient of an address is marked as
// sharing it by design.
func allShared(rs []Recipient) bool {
	for _, r := range rs {
		if !r.Shared {
			return false
		}
	}
	return true
}

// domains looks every domain up, a few at a time, and returns the problem
// found for each domain that has one.
func (c Checker) domains(ctx context.Context, domains map[string][]Recipient) map[string]Problem {
	n := c.Parallel
	if n <= 0 {
		n = 8
	}
	out := map[string]Problem{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, n)
	for d := range domains {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if p, bad := c.domain(ctx, d); bad {
				mu.Lock()
				out[d] = p
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return out
}

func (c Checker) domain(ctx context.Context, d string) (Problem, bool) {
	res := c.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	mxs, err := res.LookupMX(ctx, d)
	if err == nil && len(mxs) > 0 {
		if len(mxs) == 1 && (mxs[0].Host == "." || mxs[0].Host == "") {
			return Problem{Kind: ProblemDomain, Detail: "the domain " + d + " publishes a null MX: it accepts no mail"}, true
		}
		return Problem{}, false
	}
	var dnsErr *net.DNSError
	if err != nil && errors.As(err, &dnsErr) && !dnsErr.IsNotFound {
		return Problem{Kind: ProblemLookup, Detail: fmt.Sprintf("could not look up the domain %s (%v); check again later", d, err)}, true
	}
	// No MX: mail goes to the domain's own address, if it has one.
	if addrs, err := res.LookupHost(ctx, d); err == nil && len(addrs) > 0 {
		return Problem{}, false
	}
	return Problem{Kind: ProblemDomain, Detail: "the domain " + d + " has no MX or A record: mail to it cannot be delivered"}, true
}
