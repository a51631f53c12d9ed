package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"foidesk/deadline"
	"foidesk/ingest/imaptest"
	"foidesk/mailer/smtptest"
	"foidesk/store/campaign"
)

// TestCampaignStatusFollowsTheLifecycle sends a campaign to four councils
// over SMTP, ingests their replies over IMAP (a response, a permanent
// bounce, a clarification request a person confirms, and silence), and
// checks that campaign status shows each request's lifecycle, not just
// its outbox state; then records and undoes facts by hand.
func TestCampaignStatusFollowsTheLifecycle(t *testing.T) {
	srv := imaptest.Start(t, true)
	t.Setenv("FOIDESK_IMAP_PASSWORD", imaptest.Password)
	f := newCampaignFixture(t, 5, smtptest.Hooks{}, "")
	extra := fmt.Sprintf(`
[store]
data_dir = %q

[imap]
host = "127.0.0.1"
port = %d
username = %q
tls = "none"
mailboxes = ["INBOX"]
timeout = "5s"
`, f.dir+"/data", srv.Port, imaptest.User)
	cfg, err := os.ReadFile(f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.cfg, append(cfg, extra...), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"campaign", "create", "survey", "--template", "recording-policy", "--all"},
		{"campaign", "send", "survey"},
	} {
		if out, errOut, code := f.cli(t, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	reqs := map[string]campaign.Request{}
	for _, r := range f.requests(t, "survey") {
		reqs[r.Authority.Code] = r
	}
	replied, bounced, clarify, silent := reqs["C000"], reqs["C001"], reqs["C002"], reqs["C003"]
	if silent.Regime != "foisa" {
		t.Fatalf("C003 should be Scottish: %+v", silent)
	}

	response := "From: FOI Team <foi@council000.example>\r\nTo: ann@example.org\r\n" +
		"Subject: RE: Freedom of Information request [ref: " + replied.Ref + "]\r\n" +
		"Message-ID: <resp-1@council000.example>\r\nIn-Reply-To: <" + replied.MessageID + ">\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nDear Ann Example,\r\n\r\nIn response to your request for information, " +
		"we can confirm that the council does not hold a policy on parents recording meetings with social workers.\r\n\r\nYours sincerely,\r\nInformation Governance\r\n"
	bounce := "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\nTo: ann@example.org\r\n" +
		"Subject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <bounce-1@mx.example.org>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\r\n<foi@council001.example>: 550 5.1.1 User unknown\r\n" +
		"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; foi@council001.example\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <" + bounced.MessageID + ">\r\nTo: foi@council001.example\r\nSubject: Freedom of Information request\r\n" +
		"--b--\r\n"
	clarification := "From: FOI Officer <foi@council002.example>\r\nTo: ann@example.org\r\n" +
		"Subject: RE: Freedom of Information request [ref: " + clarify.Ref + "]\r\n" +
		"Message-ID: <clar-1@council002.example>\r\nIn-Reply-To: <" + clarify.MessageID + ">\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\nDear Ann Example,\r\n\r\nBefore we can respond, could you please clarify whether your request covers children's services only?\r\n"
	imaptest.Append(t, srv.Addr(), "INBOX", []byte(response), []byte(bounce), []byte(clarification))
	if out, errOut, code := f.cli(t, "ingest", "--once", "--no-extract"); code != 0 || !strings.Contains(out, "3 matched") {
		t.Fatalf("ingest: exit %d\n%s%s", code, out, errOut)
	}
	// A person confirms the clarification request: the clock stops.
	msgs := map[string]int64{}
	out, _, _ := f.cli(t, "messages", "list", "--json")
	var list []struct {
		ID   int64  `json:"id"`
		Ref  string `json:"request_ref"`
		Kind string `json:"kind"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, m := range list {
		msgs[m.Ref] = m.ID
	}
	if _, errOut, code := f.cli(t, "messages", "classify", fmt.Sprint(msgs[clarify.Ref]), "--kind", "clarification-request"); code != 0 {
		t.Fatalf("classify: %s", errOut)
	}
	// A person may name the request by its authority's code.
	if out, errOut, code := f.cli(t, "messages", "assign", fmt.Sprint(msgs[clarify.Ref]), "--authority", "c002"); code != 0 || !strings.Contains(out, clarify.Ref) {
		t.Errorf("assign by authority: exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := f.cli(t, "messages", "assign", fmt.Sprint(msgs[clarify.Ref]), "--authority", "NOPE"); code != 1 || !strings.Contains(errOut, "authorities list") {
		t.Errorf("assign to an unknown authority: exit %d %s", code, errOut)
	}

	// On the silent request's due date nothing is overdue yet; a working
	// day later it is; twenty-one working days later, very overdue.
	cal := deadline.NewCalendar(deadline.FOISA, deadline.EmbeddedHolidays())
	due, err := deadline.ParseDate(reqs["C003"].DueDate)
	if err != nil {
		t.Fatalf("silent request has no due date: %+v", reqs["C003"])
	}
	status := func(on deadline.Date) lifecycleStatus {
		t.Helper()
		out, errOut, code := f.cli(t, "campaign", "status", "survey", "--json", "--as-of", on.String())
		if code != 0 {
			t.Fatalf("status: %d %s", code, errOut)
		}
		var s lifecycleStatus
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return s
	}
	s := status(due)
	got := map[string]lifecycleRequest{}
	for _, r := range s.Requests {
		got[r.Code] = r
	}
	if r := got["C000"]; r.State != "sent" || r.Status != "replied" || r.RepliedAt == "" || r.DueDate == "" ||
		r.WorkingDaysLate == nil || *r.WorkingDaysLate != 0 || !strings.Contains(r.Reason, "response") {
		t.Errorf("replied request: %+v", r)
	}
	if r := got["C001"]; r.State != "sent" || r.Status != "not-delivered" || r.DueDate != "" || r.WorkingDaysLate != nil || !strings.Contains(r.Reason, "permanent bounce") {
		t.Errorf("bounced request: %+v", r)
	}
	if r := got["C002"]; r.State != "sent" || r.Status != "awaiting-clarification" || r.DueDate != "" || !strings.Contains(r.Reason, "clarification") {
		t.Errorf("clarification request: %+v", r)
	}
	// On its due date a silent request is due soon ([alerts]
	// due_soon_days, default 3), not yet overdue.
	if r := got["C003"]; r.Status != "due-soon" || r.DueDate != due.String() || r.WorkingDaysLate == nil || *r.WorkingDaysLate != 0 {
		t.Errorf("silent request on its due date: %+v", r)
	}
	want := map[string]int{"replied": 1, "not-delivered": 1, "awaiting-clarification": 1, "due-soon": 1}
	for k, n := range want {
		if s.StatusCounts[k] != n {
			t.Errorf("status counts %v, want %v", s.StatusCounts, want)
			break
		}
	}
	if s := status(cal.NextWorkingDay(due)); s.StatusCounts["overdue"] != 1 {
		t.Errorf("a working day after the due date: %v", s.StatusCounts)
	}
	if s := status(cal.AddWorkingDays(due, 21)); s.StatusCounts["very-overdue"] != 1 {
		t.Errorf("21 working days after the due date: %v", s.StatusCounts)
	}
	txt, _, _ := f.cli(t, "campaign", "status", "survey", "--as-of", due.String())
	for _, w := range []string{"STATUS", "awaiting-clarification", "not-delivered", "replied"} {
		if !strings.Contains(txt, w) {
			t.Errorf("status table lacks %q:\n%s", w, txt)
		}
	}

	// The timeline: delivery, the response, and the clock's change with
	// its reason.
	show, errOut, code := f.cli(t, "requests", "show", replied.Ref)
	if code != 0 {
		t.Fatalf("requests show: %d %s", code, errOut)
	}
	for _, w := range []string{"request.delivered", "message.recorded", "request.clock_changed", "awaiting-response → replied", "resp-1@council000.example", "foi@council000.example"} {
		if !strings.Contains(show, w) && !strings.Contains(show, strings.Trim(w, "<>")) {
			t.Errorf("requests show lacks %q:\n%s", w, show)
		}
	}

	// FOISA allows no extension: refused, nothing written.
	if out, errOut, code := f.cli(t, "requests", "event", silent.Ref, "extended"); code != 1 || !strings.Contains(errOut, "no extension of time is allowed under FOISA") {
		t.Errorf("extension under FOISA: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = f.cli(t, "requests", "event", silent.Ref, "withdrawn")
	if code != 0 || !strings.Contains(out, "now withdrawn") {
		t.Fatalf("withdraw: exit %d\n%s%s", code, out, errOut)
	}
	var event int64
	if _, err := fmt.Sscanf(out[strings.Index(out, "--undo ")+len("--undo "):], "%d", &event); err != nil {
		t.Fatalf("no event number in %q", out)
	}
	if s := status(due); s.StatusCounts["withdrawn"] != 1 || s.StatusCounts["awaiting-response"] != 0 {
		t.Errorf("after withdrawal: %v", s.StatusCounts)
	}
	out, errOut, code = f.cli(t, "requests", "event", silent.Ref, "--undo", fmt.Sprint(event))
	if code != 0 || !strings.Contains(out, "now awaiting-response, due "+due.String()) {
		t.Fatalf("undo: exit %d\n%s%s", code, out, errOut)
	}
	if _, errOut, code := f.cli(t, "requests", "event", silent.Ref, "--undo", fmt.Sprint(event)); code != 1 || !strings.Contains(errOut, "already undone") {
		t.Errorf("second undo: exit %d %s", code, errOut)
	}
}

type lifecycleRequest struct {
	Code            string `json:"code"`
	Ref             string `json:"ref"`
	State           string `json:"state"`
	Status          string `json:"status"`
	DueDate         string `json:"due_date"`
	RepliedAt       string `json:"replied_at"`
	WorkingDaysLate *int   `json:"working_days_late"`
	Reason          string `json:"reason"`
}

type lifecycleStatus struct {
	Counts       map[string]int     `json:"counts"`
	StatusCounts map[string]int     `json:"status_counts"`
	Requests     []lifecycleRequest `json:"requests"`
}
