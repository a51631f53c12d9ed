package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-smtp"

	"foidesk/mailer/smtptest"
	"foidesk/store"
)

// A request refused at an old address and resent after a re-import
// corrected the register goes to the corrected address, with the same
// Message-ID, and the correction is an event on the request.
func TestResendGoesToTheCorrectedAddress(t *testing.T) {
	const old, fixed = "foi@council000.example", "foi-requests@council000.example"
	f := newCampaignFixture(t, 3, smtptest.Hooks{Rcpt: func(to string) error {
		if to == old {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
		}
		return nil
	}}, "")
	if out, errOut, code := f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all"); code != 0 {
		t.Fatalf("create: %d %s%s", code, out, errOut)
	}
	if out, _, code := f.cli(t, "campaign", "send", "survey"); code != 1 || !strings.Contains(out, "failed 1") {
		t.Fatalf("send: %d\n%s", code, out)
	}
	csv := filepath.Join(f.dir, "fixed.csv")
	if err := os.WriteFile(csv, []byte("code,name,email\nC000,Council 000,"+fixed+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := f.cli(t, "authorities", "import", csv); code != 0 || !strings.Contains(out, "updated 1") {
		t.Fatalf("re-import: %d %s%s", code, out, errOut)
	}
	var r0 string
	for _, r := range f.status(t, "survey").Requests {
		if r.Code == "C000" {
			r0 = r.Ref
		}
	}
	out, errOut, code := f.cli(t, "requests", "resolve", r0, "--resend")
	if code != 0 || !strings.Contains(out, "re-addressed from "+old+" to "+fixed) {
		t.Fatalf("resolve --resend: %d %s%s", code, out, errOut)
	}
	if out, _, code := f.cli(t, "campaign", "send", "survey"); code != 0 {
		t.Fatalf("send after resend: %d %s", code, out)
	}
	var got []smtptest.Message
	for _, m := range f.srv.Messages() {
		if strings.Contains(string(m.Data), r0) {
			got = append(got, m)
		}
	}
	if len(got) != 1 || got[0].To[0] != fixed || !strings.Contains(string(got[0].Data), "<"+fixed+">") ||
		strings.Contains(string(got[0].Data), old) || !strings.Contains(string(got[0].Data), "Message-ID: <"+r0+".foi@example.org>") {
		t.Fatalf("the server received %d messages for %s: %q", len(got), r0, got)
	}

	st, err := store.Open(context.Background(), f.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	evs, err := st.Events(context.Background(), store.EventFilter{Kind: "request.readdressed"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 {
		t.Fatalf("%d request.readdressed events, want 1", len(evs))
	}
	var d map[string]any
	_ = json.Unmarshal(evs[0].Detail, &d)
	if d["from"] != old || d["to"] != fixed {
		t.Errorf("event detail %v", d)
	}
}
