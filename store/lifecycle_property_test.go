package store_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"pgregory.net/rapid"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/mail"
	"foidesk/store/storetest"
)

// propWorld is one database the property runs many requests through, on
// a clock the test moves.
type propWorld struct {
	st   *store.Store
	mail *mail.Store
	now  time.Time
	seq  int
}

func (w *propWorld) message(t *rapid.T, req campaign.Request, kind, bounce string, sent time.Time) int64 {
	w.seq++
	h := sha256.Sum256([]byte(fmt.Sprint("message ", w.seq)))
	rec, err := w.mail.RecordMessage(context.Background(), mail.NewMessage{SHA256: fmt.Sprintf("%x", h), Size: 1,
		Derived: mail.Derived{HeaderMessageID: fmt.Sprintf("m%d@council.example", w.seq), FromAddr: req.ToEmail, SentDate: sent,
			RequestID: req.ID, MatchedBy: "test", Kind: kind, KindReason: "test", BounceStatus: bounce}})
	if err != nil {
		t.Fatal(err)
	}
	return rec.ID
}

func (w *propWorld) classify(t *rapid.T, id int64, kind string) {
	if err := w.mail.Classify(context.Background(), id, kind, "test"); err != nil {
		t.Fatal(err)
	}
}

// step is one fact of the drawn history: the engine's event and how to
// record it through one of the paths the product has.
type step struct {
	ev     deadline.Event
	record func(t *rapid.T)
}

