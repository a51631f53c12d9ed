package main

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/mail"
	"foidesk/store/storetest"
)

// TestRequestsClarifiedAndRecompute confirms a clarification request with
// 'messages classify', which stops the clock, records the answer with
// 'requests clarified', which restarts it, and recomputes twice.
func TestRequestsClarifiedAndRecompute(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "foidesk.db")
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := storetest.Send(ctx, st, storetest.SentRequest{AuthorityName: "Ashdown Council", AuthorityEmail: "foi@ashdown.gov.uk",
		SentAt: time.Date(2026, 3, 13, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := mail.New(st).RecordMessage(ctx, mail.NewMessage{SHA256: strings.Repeat("ab", 32), Size: 100, Derived: mail.Derived{
		HeaderMessageID: "clar@ashdown.gov.uk", FromAddr: "foi@ashdown.gov.uk", Subject: "RE: [ref: " + r.Ref + "]",
		SentDate: time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC), RequestID: r.ID, MatchedBy: "subject-ref",
		Kind: mail.KindClarification, KindReason: "asks for clarification"}})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	status := func() (string, string) {
		t.Helper()
		st, err := store.Open(ctx, db, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		s, due, err := st.RequestStatus(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		return s, due
	}
	cli := func(args ...string) (string, string, int) {
		return runCLI(t, append([]string{"--db", db}, args...)...)
	}

	if _, errOut, code := cli("requests", "clarified", r.Ref, "--at", "2026-03-25"); code != 1 || !strings.Contains(errOut, "messages classify") {
		t.Errorf("clarified before confirmation: exit %d, %s", code, errOut)
	}
	if _, errOut, code := cli("messages", "classify", strconv.FormatInt(rec.ID, 10), "--kind", "clarification-request"); code != 0 {
		t.Fatalf("classify: %d %s", code, errOut)
	}
	if s, due := status(); s != store.StatusAwaitingClarification || due != "" {
		t.Errorf("after confirmation: %s due %q", s, due)
	}
	for _, bad := range [][]string{{"requests", "clarified"}, {"requests", "clarified", "NOTAREF1"}, {"requests", "clarified", r.Ref, "--at", "25/03/2026"}} {
		if _, _, code := cli(bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	out, errOut, code := cli("requests", "clarified", r.Ref, "--at", "2026-03-25")
	if code != 0 || !strings.Contains(out, "due 2026-04-24") {
		t.Errorf("clarified: %d %q %s", code, out, errOut)
	}
	if s, due := status(); s != store.StatusAwaitingResponse || due != "2026-04-24" {
		t.Errorf("after the answer: %s due %q", s, due)
	}
	for i := 0; i < 2; i++ {
		if out, errOut, code := cli("requests", "recompute"); code != 0 || !strings.Contains(out, "1 request clock(s) derived, 0 changed") {
			t.Errorf("recompute %d: %d %q %s", i+1, code, out, errOut)
		}
	}
}
