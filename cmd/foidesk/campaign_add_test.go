package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"foidesk/mailer/smtptest"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/registry"
)

// importCouncil adds one English council with an address to the fixture's
// register, as a later import would.
func (f *campaignFixture) importCouncil(t *testing.T, code, name, email string) {
	t.Helper()
	st, err := store.Open(context.Background(), f.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	nation := "England"
	if _, err := registry.New(st).ImportAuthorities(context.Background(), registry.AuthorityImport{Rows: []registry.AuthorityInput{
		{Origin: "later", Code: code, Name: name, Email: &email, Nation: &nation}}}); err != nil {
		t.Fatal(err)
	}
}

func TestCampaignAddByCodeToSentCampaignSendsOnlyTheNew(t *testing.T) {
	f := newCampaignFixture(t, 5, smtptest.Hooks{}, "")
	// C000-C002 English with addresses, C003 Scottish, C004 without an address.
	if out, errOut, code := f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--nation", "England"); code != 0 || !strings.Contains(out, "3 requests") {
		t.Fatalf("create: %d %s%s", code, out, errOut)
	}
	if out, errOut, code := f.cli(t, "campaign", "send", "survey"); code != 0 || len(f.srv.Messages()) != 3 {
		t.Fatalf("send: %d %s%s", code, out, errOut)
	}
	out, errOut, code := f.cli(t, "campaign", "add", "survey", "c003", "C000", "C004")
	if code != 0 {
		t.Fatalf("add: %d %s%s", code, out, errOut)
	}
	var added campaign.Request
	for _, r := range f.requests(t, "survey") {
		if r.Authority.Code == "C003" {
			added = r
		}
	}
	for _, want := range []string{"added 1 draft requests to campaign survey (done)", "C003", "Council 003", added.Ref,
		"1 already in the campaign, skipped:\n  C000", "1 have no email address", "C004", "foidesk campaign send survey"} {
		if added.Ref == "" || !strings.Contains(out, want) {
			t.Errorf("add output lacks %q:\n%s", want, out)
		}
	}
	if added.OutboxState != campaign.OutboxDraft || added.Regime != "foisa" {
		t.Fatalf("added request %+v", added)
	}
	if s := f.status(t, "survey"); s.Counts[campaign.OutboxSent] != 3 || s.Counts[campaign.OutboxDraft] != 1 || len(f.srv.Messages()) != 3 {
		t.Fatalf("add sent something: %+v", s)
	}
	// An unknown code adds nothing, not even the known one beside it.
	if _, errOut, code := f.cli(t, "campaign", "add", "survey", "C001", "ZZZ"); code != 1 || !strings.Contains(errOut, "ZZZ") || !strings.Contains(errOut, "nothing was added") {
		t.Errorf("unknown code: %d %s", code, errOut)
	}
	out, errOut, code = f.cli(t, "campaign", "send", "survey")
	if code != 0 || !strings.Contains(out, "sent 4, failed 0") {
		t.Fatalf("second send: %d %s%s", code, out, errOut)
	}
	msgs := f.srv.Messages()
	if len(msgs) != 4 {
		t.Fatalf("server received %d messages, want exactly one new one", len(msgs))
	}
	if last := string(msgs[3].Data); !strings.Contains(last, "[ref: "+added.Ref+"]") || !strings.Contains(last, "foi@council003.example") {
		t.Errorf("the new message is not the added request's:\n%s", last)
	}
	if s := f.status(t, "survey"); s.State != campaign.Done || s.Counts[campaign.OutboxSent] != 4 {
		t.Errorf("after the second send: %+v", s)
	}
}

