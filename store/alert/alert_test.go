package alert

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/storetest"
)

func open(t *testing.T) (*store.Store, *Store, campaign.Request) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "a.db"), store.Options{Now: func() time.Time { return time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := storetest.Send(ctx, st, storetest.SentRequest{AuthorityName: "Barnet", AuthorityEmail: "foi@barnet.example"})
	if err != nil {
		t.Fatal(err)
	}
	return st, New(st), r
}

func late(n int) *int { return &n }

// A change whose From is not the stored state any more was made by
// another pass: it is skipped, not written twice.
func TestRecordSkipsAStaleChange(t *testing.T) {
	_, s, r := open(t)
	ctx := context.Background()
	c := Change{RequestID: r.ID, CampaignID: r.CampaignID, From: "", To: Overdue, Alert: true, On: "2026-12-04", Due: r.DueDate, DaysLate: late(3)}
	rec, err := s.Record(ctx, []Change{c}, nil, time.Time{})
	if err != nil || len(rec.Alerts) != 1 {
		t.Fatalf("%+v %v", rec, err)
	}
	if rec, err = s.Record(ctx, []Change{c}, nil, time.Time{}); err != nil || len(rec.Alerts) != 0 {
		t.Fatalf("again: %+v %v", rec, err)
	}
	open, err := s.Open(ctx, 0)
	if err != nil || len(open) != 1 || open[0].State != Overdue || open[0].Since != "2026-12-04" {
		t.Fatalf("open %+v %v", open, err)
	}
	if other, _ := s.Open(ctx, r.CampaignID+1); len(other) != 0 {
		t.Fatalf("another campaign's: %+v", other)
	}
	as, _ := s.Alerts(ctx, r.ID)
	if len(as) != 1 || as[0].Webhook != WebhookNone || *as[0].DaysLate != 3 || as[0].Campaign != r.Campaign {
		t.Fatalf("alerts %+v", as)
	}
}

// A webhook outcome is recorded once: an alert delivered or given up is
// left alone by a late mark.
func TestMarkWebhookLeavesASettledAlertAlone(t *testing.T) {
	st, s, r := open(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	if _, err := s.Record(ctx, []Change{{RequestID: r.ID, CampaignID: r.CampaignID, To: DueSoon, Alert: true, On: "2026-12-04"}}, nil, at); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.WebhookDue(ctx, at.Add(-time.Second), 10); len(due) != 0 {
		t.Fatal("due before its time")
	}
	due, err := s.WebhookDue(ctx, at, 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("%+v %v", due, err)
	}
	if err := s.MarkWebhook(ctx, due[0].ID, 1, WebhookOutcome{State: WebhookDelivered, HTTPCode: 200}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkWebhook(ctx, due[0].ID, 2, WebhookOutcome{State: WebhookFailed, Error: "late"}); err != nil {
		t.Fatal(err)
	}
	as, _ := s.Alerts(ctx, r.ID)
	if as[0].Webhook != WebhookDelivered || as[0].Attempts != 1 {
		t.Fatalf("%+v", as[0])
	}
	if next, _ := s.NextWebhook(ctx); !next.IsZero() {
		t.Fatalf("next %s with nothing pending", next)
	}
	if ev, _ := st.Events(ctx, store.EventFilter{Kind: "alert.webhook_delivered"}); len(ev) != 1 {
		t.Fatalf("%d delivered events", len(ev))
	}
}

// A day's digest is considered once; a compose that fails writes nothing.
func TestDigestOnceADay(t *testing.T) {
	_, s, r := open(t)
	ctx := context.Background()
	if _, err := s.Record(ctx, []Change{{RequestID: r.ID, CampaignID: r.CampaignID, To: Overdue, Alert: true, On: "2026-12-04"}},
		[]Warning{{Kind: WarnPredicted, Subject: "2029", Message: "m"}}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if _, err := s.Digest(ctx, "2026-12-04", func(*sql.Tx, DigestInput) (DigestResult, error) { return DigestResult{}, boom }); !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	if done, _ := s.Digested(ctx, "2026-12-04"); done {
		t.Fatal("a failed digest counted as done")
	}
	var got DigestInput
	done, err := s.Digest(ctx, "2026-12-04", func(_ *sql.Tx, in DigestInput) (DigestResult, error) {
		got = in
		return DigestResult{LetterID: 7, Overdue: 1}, nil
	})
	if err != nil || !done || got.Key != "digest:2026-12-04" || len(got.Alerts) != 1 || len(got.Warnings) != 1 {
		t.Fatalf("done %v err %v input %+v", done, err, got)
	}
	called := false
	if done, err := s.Digest(ctx, "2026-12-04", func(*sql.Tx, DigestInput) (DigestResult, error) { called = true; return DigestResult{}, nil }); err != nil || done || called {
		t.Fatalf("second digest the same day: done %v err %v called %v", done, err, called)
	}
	if done, err := s.Digest(ctx, "2026-12-05", func(_ *sql.Tx, in DigestInput) (DigestResult, error) { got = in; return DigestResult{}, nil }); err != nil || !done {
		t.Fatal(err)
	}
	if len(got.Alerts) != 0 || len(got.Warnings) != 0 {
		t.Fatalf("included again the next day: %+v", got)
	}
}
