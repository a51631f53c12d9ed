package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"foidesk/mailer/smtptest"
)

// Councils that share one FOI team share its address when the import says
// so: each still gets its own request, and 'campaign check' does not call
// the address a problem. An address repeated without saying so is refused,
// naming both lines.
func TestSharedFOIMailbox(t *testing.T) {
	f := newCampaignFixture(t, 2, smtptest.Hooks{}, "")
	csv := filepath.Join(f.dir, "shared.csv")
	write := func(body string) {
		if err := os.WriteFile(csv, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("code,name,email\nADU,Adur District Council,foi@adur-worthing.example\nWOT,Worthing Borough Council,foi@adur-worthing.example\n")
	_, errOut, code := f.cli(t, "authorities", "import", csv)
	if code != 1 || !strings.Contains(errOut, csv+`:3: email "foi@adur-worthing.example" is already used on line 2`) {
		t.Fatalf("unmarked shared address: exit %d\n%s", code, errOut)
	}
	write("code,name,email,shared\nADU,Adur District Council,foi@adur-worthing.example,yes\nWOT,Worthing Borough Council,foi@adur-worthing.example,yes\n")
	if out, errOut, code := f.cli(t, "authorities", "import", csv); code != 0 || !strings.Contains(out, "added 2") {
		t.Fatalf("import: %d %s%s", code, out, errOut)
	}
	if out, errOut, code := f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all"); code != 0 {
		t.Fatalf("create: %d %s%s", code, out, errOut)
	}
	to := map[string]string{}
	for _, r := range f.requests(t, "survey") {
		to[r.Authority.Code] = r.ToEmail
	}
	if to["ADU"] != "foi@adur-worthing.example" || to["WOT"] != "foi@adur-worthing.example" {
		t.Fatalf("requests %v: want one for each of ADU and WOT", to)
	}
	old := checkResolver
	defer func() { checkResolver = old }()
	checkResolver = fakeResolver{mx: map[string][]*net.MX{
		"adur-worthing.example": {{Host: "mx.adur-worthing.example.", Pref: 10}},
		"council000.example":    {{Host: "mx.council000.example.", Pref: 10}},
	}}
	if out, _, code := f.cli(t, "campaign", "check", "survey"); code != 0 || strings.Contains(out, "shared by") {
		t.Errorf("check: exit %d\n%s", code, out)
	}
}