func TestCampaignAddMissingAfterImport(t *testing.T) {
	f := newCampaignFixture(t, 5, smtptest.Hooks{}, "")
	f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--nation", "england")
	if out, errOut, code := f.cli(t, "campaign", "send", "survey"); code != 0 {
		t.Fatalf("send: %d %s%s", code, out, errOut)
	}
	out, errOut, code := f.cli(t, "campaign", "add", "survey", "--missing")
	if code != 0 || !strings.Contains(out, "nothing added to campaign survey") || !strings.Contains(out, "C004") {
		t.Fatalf("nothing missing: %d %s%s", code, out, errOut)
	}
	f.importCouncil(t, "NEW", "New Council", "foi@new.example")
	out, errOut, code = f.cli(t, "campaign", "add", "survey", "--missing")
	if code != 0 || !strings.Contains(out, "added 1 draft requests") || !strings.Contains(out, "New Council") || strings.Contains(out, "C003") {
		t.Fatalf("missing: %d %s%s", code, out, errOut)
	}
	if out, _, _ := f.cli(t, "campaign", "add", "survey", "--missing"); !strings.Contains(out, "nothing added") {
		t.Errorf("missing twice: %s", out)
	}
	if out, errOut, code := f.cli(t, "campaign", "send", "survey"); code != 0 || len(f.srv.Messages()) != 4 || !strings.Contains(string(f.srv.Messages()[3].Data), "foi@new.example") {
		t.Fatalf("send the new one: %d %s%s", code, out, errOut)
	}
	for _, args := range [][]string{
		{"campaign", "add", "survey"},
		{"campaign", "add"},
		{"campaign", "add", "survey", "--missing", "C003"},
		{"campaign", "add", "survey", "--missing", "--tag", "x"},
		{"campaign", "add", "survey", "--nation", "Mercia"},
	} {
		if _, errOut, code := f.cli(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d %s", args, code, errOut)
		}
	}
	if _, errOut, code := f.cli(t, "campaign", "add", "nope", "C003"); code != 1 || !strings.Contains(errOut, "campaign list") {
		t.Errorf("no such campaign: %d %s", code, errOut)
	}
	// By nation, and a cancelled campaign refuses.
	if out, errOut, code := f.cli(t, "campaign", "add", "survey", "--nation", "wales"); code != 1 || !strings.Contains(errOut, "no authority") {
		t.Errorf("no Welsh council: %d %s%s", code, out, errOut)
	}
	if out, errOut, code := f.cli(t, "campaign", "add", "survey", "--nation", "scotland"); code != 0 || !strings.Contains(out, "added 1") || !strings.Contains(out, "C003") {
		t.Errorf("by nation: %d %s%s", code, out, errOut)
	}
	f.cli(t, "campaign", "create", "scots", "--template", "recording-policy", "--nation", "Scotland", "--allow-duplicates")
	f.cli(t, "campaign", "cancel", "scots")
	if _, errOut, code := f.cli(t, "campaign", "add", "scots", "C001", "--allow-duplicates"); code != 1 || !strings.Contains(errOut, "cancelled") {
		t.Errorf("cancelled: %d %s", code, errOut)
	}
}

