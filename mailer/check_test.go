package mailer

import (
	"context"
	"net"
	"strings"
	"testing"
)

type fakeDNS struct {
	mx    map[string][]*net.MX
	hosts map[string][]string
	fail  map[string]bool
}

func (f fakeDNS) LookupMX(_ context.Context, name string) ([]*net.MX, error) {
	if f.fail[name] {
		return nil, &net.DNSError{Err: "server misbehaving", Name: name, IsTemporary: true}
	}
	if mx, ok := f.mx[name]; ok {
		return mx, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (f fakeDNS) LookupHost(_ context.Context, host string) ([]string, error) {
	if h, ok := f.hosts[host]; ok {
		return h, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestCheckFindsEveryKindOfProblem(t *testing.T) {
	c := Checker{Resolver: fakeDNS{
		mx: map[string][]*net.MX{
			"good.example": {{Host: "mx.good.example.", Pref: 10}},
			"null.example": {{Host: ".", Pref: 0}},
		},
		hosts: map[string][]string{"a-only.example": {"192.0.2.1"}},
		fail:  map[string]bool{"flaky.example": true},
	}}
	rs := []Recipient{
		{Code: "A", Name: "Ashdown", Email: "foi@good.example"},
		{Code: "B", Name: "Brent", Email: "FOI@good.example"}, // the same mailbox
		{Code: "C", Name: "Corby", Email: "Corby FOI <foi@good.example>"},
		{Code: "D", Name: "Derby", Email: "foi@null.example"},
		{Code: "E", Name: "Ealing", Email: "foi@a-only.example"},
		{Code: "F", Name: "Fife", Email: "foi@nowhere.example"},
		{Code: "G", Name: "Gwent", Email: "foi@flaky.example"},
	}
	got := map[string][]string{}
	for _, p := range c.Check(context.Background(), rs) {
		got[p.Kind] = append(got[p.Kind], strings.Join(p.Lines(), "\n"))
	}
	want := map[string][]string{
		ProblemAddress:   {"C Corby <Corby FOI <foi@good.example>>: not a plain email address"},
		ProblemDuplicate: {"foi@good.example: shared by 2 authorities (Ashdown, Brent); each would get the letter"},
		ProblemDomain: {"D Derby <foi@null.example>: the domain null.example publishes a null MX: it accepts no mail",
			"F Fife <foi@nowhere.example>: the domain nowhere.example has no MX or A record: mail to it cannot be delivered"},
	}
	for k, w := range want {
		if strings.Join(got[k], "|") != strings.Join(w, "|") {
			t.Errorf("%s problems:\n got %q\nwant %q", k, got[k], w)
		}
	}
	if len(got[ProblemLookup]) != 1 || !strings.Contains(got[ProblemLookup][0], "check again later") {
		t.Errorf("lookup problems: %q", got[ProblemLookup])
	}
	if strings.Contains(strings.Join(append(got[ProblemDomain], got[ProblemLookup]...), " "), "a-only") {
		t.Error("a domain with only an A record was reported")
	}
	if ps := c.Check(context.Background(), rs[:1]); len(ps) != 0 {
		t.Errorf("a good address: %+v", ps)
	}
}

func TestCheckAcceptsAnAddressSharedOnlyByMarkedAuthorities(t *testing.T) {
	c := Checker{Resolver: fakeDNS{mx: map[string][]*net.MX{"aw.example": {{Host: "mx.aw.example.", Pref: 10}}}}}
	marked := []Recipient{
		{Code: "ADU", Name: "Adur", Email: "foi@aw.example", Shared: true},
		{Code: "WOT", Name: "Worthing", Email: "FOI@aw.example", Shared: true},
	}
	if ps := c.Check(context.Background(), marked); len(ps) != 0 {
		t.Errorf("an address every authority says is shared was reported: %+v", ps)
	}
	mixed := append(marked, Recipient{Code: "LEW", Name: "Lewes", Email: "foi@aw.example"})
	ps := c.Check(context.Background(), mixed)
	if len(ps) != 1 || ps[0].Kind != ProblemDuplicate || len(ps[0].Who) != 3 {
		t.Errorf("an address shared with an unmarked authority: %+v", ps)
	}
}
