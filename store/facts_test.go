package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"foidesk/lifecycle"
	"foidesk/store"
	"foidesk/store/mail"
	"foidesk/store/storetest"
)

// Databases written before answers to clarification requests were facts
// like any other hold request.clarification_answered events, keyed by the
// message they answered; the later of two for one message corrected the
// first. They still count, the same way, and can still be undone.
func TestOldClarificationAnswersStillCount(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// FOIA, delivered Monday 3 November 2025.
	r, err := storetest.Send(ctx, st, storetest.SentRequest{AuthorityName: "Ashdown Council", AuthorityEmail: "foi@ashdown.example",
		SentAt: time.Date(2025, 11, 3, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	ms := mail.New(st)
	rec, err := ms.RecordMessage(ctx, mail.NewMessage{SHA256: strings.Repeat("cd", 32), Size: 1, Derived: mail.Derived{
		HeaderMessageID: "clar@ashdown.example", FromAddr: "foi@ashdown.example", SentDate: time.Date(2025, 11, 10, 9, 0, 0, 0, time.UTC),
		RequestID: r.ID, MatchedBy: "test", Kind: mail.KindClarification, KindReason: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ms.Classify(ctx, rec.ID, mail.KindClarification, "confirmed"); err != nil {
		t.Fatal(err)
	}
	var events []int64
	for _, at := range []string{"2025-11-14T12:00:00Z", "2025-11-17T12:00:00Z"} {
		err := st.Tx(ctx, func(tx *sql.Tx) error {
			id, err := st.AppendEventID(ctx, tx, "request.clarification_answered", store.Subject{Request: r.ID, Message: rec.ID},
				map[string]any{"at": at, "answers_message": rec.ID, "recorded_by": "person"})
			events = append(events, id)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.RecomputeClocks(ctx); err != nil {
		t.Fatal(err)
	}
	// The later answer, 17 November: day 1 is the 18th; 18-21 (4), 24-28
	// (9), St Andrew's substitute (1 December) skipped, 2-5 (13), 8-12
	// (18), 15-16 (20).
	want := func(status, due, when string) {
		t.Helper()
		s, d, err := st.RequestStatus(ctx, r.ID)
		if err != nil || s != status || d != due {
			t.Errorf("%s: %s due %q (%v), want %s due %q", when, s, d, err, status, due)
		}
	}
	want(store.StatusAwaitingResponse, "2025-12-16", "the later answer counts")
	facts, err := st.RecordedFacts(ctx, r.ID)
	if err != nil || len(facts) != 2 || facts[1].Fact != lifecycle.FactClarificationAnswered || facts[1].Event != events[1] {
		t.Fatalf("recorded facts %+v %v", facts, err)
	}
	if _, err := st.UndoFact(ctx, r.Ref, events[1]); err != nil {
		t.Fatal(err)
	}
	// The earlier, 14 November: 17-21 (5), 24-28 (10), 2-5 December (14),
	// 8-12 (19), 15 (20).
	want(store.StatusAwaitingResponse, "2025-12-15", "undone, the earlier answer counts again")
	if _, err := st.UndoFact(ctx, r.Ref, events[0]); err != nil {
		t.Fatal(err)
	}
	want(store.StatusAwaitingClarification, "", "with both undone")
}
