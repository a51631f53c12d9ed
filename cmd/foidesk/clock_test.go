package main

import (
	"strings"
	"testing"

	"foidesk/clock"
	"foidesk/mailer/smtptest"
)

// FOIDESK_CLOCK dates what a command records by the campaign's clock: a
// request sent "on" 2 March 2026 is due 20 working days later, and the
// command says loudly that the clock is not the real one.
func TestClockDatesDeliveries(t *testing.T) {
	f := newCampaignFixture(t, 3, smtptest.Hooks{}, "")
	if out, errOut, code := f.cli(t, "campaign", "create", "survey", "--template", "recording-policy", "--all"); code != 0 {
		t.Fatalf("create: %d\n%s%s", code, out, errOut)
	}
	t.Setenv(clock.Env, "2026-03-02T10:00:00Z")
	out, errOut, code := f.cli(t, "campaign", "send", "survey")
	if code != 0 {
		t.Fatalf("send: %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "clock accelerated: started at 2026-03-02T10:00:00Z") {
		t.Errorf("send did not say its clock is not the real one:\n%s", errOut)
	}
	// 20 working days after Monday 2 March, skipping St Patrick's Day (FOIA
	// skips every nation's bank holidays); Easter comes later.
	const want = "2026-03-31"
	sent := 0
	for _, r := range f.requests(t, "survey") {
		if r.ToEmail == "" {
			continue
		}
		sent++
		if got := r.SentAt.UTC().Format("2006-01-02"); got != "2026-03-02" {
			t.Errorf("%s sent on %s, want 2026-03-02 (the campaign's clock)", r.Ref, got)
		}
		if r.DueDate != want {
			t.Errorf("%s due %s, want %s", r.Ref, r.DueDate, want)
		}
	}
	if sent == 0 {
		t.Fatal("nothing sent")
	}
}

func TestClockRefusesMalformed(t *testing.T) {
	t.Setenv(clock.Env, "June x20000")
	_, errOut, code := runCLI(t, "campaign", "list")
	if code != 1 || !strings.Contains(errOut, clock.Env) || !strings.Contains(errOut, "not an RFC 3339 time") {
		t.Errorf("exit %d, stderr %q; want 1 and a sentence naming %s", code, errOut, clock.Env)
	}
}
