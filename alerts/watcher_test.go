package alerts

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/store"
	"foidesk/store/alert"
	"foidesk/store/campaign"
	"foidesk/store/storetest"
)

// A FOIA request delivered on Monday 2 November 2026 is due on Tuesday 1
// December: the 20 working days are 3-6, 9-13, 16-20, 23-27 November and
// 1 December (FOIA's working days leave out a bank holiday anywhere in
// the UK, so St Andrew's Day, Monday 30 November, does not count). It is
// due soon from Wednesday 25 November (26, 27 November and 1 December are
// left: 3), overdue from 2 December, and very overdue after 20 working
// days past due: 2-4, 7-11, 14-18, 21-24, 29, 30 and 31 December (25 and
// 28 December are Christmas and the Boxing Day substitute), so from 1
// January 2027, 20 working days late (New Year's Day is not one).
func TestADailyPassWalksARequestThroughEachStateOnce(t *testing.T) {
	w := newWorld(t)
	r := w.send(t, storetest.SentRequest{AuthorityName: "Barnet", AuthorityEmail: "foi@barnet.example"})
	if r.DueDate != "2026-12-01" {
		t.Fatalf("due %s, want 2026-12-01", r.DueDate)
	}
	var seen []string
	for d := w.clk.on(t, "2026-11-03"); d <= deadline.NewDate(2027, 1, 15); d = d.AddDays(1) {
		w.clk.on(t, d.String())
		x := w.watcher(t, nil)
		tr := pass(t, x)
		if again := pass(t, x); len(again.Alerts) != 0 {
			t.Fatalf("%s: a second pass raised %v", d, again.Alerts)
		}
		for range tr.Alerts {
			as := w.alerts(t)
			a := as[len(as)-1]
			seen = append(seen, fmt.Sprintf("%s %s>%s %s", a.On, a.From, a.To, lateOf(a)))
		}
	}
	want := []string{
		"2026-11-25 >due-soon 0",
		"2026-12-02 due-soon>overdue 1",
		"2027-01-01 overdue>very-overdue 20",
	}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Fatalf("alerts:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}

func lateOf(a alert.Alert) string {
	if a.DaysLate == nil {
		return "-"
	}
	return fmt.Sprint(*a.DaysLate)
}

func TestARestartRaisesNothingNew(t *testing.T) {
	w := newWorld(t)
	w.send(t, storetest.SentRequest{AuthorityName: "Barnet", AuthorityEmail: "foi@barnet.example"})
	w.send(t, storetest.SentRequest{AuthorityName: "Camden", AuthorityEmail: "foi@camden.example", SentAt: time.Date(2026, 11, 6, 10, 0, 0, 0, time.UTC)})
	w.clk.on(t, "2026-12-02")
	if tr := pass(t, w.watcher(t, nil)); len(tr.Alerts) != 2 {
		t.Fatalf("first pass raised %d alerts, want 2 (Barnet overdue, Camden due soon)", len(tr.Alerts))
	}
	w.restart(t)
	if tr := pass(t, w.watcher(t, nil)); len(tr.Alerts) != 0 || tr.Cleared != 0 {
		t.Fatalf("after a restart the same day: %+v", tr)
	}
	events, err := w.st.Events(context.Background(), store.EventFilter{Kind: "alert.raised"})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Fatalf("%d alert.raised events, want 2", len(events))
	}
}

// A response stops the alerts; one that comes after the request was late
// is itself an alert, so the digest says the authority finally answered.
func TestAReplyStopsAlerts(t *testing.T) {
	w := newWorld(t)
	late := w.send(t, storetest.SentRequest{AuthorityName: "Barnet", AuthorityEmail: "foi@barnet.example"})
	early := w.send(t, storetest.SentRequest{AuthorityName: "Camden", AuthorityEmail: "foi@camden.example"})
	w.clk.on(t, "2026-11-26")
	pass(t, w.watcher(t, nil)) // both due soon
	w.clk.on(t, "2026-11-27")
	w.reply(t, early, lifecycle.KindResponse, "", w.clk.t)
	tr := pass(t, w.watcher(t, nil))
	if len(tr.Alerts) != 0 || tr.Cleared != 1 {
		t.Fatalf("a reply before the due date: %+v, want one state cleared and no alert", tr)
	}
	w.clk.on(t, "2026-12-03")
	pass(t, w.watcher(t, nil)) // Barnet overdue
	w.clk.on(t, "2026-12-04")
	w.reply(t, late, lifecycle.KindRefusal, "", w.clk.t)
	tr = pass(t, w.watcher(t, nil))
	if len(tr.Alerts) != 1 {
		t.Fatalf("a late reply raised %d alerts, want 1", len(tr.Alerts))
	}
	as, _ := alert.New(w.st).Alerts(context.Background(), late.ID)
	a := as[len(as)-1]
	if a.From != alert.Overdue || a.To != alert.Replied || lateOf(a) != "3" {
		t.Fatalf("late reply alert %+v", a)
	}
	if got := Sentence(a); got != "Barnet ("+late.Ref+") has replied, after being overdue (due 2026-12-01)" {
		t.Fatalf("sentence %q", got)
	}
	for _, d := range []string{"2026-12-10", "2027-01-20"} {
		w.clk.on(t, d)
		if tr := pass(t, w.watcher(t, nil)); len(tr.Alerts) != 0 || tr.Cleared != 0 {
			t.Fatalf("%s: after the replies: %+v", d, tr)
		}
	}
	if as, _ := alert.New(w.st).Alerts(context.Background(), early.ID); len(as) != 1 {
		t.Fatalf("Camden: %d alerts, want only its due-soon", len(as))
	}
}

// A request bounced is not delivered, and never overdue.
func TestABounceNeverAlertsOverdue(t *testing.T) {
	w := newWorld(t)
	r := w.send(t, storetest.SentRequest{AuthorityName: "Barnet", AuthorityEmail: "foi@barnet.example"})
	w.reply(t, r, lifecycle.KindBounce, "5.1.1", storetest.DefaultSentAt.Add(time.Hour))
	for _, d := range []string{"2026-11-26", "2026-12-01", "2027-02-01"} {
		w.clk.on(t, d)
		if tr := pass(t, w.watcher(t, nil)); len(tr.Alerts) != 0 {
			t.Fatalf("%s: a bounced request raised %v", d, tr.Alerts)
		}
	}
	sh, err := lifecycle.Statutory().Show(lifecycle.Request{Regime: "foia", Outbox: "sent", Status: lifecycle.NotDelivered}, deadline.NewDate(2027, 2, 1), lifecycle.Thresholds{})
	if err != nil || sh.Status != lifecycle.NotDelivered {
		t.Fatalf("shown %+v %v", sh, err)
	}
}

// Withdrawing an overdue request clears its state without an alert.
func TestWithdrawingClearsWithoutAnAlert(t *testing.T) {
	w := newWorld(t)
	r := w.send(t, storetest.SentRequest{AuthorityName: "Barnet", AuthorityEmail: "foi@barnet.example"})
	w.clk.on(t, "2026-12-02")
	pass(t, w.watcher(t, nil))
	if _, err := w.st.RecordFact(context.Background(), r.Ref, store.Fact{Fact: lifecycle.FactWithdrawn, At: w.clk.t}); err != nil {
		t.Fatal(err)
	}
	tr := pass(t, w.watcher(t, nil))
	if len(tr.Alerts) != 0 || tr.Cleared != 1 {
		t.Fatalf("withdrawn: %+v", tr)
	}
	events, _ := w.st.Events(context.Background(), store.EventFilter{Kind: "alert.cleared"})
	if len(events) != 1 || !strings.Contains(string(events[0].Detail), `"to":"withdrawn"`) {
		t.Fatalf("cleared events %v", events)
	}
}

// An extension moves the due date: the overdue state clears, and the
// request is extension-overdue once past the new date.
func TestAnExtensionThatRunsOutIsExtensionOverdue(t *testing.T) {
	w := newWorld(t)
	r := w.send(t, storetest.SentRequest{AuthorityName: "Barnet", AuthorityEmail: "foi@barnet.example"})
	w.clk.on(t, "2026-11-27")
	pass(t, w.watcher(t, nil)) // due soon
	if _, err := w.st.RecordFact(context.Background(), r.Ref, store.Fact{Fact: lifecycle.FactExtended, At: w.clk.t, Until: deadline.NewDate(2026, 12, 14)}); err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, d := range []string{"2026-11-27", "2026-12-01", "2026-12-10", "2026-12-15", "2026-12-16"} {
		w.clk.on(t, d)
		tr := pass(t, w.watcher(t, nil))
		seen = append(seen, fmt.Sprintf("%s:%d/%d", d, len(tr.Alerts), tr.Cleared))
	}
	if got := strings.Join(seen, " "); got != "2026-11-27:0/1 2026-12-01:0/0 2026-12-10:1/0 2026-12-15:1/0 2026-12-16:0/0" {
		t.Fatalf("passes %s", got)
	}
	if got, _ := campaignRequest(t, w, r.Ref); got.Status != lifecycle.Extended {
		t.Fatalf("an extended request is stored %s", got.Status)
	}
	as := w.alerts(t)
	if last := as[len(as)-1]; last.From != alert.DueSoon || last.To != alert.ExtensionOverdue || last.Due != "2026-12-14" {
		t.Fatalf("last alert %+v, want due-soon>extension-overdue due 2026-12-14", last)
	}
}

// A clock that runs through a year with only predicted holidays is warned
// about once, whatever the passes and requests.
func TestPredictedHolidaysAreWarnedOnce(t *testing.T) {
	w := newWorld(t)
	// The embedded GOV.UK feed ends with 2028: a request sent in December
	// 2028 is due in 2029.
	for _, name := range []string{"Barnet", "Camden"} {
		w.send(t, storetest.SentRequest{AuthorityName: name, AuthorityEmail: "foi@" + strings.ToLower(name) + ".example", SentAt: time.Date(2028, 12, 11, 10, 0, 0, 0, time.UTC)})
	}
	w.clk.on(t, "2028-12-12")
	tr := pass(t, w.watcher(t, nil))
	if len(tr.Warnings) != 1 || tr.Warnings[0].Subject != "2029" || !strings.Contains(tr.Warnings[0].Message, "only predicted") {
		t.Fatalf("warnings %+v", tr.Warnings)
	}
	w.restart(t)
	w.clk.on(t, "2028-12-13")
	if tr := pass(t, w.watcher(t, nil)); len(tr.Warnings) != 0 {
		t.Fatalf("warned again: %+v", tr.Warnings)
	}
	if events, _ := w.st.Events(context.Background(), store.EventFilter{Kind: "alert.warning"}); len(events) != 1 {
		t.Fatalf("%d warning events", len(events))
	}
}

func campaignRequest(t *testing.T, w *world, ref string) (campaign.Request, error) {
	t.Helper()
	return campaign.New(w.st).RequestByRef(context.Background(), ref)
}

// Each stored status that awaits an answer becomes its own late state, and
// each way out of an alert state is a change.
func TestChangeBetweenStates(t *testing.T) {
	rule := lifecycle.Statutory()
	on := deadline.NewDate(2026, 12, 10)
	cases := []struct {
		status, stored, due, replied string
		want                         string // from>to, alert or clear; "" when no change
	}{
		{lifecycle.AwaitingResponse, "", "2026-12-01", "", ">overdue alert"},
		{lifecycle.Extended, alert.DueSoon, "2026-12-01", "", "due-soon>extension-overdue alert"},
		{lifecycle.AwaitingReview, "", "2026-12-01", "", ">review-overdue alert"},
		{lifecycle.AwaitingResponse, alert.Overdue, "2026-12-01", "", ""},
		{lifecycle.AwaitingResponse, "", "2026-12-11", "", ">due-soon alert"},
		{lifecycle.AwaitingResponse, alert.Overdue, "2027-01-20", "", "overdue>awaiting-response clear"},
		{lifecycle.Replied, alert.Overdue, "2026-12-01", "2026-12-09", "overdue>replied alert"},
		{lifecycle.Replied, alert.DueSoon, "2026-12-11", "2026-12-09", "due-soon>replied clear"},
		{lifecycle.Withdrawn, alert.VeryOverdue, "2026-12-01", "", "very-overdue>withdrawn clear"},
		{lifecycle.NotDelivered, "", "", "", ""},
	}
	for _, c := range cases {
		sh, err := rule.Show(lifecycle.Request{Regime: "foia", Outbox: "sent", Status: c.status, Due: c.due, RepliedOn: c.replied}, on, lifecycle.Thresholds{DueSoon: 3})
		if err != nil {
			t.Fatal(err)
		}
		j := Judged{Request: alert.Request{ID: 1, Status: c.status, Due: c.due, State: c.stored}, Shown: sh}
		got := ""
		if ch, ok := change(j, on); ok {
			kind := "clear"
			if ch.Alert {
				kind = "alert"
			}
			got = ch.From + ">" + ch.To + " " + kind
			if ch.Alert && !alert.IsState(ch.To) && ch.To != alert.Replied {
				t.Errorf("alert to %q", ch.To)
			}
		}
		if got != c.want {
			t.Errorf("%s stored %q due %s: change %q, want %q", c.status, c.stored, c.due, got, c.want)
		}
	}
}

// Two watchers passing at once on one database (a second process, or a
// pass racing a wake) still write each transition once.
func TestConcurrentPassesWriteEachTransitionOnce(t *testing.T) {
	w := newWorld(t)
	for i := 0; i < 20; i++ {
		w.send(t, storetest.SentRequest{AuthorityName: fmt.Sprintf("Council %02d", i), AuthorityEmail: fmt.Sprintf("foi@c%02d.example", i)})
	}
	w.clk.on(t, "2026-12-02")
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		x := w.watcher(t, nil)
		go func() { _, err := x.Pass(context.Background()); errs <- err }()
	}
	for i := 0; i < 4; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := len(w.alerts(t)); n != 20 {
		t.Fatalf("%d alerts, want 20", n)
	}
}