func TestCampaignCreateRefusesDuplicates(t *testing.T) {
	f := newCampaignFixture(t, 9, smtptest.Hooks{}, "")
	// C003 and C007 are Scottish; C008 has no address.
	f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all")
	out, errOut, code := f.cli(t, "campaign", "create", "again", "--template", "recording-policy", "--nation", "Scotland")
	if code != 1 || !strings.Contains(errOut, "campaign again was not created: 2 of the authorities already have a request with letter \"recording-policy\"") ||
		!strings.Contains(errOut, "survey (draft): 2 authorities") || !strings.Contains(errOut, "--allow-duplicates") {
		t.Fatalf("duplicate: %d %s%s", code, out, errOut)
	}
	if out, _, _ := f.cli(t, "campaign", "list"); strings.Contains(out, "again") {
		t.Fatalf("refused campaign was created:\n%s", out)
	}
	// Adding to it a council that the other campaign writes to is refused too.
	f.importCouncil(t, "NEW", "New Council", "foi@new.example")
	f.cli(t, "campaign", "create", "later", "--template", "recording-policy", "--nation", "Scotland", "--allow-duplicates")
	if _, errOut, code := f.cli(t, "campaign", "add", "later", "C000"); code != 1 || !strings.Contains(errOut, "nothing was added to campaign later") {
		t.Errorf("add duplicate: %d %s", code, errOut)
	}
	if out, errOut, code := f.cli(t, "campaign", "add", "later", "NEW"); code != 0 || !strings.Contains(out, "added 1") {
		t.Errorf("add a new one: %d %s%s", code, out, errOut)
	}
	// A cancelled campaign's letters were never sent: they do not count.
	f.cli(t, "campaign", "cancel", "survey")
	f.cli(t, "campaign", "cancel", "later")
	out, errOut, code = f.cli(t, "campaign", "create", "again", "--template", "recording-policy", "--nation", "Scotland")
	if code != 0 || !strings.Contains(out, "2 requests") {
		t.Fatalf("after cancelling: %d %s%s", code, out, errOut)
	}
	out, errOut, code = f.cli(t, "campaign", "create", "twice", "--template", "recording-policy", "--nation", "Scotland", "--allow-duplicates")
	if code != 0 || !strings.Contains(out, "2 requests") {
		t.Fatalf("allowed: %d %s%s", code, out, errOut)
	}
}

func TestCampaignList(t *testing.T) {
	f := newCampaignFixture(t, 5, smtptest.Hooks{}, "")
	if out, _, code := f.cli(t, "campaign", "list"); code != 0 || !strings.Contains(out, "no campaigns yet") {
		t.Fatalf("empty: %d %s", code, out)
	}
	f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--nation", "England")
	f.cli(t, "campaign", "send", "survey")
	f.cli(t, "campaign", "create", "scots", "--template", "recording-policy", "--nation", "Scotland")
	out, errOut, code := f.cli(t, "campaign", "list")
	if code != 0 {
		t.Fatalf("list: %d %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID  NAME") || !strings.HasPrefix(lines[1], "1 ") ||
		!strings.Contains(lines[1], "survey") || !strings.Contains(lines[1], "done") || !strings.Contains(lines[1], "recording-policy") ||
		!strings.Contains(lines[1], "sent 3") || !strings.Contains(lines[1], "awaiting-response 3") ||
		!strings.Contains(lines[2], "scots") || !strings.Contains(lines[2], "draft 1") {
		t.Fatalf("list:\n%s", out)
	}
	out, errOut, code = f.cli(t, "campaign", "list", "--json")
	if code != 0 {
		t.Fatalf("json: %d %s", code, errOut)
	}
	var got []campaignListJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(got) != 2 || got[0].Name != "survey" || got[0].State != campaign.Done || got[0].Template != "recording-policy" || got[0].Requests != 3 ||
		got[0].Counts[campaign.OutboxSent] != 3 || got[0].StatusCounts["awaiting-response"] != 3 || got[0].CreatedAt == "" {
		t.Errorf("survey: %+v", got)
	}
	if len(got) == 2 && (got[1].Name != "scots" || got[1].Requests != 1 || got[1].Counts[campaign.OutboxDraft] != 1 ||
		len(got[1].Counts) != len(campaign.OutboxStates) || got[1].StatusCounts["draft"] != 1) {
		t.Errorf("scots: %+v", got[1])
	}
	// A page: the first campaign, and where the next starts.
	out, errOut, _ = f.cli(t, "campaign", "list", "--json", "--limit", "1")
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 1 || got[0].ID != 1 || got[0].Name != "survey" || errOut != "showing 1; more: --after 1\n" {
		t.Errorf("first page: %+v %v, stderr %q", got, err, errOut)
	}
	out, errOut, _ = f.cli(t, "campaign", "list", "--json", "--after", "1")
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != 1 || got[0].Name != "scots" || errOut != "" {
		t.Errorf("second page: %+v %v, stderr %q", got, err, errOut)
	}
}
