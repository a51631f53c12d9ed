package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"foidesk/mailer/smtptest"
	"foidesk/store"
	"foidesk/store/storetest"
)

// TestChasersAndReviewFromTheCommandLine turns chasers on for a campaign
// whose request is long overdue, lets 'campaign send' queue and send the
// chaser, asks for an internal review (once), and sees both in 'requests
// show'.
func TestChasersAndReviewFromTheCommandLine(t *testing.T) {
	ctx := context.Background()
	f := newCampaignFixture(t, 1, smtptest.Hooks{}, "")
	st, err := store.Open(ctx, f.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := storetest.Send(ctx, st, storetest.SentRequest{AuthorityName: "Late Council", AuthorityEmail: "foi@late.example",
		SentAt: time.Now().Add(-60 * 24 * time.Hour)})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	name := r.Campaign

	if out, errOut, code := f.cli(t, "campaign", "chasers", name); code != 0 || !strings.Contains(out, "chasers off") {
		t.Fatalf("show: %d %q %s", code, out, errOut)
	}
	if _, _, code := f.cli(t, "campaign", "chasers", name, "--off", "--after", "2"); code != 2 {
		t.Errorf("--off with --after: exit %d, want 2", code)
	}
	if _, errOut, code := f.cli(t, "campaign", "chasers", name, "--after", "2"); code != 1 || !strings.Contains(errOut, "--every") {
		t.Errorf("--after alone: exit %d, %s", code, errOut)
	}
	out, errOut, code := f.cli(t, "campaign", "chasers", name, "--after", "2", "--every", "5", "--max", "2")
	if code != 0 || !strings.Contains(out, "the first 2 working day(s) after the due date, then every 5 working day(s), at most 2") {
		t.Fatalf("set: %d %q %s", code, out, errOut)
	}
	out, errOut, code = f.cli(t, "campaign", "send", name)
	if code != 0 || !strings.Contains(out, "follow-up letters: sent 1") {
		t.Fatalf("send: %d %q %s", code, out, errOut)
	}
	// Sending again the same day sends nothing more.
	if out, errOut, code := f.cli(t, "campaign", "send", name); code != 0 || strings.Contains(out, "follow-up letters") {
		t.Fatalf("send again: %d %q %s", code, out, errOut)
	}
	msgs := f.srv.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "foi@late.example" || !strings.Contains(string(msgs[0].Data), "Overdue Freedom of Information request") {
		t.Fatalf("server got %d messages", len(msgs))
	}

	out, errOut, code = f.cli(t, "requests", "review", r.Ref, "--reason", "No answer came at all.")
	if code != 0 || !strings.Contains(out, "internal-review letter queued to foi@late.example") {
		t.Fatalf("review: %d %q %s", code, out, errOut)
	}
	if _, errOut, code := f.cli(t, "requests", "review", r.Ref); code != 1 || !strings.Contains(errOut, "already asked for") {
		t.Errorf("review again: %d %s", code, errOut)
	}
	if out, errOut, code := f.cli(t, "campaign", "send", name); code != 0 || !strings.Contains(out, "follow-up letters: sent 1") {
		t.Fatalf("send the review: %d %q %s", code, out, errOut)
	}
	msgs = f.srv.Messages()
	if len(msgs) != 2 || !strings.Contains(string(msgs[1].Data), "No answer came at all.") {
		t.Fatalf("server got %d messages", len(msgs))
	}
	out, errOut, code = f.cli(t, "campaign", "status", name)
	for _, want := range []string{"chasers on: the first 2", "chaser letters: sent 1, waiting 0", "internal-review letters: sent 1"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("campaign status lacks %q: %d\n%s%s", want, code, out, errOut)
		}
	}
	out, errOut, code = f.cli(t, "requests", "show", r.Ref)
	if code != 0 || !strings.Contains(out, "letters after the request:") {
		t.Fatalf("show: %d %q %s", code, out, errOut)
	}
	for _, want := range []string{"chaser           sent", "internal-review  sent", "status:  awaiting-review"} {
		if !strings.Contains(out, want) {
			t.Errorf("requests show lacks %q:\n%s", want, out)
		}
	}
}