// TestLifecycleAgreesWithTheEngine is the lifecycle's property: any
// history of facts (delivery, bounces, acknowledgements, clarification
// requested and answered, fees, extensions, a response, an internal review
// asked for and answered), each recorded through any of the paths that
// record it (the outbox, a person resolving an unknown send, the sent
// mailbox; triage, a person's assignment of an unmatched message, a
// person's classification, a wrong decision corrected; a fact recorded by
// post or phone, or a wrong one recorded and undone first), leaves the
// request with the status and due date the deadline engine computes from
// the same facts directly, under every regime; and a clock still running
// is shown overdue in the words of its stage the working day after its due
// date.
func TestLifecycleAgreesWithTheEngine(t *testing.T) {
	ctx := context.Background()
	w := &propWorld{}
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "foidesk.db"), store.Options{Now: func() time.Time { return w.now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	w.st = st
	w.mail = mail.New(st)
	cs := campaign.New(st)
	n := 0
	// Small recompute batches, so requests fall either side of their edges.
	defer store.SetRecomputeBatch(3)()
	rapid.Check(t, func(t *rapid.T) {
		n++
		regime := rapid.SampledFrom([]string{"foia", "eir", "foisa", "eisr"}).Draw(t, "regime")
		reg, _ := deadline.ParseRegime(regime)
		cal := deadline.NewCalendar(reg, deadline.EmbeddedHolidays())
		start := time.Date(2026, 1, 5, 11, 0, 0, 0, time.UTC).AddDate(0, 0, rapid.IntRange(0, 700).Draw(t, "start"))
		w.now = start.Add(time.Minute)

		// Delivery, by one of three paths.
		f := storetest.SentRequest{AuthorityName: fmt.Sprintf("Council %d", n), AuthorityEmail: fmt.Sprintf("foi@c%d.example", n), Regime: regime, SentAt: start}
		var req campaign.Request
		switch path := rapid.IntRange(0, 2).Draw(t, "delivery path"); path {
		case 0:
			if req, err = storetest.Send(ctx, st, f); err != nil {
				t.Fatal(err)
			}
		default:
			if req, err = storetest.Unknown(ctx, st, f); err != nil {
				t.Fatal(err)
			}
			if path == 1 {
				req, err = cs.ResolveSent(ctx, req.Ref) // the attempt's time, which is start
			} else {
				req, err = cs.FoundInSentMailbox(ctx, req.Ref, start)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		events := []deadline.Event{{Kind: deadline.Delivered, Date: deadline.ReceiptDate(start)}}
		opt := deadline.Options{}
		valid := func(evs []deadline.Event) bool {
			_, err := cal.Clock(evs, opt)
			return err == nil
		}

		at := start
		steps := rapid.IntRange(0, 8).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			at = at.AddDate(0, 0, rapid.IntRange(1, 12).Draw(t, "gap"))
			w.now = at.Add(time.Hour)
			cl, _ := cal.Clock(events, opt)
			kind := rapid.SampledFrom([]deadline.EventKind{deadline.Bounced, deadline.Acknowledged, deadline.ClarificationRequested,
				deadline.ClarificationAnswered, deadline.FeesNotice, deadline.FeePaid, deadline.Extended, deadline.ResponseReceived,
				deadline.ReviewRequested}).Draw(t, "fact")
			ev := deadline.Event{Kind: kind, Date: deadline.ReceiptDate(at)}
			if kind == deadline.Extended && !cl.Due.IsZero() && rapid.Bool().Draw(t, "until") {
				ev.Until = cl.Due.AddDays(rapid.IntRange(1, 30).Draw(t, "extra days"))
			}
			if !valid(append(append([]deadline.Event{}, events...), ev)) {
				continue // a history the law does not allow
			}
			events = append(events, ev)
			// A second response is correspondence, which only mail can be:
			// a person recording one is told the request was answered.
			w.recordFact(t, req, ev, at, cl.State == deadline.Answered)
		}

		want, err := cal.Clock(events, opt)
		if err != nil {
			t.Fatalf("engine: %v", err)
		}
		wantStatus, wantDue := lifecycle.AwaitingResponse, want.Due.String()
		switch {
		case want.State == deadline.Running && want.Stage == deadline.StageReview:
			wantStatus = lifecycle.AwaitingReview
		case want.State == deadline.Running && want.Extended:
			wantStatus = lifecycle.Extended
		}
		switch want.State {
		case deadline.NotDelivered:
			wantStatus = lifecycle.NotDelivered
		case deadline.AwaitingClarification:
			wantStatus = lifecycle.AwaitingClarification
		case deadline.FeePending:
			wantStatus = lifecycle.FeePending
		case deadline.Answered:
			wantStatus = lifecycle.Replied
		}
		if want.Due.IsZero() {
			wantDue = ""
		}
		got, err := cs.RequestByRef(ctx, req.Ref)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != wantStatus || got.DueDate != wantDue {
			t.Fatalf("%s request %s after %v: stored %s due %q, engine %s due %q", regime, req.Ref, events, got.Status, got.DueDate, wantStatus, wantDue)
		}
		if want.State == deadline.Running {
			late := cal.NextWorkingDay(want.Due)
			if want.Due.Weekday() == time.Saturday || want.Due.Weekday() == time.Sunday {
				late = cal.NextWorkingDay(late) // a FOIA extension's date may fall on a weekend
			}
			wantShown := map[string]string{lifecycle.AwaitingResponse: lifecycle.Overdue, lifecycle.Extended: lifecycle.ExtensionOverdue,
				lifecycle.AwaitingReview: lifecycle.ReviewOverdue}[wantStatus]
			sh, err := lifecycle.Statutory().Show(lifecycle.Request{Regime: regime, Outbox: got.OutboxState, Status: got.Status, Due: got.DueDate}, late, lifecycle.Thresholds{})
			if err != nil || sh.Status != wantShown {
				t.Fatalf("%s request %s due %s, %s: shown %s on %s (%v), want %s", regime, req.Ref, got.DueDate, got.Status, sh.Status, late, err, wantShown)
			}
		}
		// Recompute derives the same again, and changes nothing.
		before, _ := cs.RequestByRef(ctx, req.Ref)
		if _, err := st.RecomputeClocks(ctx); err != nil {
			t.Fatal(err)
		}
		if after, _ := cs.RequestByRef(ctx, req.Ref); after.Status != before.Status || after.DueDate != before.DueDate {
			t.Fatalf("recompute moved %s: %s %s → %s %s", req.Ref, before.Status, before.DueDate, after.Status, after.DueDate)
		}
	})
}

// recordFact records ev about req through a path the draw picks. A
// response to a request already answered (correspondence) comes by mail.
func (w *propWorld) recordFact(t *rapid.T, req campaign.Request, ev deadline.Event, at time.Time, answered bool) {
	ctx := context.Background()
	wrongThenRight := rapid.Bool().Draw(t, "wrong first")
	byPost := rapid.Bool().Draw(t, "by post")
	switch {
	case ev.Kind == deadline.ClarificationRequested && !byPost:
		id := w.message(t, req, mail.KindClarification, "", at)
		w.classify(t, id, mail.KindClarification) // a person confirms it
	case ev.Kind == deadline.Bounced, ev.Kind == deadline.Acknowledged, ev.Kind == deadline.ResponseReceived && (!byPost || answered):
		kind, bounce := "", ""
		switch ev.Kind {
		case deadline.ResponseReceived:
			// A refusal and an "already published" reply answer the
			// request as a response does.
			kind = rapid.SampledFrom([]string{mail.KindResponse, mail.KindRefusal, mail.KindPublished}).Draw(t, "response kind")
		case deadline.Bounced:
			kind, bounce = mail.KindBounce, rapid.SampledFrom([]string{"5.1.1", "5.7.1", ""}).Draw(t, "bounce status")
		case deadline.Acknowledged:
			kind = mail.KindAck
		}
		switch rapid.IntRange(0, 3).Draw(t, "message path") {
		case 0: // triage decides
			w.message(t, req, kind, bounce, at)
		case 3: // nothing matched it; a person assigns it to the request
			unmatched := req
			unmatched.ID = 0
			id := w.message(t, unmatched, kind, bounce, at)
			if _, err := w.mail.Assign(ctx, id, req.Ref, "test"); err != nil {
				t.Fatal(err)
			}
		case 1: // triage calls it an auto-reply; a person corrects it
			id := w.message(t, req, mail.KindAutoReply, bounce, at)
			w.classify(t, id, kind)
		default: // a person first makes the wrong correction, then the right one
			id := w.message(t, req, kind, bounce, at)
			w.classify(t, id, rapid.SampledFrom([]string{mail.KindAutoReply, mail.KindResponse, mail.KindClarification}).Draw(t, "wrong kind"))
			w.classify(t, id, kind)
		}
		if wrongThenRight && ev.Kind != deadline.Bounced {
			// A temporary bounce and an unconfirmed clarification request
			// move nothing.
			w.message(t, req, mail.KindBounce, "4.2.2", at)
			w.message(t, req, mail.KindClarification, "", at)
		}
	default: // recorded by a person: by post, by phone, or read in a letter
		fact := map[deadline.EventKind]string{deadline.ClarificationRequested: lifecycle.FactClarificationRequested,
			deadline.ClarificationAnswered: lifecycle.FactClarificationAnswered, deadline.FeesNotice: lifecycle.FactFeesNotice,
			deadline.FeePaid: lifecycle.FactFeePaid, deadline.Extended: lifecycle.FactExtended,
			deadline.ResponseReceived: lifecycle.FactResponseReceived, deadline.ReviewRequested: lifecycle.FactReviewRequested}[ev.Kind]
		if wrongThenRight {
			// A wrong fact, or the right one on the wrong date, recorded
			// and undone; a fact the clock refuses leaves nothing to undo.
			wrong := store.Fact{Fact: lifecycle.FactWithdrawn, At: at}
			if rapid.Bool().Draw(t, "wrong date") {
				wrong = store.Fact{Fact: fact, At: at.AddDate(0, 0, -rapid.IntRange(1, 30).Draw(t, "days early")), Until: ev.Until}
			}
			if r, err := w.st.RecordFact(ctx, req.Ref, wrong); err == nil {
				if _, err := w.st.UndoFact(ctx, req.Ref, r.Event); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := w.st.RecordFact(ctx, req.Ref, store.Fact{Fact: fact, At: at, Until: ev.Until}); err != nil {
			t.Fatalf("%s: %v", fact, err)
		}
	}
}
