package campaign

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"foidesk/deadline"
	"foidesk/ref"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/registry"
)

func strp(s string) *string { return &s }

// campaignStore opens a fresh database holding authorities: n English ones
// with addresses, one Scottish one, and one without an address.
func campaignStore(t *testing.T, n int) *Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "c.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var rows []registry.AuthorityInput
	for i := 0; i < n; i++ {
		tags := []string{"unitary"}
		rows = append(rows, registry.AuthorityInput{Origin: fmt.Sprintf("t:%d", i), Code: fmt.Sprintf("E%03d", i), Name: fmt.Sprintf("Council %03d", i),
			Email: strp(fmt.Sprintf("foi@c%03d.example", i)), Nation: strp("England"), Tags: &tags})
	}
	rows = append(rows,
		registry.AuthorityInput{Origin: "t:s", Code: "FIF", Name: "Fife Council", Email: strp("foi@fife.example"), Nation: strp("Scotland")},
		registry.AuthorityInput{Origin: "t:x", Code: "NOE", Name: "No Email Council", Nation: strp("England")})
	if _, err := registry.New(st).ImportAuthorities(ctx, registry.AuthorityImport{Rows: rows}); err != nil {
		t.Fatal(err)
	}
	return New(st)
}

func msgID(ref string) string { return ref + ".test@example.org" }

func outbox(t *testing.T, s *Store) *Outbox {
	t.Helper()
	o, err := s.Outbox(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

func queueAll(t *testing.T, s *Store, c Campaign) {
	t.Helper()
	_, err := s.Queue(context.Background(), c.ID, func(r Request) (Rendered, error) {
		return Rendered{Subject: "s " + r.Ref, Raw: []byte("To: " + r.ToEmail + "\r\n\r\nbody\r\n")}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCreateCampaignTargetsAndListsMissingEmails(t *testing.T) {
	ctx := context.Background()
	s := campaignStore(t, 3)
	res, err := s.Create(ctx, Spec{Name: "all", Template: "recording-policy", Target: Target{All: true}, MessageID: msgID})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 4 || len(res.NoEmail) != 1 || res.NoEmail[0].Name != "No Email Council" {
		t.Fatalf("created %d requests, no email %v", res.Requests, res.NoEmail)
	}
	reqs, _ := s.Requests(ctx, res.Campaign.ID, false)
	seen := map[string]bool{}
	for _, r := range reqs {
		if !ref.Valid(r.Ref) || seen[r.Ref] || r.MessageID != r.Ref+".test@example.org" || r.OutboxState != OutboxDraft {
			t.Errorf("request %+v", r)
		}
		seen[r.Ref] = true
		if r.Authority.Name == "Fife Council" && r.Regime != "foisa" {
			t.Errorf("Fife regime %q", r.Regime)
		}
	}
	sc, err := s.Create(ctx, Spec{Name: "scot", Template: "t", Target: Target{Nations: []string{"scotland"}}, MessageID: msgID})
	if err != nil || sc.Requests != 1 {
		t.Fatalf("nation target: %+v %v", sc, err)
	}
	tg, err := s.Create(ctx, Spec{Name: "tag", Template: "t", Target: Target{Nations: []string{"England"}, Tags: []string{"Unitary"}}, MessageID: msgID})
	if err != nil || tg.Requests != 3 || len(tg.NoEmail) != 0 {
		t.Fatalf("tag target: %+v %v", tg, err)
	}
	if _, err := s.Create(ctx, Spec{Name: "all", Template: "t", Target: Target{All: true}, MessageID: msgID}); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate name: %v", err)
	}
	if _, err := s.Create(ctx, Spec{Name: "none", Template: "t", Target: Target{Tags: []string{"nope"}}, MessageID: msgID}); !errors.Is(err, ErrNoTargets) {
		t.Errorf("empty target: %v", err)
	}
	ev, _ := s.core.Events(ctx, store.EventFilter{Kind: "campaign.created"})
	if len(ev) != 3 || !strings.Contains(string(ev[0].Detail), "No Email Council") {
		t.Errorf("events %v", ev)
	}
}

func TestQueueRendersOnceAndRollsBackOnError(t *testing.T) {
	ctx := context.Background()
	s := campaignStore(t, 3)
	res, _ := s.Create(ctx, Spec{Name: "c", Template: "t", Target: Target{All: true}, MessageID: msgID})
	_, err := s.Queue(ctx, res.Campaign.ID, func(r Request) (Rendered, error) {
		if r.Authority.Code == "E001" {
			return Rendered{}, errors.New("boom")
		}
		return Rendered{Subject: "x", Raw: []byte("x")}, nil
	})
	if err == nil || !strings.Contains(err.Error(), "Council 001") {
		t.Fatalf("err = %v", err)
	}
	counts, _ := s.Counts(ctx, res.Campaign.ID)
	if counts[OutboxDraft] != 4 {
		t.Fatalf("a failed render half-queued: %v", counts)
	}
	queueAll(t, s, res.Campaign)
	c, _ := s.ByName(ctx, "c")
	counts, _ = s.Counts(ctx, c.ID)
	if c.State != Queued || counts[OutboxQueued] != 4 {
		t.Fatalf("state %s counts %v", c.State, counts)
	}
	// Queuing again renders nothing new: the stored bytes are what is sent.
	n, err := s.Queue(ctx, c.ID, func(Request) (Rendered, error) { return Rendered{}, errors.New("must not render") })
	if err != nil || n != 0 {
		t.Fatalf("requeue: %d %v", n, err)
	}
}

func TestClaimIsExclusiveAcrossConnections(t *testing.T) {
	ctx := context.Background()
	s := campaignStore(t, 40)
	res, _ := s.Create(ctx, Spec{Name: "c", Template: "t", Target: Target{All: true}, MessageID: msgID})
	queueAll(t, s, res.Campaign)
	// A second Store on the same file stands in for a second process.
	core2, err := store.Open(ctx, s.Path(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer core2.Close()
	s2 := New(core2)
	var mu sync.Mutex
	got := map[int64]string{}
	var wg sync.WaitGroup
	for i, st := range []*Store{s, s2, s, s2} {
		wg.Add(1)
		go func(owner string, st *Store) {
			defer wg.Done()
			for {
				g, err := outbox(t, st).Claim(ctx, ClaimOptions{Owner: owner, Now: time.Now()})
				if err != nil {
					t.Error(err)
					return
				}
				if g == nil {
					return
				}
				mu.Lock()
				if prev, dup := got[g.ID]; dup {
					t.Errorf("request %d claimed by %s and %s", g.ID, prev, owner)
				}
				got[g.ID] = owner
				mu.Unlock()
				if _, err := outbox(t, st).MarkSent(ctx, g, owner, Delivery{AcceptedAt: time.Now()}, nil); err != nil {
					t.Error(err)
				}
			}
		}(fmt.Sprintf("d%d", i), st)
	}
	wg.Wait()
	if len(got) != 41 {
		t.Fatalf("claimed %d of 41", len(got))
	}
	if err := s.FinishSettled(ctx); err != nil {
		t.Fatal(err)
	}
	c, _ := s.ByName(ctx, "c")
	if c.State != Done {
		t.Errorf("campaign %s after every request was sent", c.State)
	}
	ev, _ := s.core.Events(ctx, store.EventFilter{Kind: "request.delivered"})
	if len(ev) != 41 {
		t.Fatalf("%d delivered events", len(ev))
	}
	var d struct{ At, Due, Status string }
	if err := json.Unmarshal(ev[0].Detail, &d); err != nil {
		t.Fatal(err)
	}
	at, _ := time.Parse(time.RFC3339Nano, d.At)
	want := deadline.NewCalendar(deadline.FOIA, deadline.EmbeddedHolidays()).Due(deadline.ReceiptDate(at), 20, deadline.Statutory).Due.String()
	if d.Due != want || d.Status != store.StatusAwaitingResponse {
		t.Errorf("delivered event %s: want due %s (the engine's count from the delivery), awaiting-response", ev[0].Detail, want)
	}
}

func TestOutcomesRetryFailUnknownAndResolve(t *testing.T) {
	ctx := context.Background()
	s := campaignStore(t, 3)
	res, _ := s.Create(ctx, Spec{Name: "c", Template: "t", Target: Target{All: true}, MessageID: msgID})
	queueAll(t, s, res.Campaign)
	now := time.Now()
	ob := outbox(t, s)
	claim := func(at time.Time) *Outgoing {
		t.Helper()
		g, err := ob.Claim(ctx, ClaimOptions{Owner: "me", Now: at})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	a := claim(now)
	failed, _, err := ob.MarkRetry(ctx, a, "me", now.Add(time.Minute), SMTPReply{Code: 451, Enhanced: "4.3.0", Text: "try later"}, 2, nil)
	if err != nil || failed {
		t.Fatal(failed, err)
	}
	// Not ready until its time; the others are claimed meanwhile.
	b := claim(now)
	if b.ID == a.ID {
		t.Fatal("a retry row was claimed before its time")
	}
	if _, err := ob.MarkFailed(ctx, b, "me", SMTPReply{Code: 550, Enhanced: "5.1.1", Text: "no such user"}, nil); err != nil {
		t.Fatal(err)
	}
	c := claim(now)
	if _, err := ob.MarkUnknown(ctx, c, "me", "connection lost after data", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ob.MarkSent(ctx, c, "me", Delivery{AcceptedAt: now}, nil); !errors.Is(err, ErrLostClaim) {
		t.Errorf("recording twice: %v", err)
	}
	p, _ := s.OutboxPending(ctx, 0, now)
	if p.Ready != 1 || p.Waiting != 1 || !p.NextAt.Round(time.Millisecond).Equal(now.Add(time.Minute).Round(time.Millisecond)) {
		t.Errorf("pending %+v", p)
	}
	d := claim(now)
	if err := ob.Release(ctx, d, "me", "no connection"); err != nil {
		t.Fatal(err)
	}
	// Second attempt of a is its last: a 4xx then fails it for good.
	a2 := claim(now.Add(2 * time.Minute))
	if a2.ID != a.ID || a2.Attempts != 2 {
		t.Fatalf("retry claim %+v", a2)
	}
	failed, _, err = ob.MarkRetry(ctx, a2, "me", now.Add(time.Hour), SMTPReply{Code: 451, Text: "still later"}, 2, nil)
	if err != nil || !failed {
		t.Fatal(failed, err)
	}
	reqs, _ := s.Requests(ctx, res.Campaign.ID, false)
	states := map[int64]Request{}
	for _, r := range reqs {
		states[r.ID] = r
	}
	if r := states[b.ID]; r.OutboxState != OutboxFailed || r.SMTPCode != 550 || r.SMTPEnhanced != "5.1.1" || r.SMTPText != "no such user" {
		t.Errorf("550: %+v", r)
	}
	if r := states[d.ID]; r.OutboxState != OutboxQueued || r.Attempts != 0 {
		t.Errorf("released: %+v", r)
	}
	if r := states[a.ID]; r.OutboxState != OutboxFailed || r.SMTPCode != 451 {
		t.Errorf("exhausted: %+v", r)
	}
	// Resolution by a person.
	cr := states[c.ID]
	if _, err := s.ResolveResend(ctx, strings.ToLower(cr.Ref)); err != nil {
		t.Fatal(err)
	}
	c2 := claim(now)
	if c2 == nil || (c2.ID != c.ID && c2.ID != d.ID) {
		t.Fatalf("resend not queued: %+v", c2)
	}
	if _, err := ob.MarkUnknown(ctx, c2, "me", "lost", nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.ResolveSent(ctx, states[c2.ID].Ref)
	if err != nil || got.OutboxState != OutboxSent || got.SentAt.IsZero() {
		t.Fatalf("resolve sent: %+v %v", got, err)
	}
	// The delivery time is the attempt's, and the due date the engine's
	// count from it: the clock is derived in the resolving transaction.
	reg, _ := deadline.ParseRegime(got.Regime)
	want := deadline.NewCalendar(reg, deadline.EmbeddedHolidays()).Due(deadline.ReceiptDate(got.SentAt), 20, deadline.Statutory).Due.String()
	if got.DueDate != want || got.Status != store.StatusAwaitingResponse || ts(got.SentAt) != ts(c2.ClaimedAt) {
		t.Fatalf("resolve sent: due %s status %s sent %s, want due %s, awaiting-response, sent at the claim %s", got.DueDate, got.Status, got.SentAt, want, c2.ClaimedAt)
	}
	if _, err := s.ResolveSent(ctx, got.Ref); err == nil {
		t.Error("resolved a sent request again")
	}
}

func TestOrphansBecomeUnknownAndDailyCap(t *testing.T) {
	ctx := context.Background()
	s := campaignStore(t, 3)
	res, _ := s.Create(ctx, Spec{Name: "c", Template: "t", Target: Target{All: true}, MessageID: msgID})
	queueAll(t, s, res.Campaign)
	now := time.Now()
	ob := outbox(t, s)
	g, _ := ob.Claim(ctx, ClaimOptions{Owner: "dead", Now: now})
	owners, _ := s.SendingOwners(ctx)
	if len(owners) != 1 || owners[0] != "dead" {
		t.Fatalf("owners %v", owners)
	}
	refs, err := s.MarkOrphansUnknown(ctx, "dead")
	if err != nil || len(refs) != 1 || refs[0] != g.Ref {
		t.Fatalf("orphans %v %v", refs, err)
	}
	// The unknown one counts against a cap of 2; one more send fills it.
	g2, err := ob.Claim(ctx, ClaimOptions{Owner: "me", Now: now, DailyCap: 2})
	if err != nil || g2 == nil {
		t.Fatal(err)
	}
	ob.MarkSent(ctx, g2, "me", Delivery{AcceptedAt: now}, nil)
	_, err = ob.Claim(ctx, ClaimOptions{Owner: "me", Now: now, DailyCap: 2})
	var capErr *DailyCapError
	if !errors.As(err, &capErr) || capErr.Until.Before(now.Add(23*time.Hour)) {
		t.Fatalf("cap: %v", err)
	}
	if _, err := ob.Claim(ctx, ClaimOptions{Owner: "me", Now: now.Add(25 * time.Hour), DailyCap: 2}); err != nil {
		t.Errorf("cap a day later: %v", err)
	}
	recent, _ := s.RecentSends(ctx, now.Add(-time.Hour))
	if len(recent) != 1 {
		t.Errorf("recent %v", recent)
	}
}

func TestPauseResumeCancel(t *testing.T) {
	ctx := context.Background()
	s := campaignStore(t, 3)
	res, _ := s.Create(ctx, Spec{Name: "c", Template: "t", Target: Target{All: true}, MessageID: msgID})
	queueAll(t, s, res.Campaign)
	if err := s.Pause(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	ob := outbox(t, s)
	if g, _ := ob.Claim(ctx, ClaimOptions{Owner: "me", Now: time.Now()}); g != nil {
		t.Fatal("claimed from a paused campaign")
	}
	if err := s.Pause(ctx, "c"); !errors.Is(err, ErrState) {
		t.Errorf("pause twice: %v", err)
	}
	if err := s.Resume(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	g, _ := ob.Claim(ctx, ClaimOptions{Owner: "me", Now: time.Now()})
	if err := s.Cancel(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	// The message in flight still settles; the rest are cancelled.
	if _, err := ob.MarkSent(ctx, g, "me", Delivery{AcceptedAt: time.Now()}, nil); err != nil {
		t.Fatal(err)
	}
	counts, _ := s.Counts(ctx, res.Campaign.ID)
	if counts[OutboxCancelled] != 3 || counts[OutboxSent] != 1 {
		t.Errorf("counts %v", counts)
	}
	if err := s.Resume(ctx, "c"); !errors.Is(err, ErrState) {
		t.Errorf("resume cancelled: %v", err)
	}
	if err := s.Pause(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown campaign: %v", err)
	}
}

// The outbox writes its events with its own prepared statement; they must
// be the rows AppendEvent would write.
func TestOutboxEventsMatchAppendEvent(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 28, 9, 30, 1, 500, time.UTC)
	core, err := store.Open(ctx, t.TempDir()+"/e.db", store.Options{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	defer core.Close()
	s := New(core)
	detail := map[string]any{"x": 1, "y": "z"}
	subj := store.Subject{Authority: 3, Request: 4}
	if err := s.core.Tx(ctx, func(tx *sql.Tx) error { return s.core.AppendEvent(ctx, tx, "test.kind", subj, detail) }); err != nil {
		t.Fatal(err)
	}
	ob := outbox(t, s)
	if err := ob.tx(ctx, func() error { return ob.event(ctx, "test.kind", subj, detail) }); err != nil {
		t.Fatal(err)
	}
	if err := ob.tx(ctx, func() error { return ob.event(ctx, "test.nil", store.Subject{}, nil) }); err != nil {
		t.Fatal(err)
	}
	if err := s.core.Tx(ctx, func(tx *sql.Tx) error { return s.core.AppendEvent(ctx, tx, "test.nil", store.Subject{}, nil) }); err != nil {
		t.Fatal(err)
	}
	rows, err := s.core.DB().QueryContext(ctx, `SELECT at, kind, coalesce(authority_id, 0), coalesce(request_id, 0), coalesce(message_id, -1), detail FROM events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var a, k, d string
		var x, y, z int64
		rows.Scan(&a, &k, &x, &y, &z, &d)
		got = append(got, fmt.Sprint(a, k, x, y, z, d))
	}
	if len(got) != 4 || got[0] != got[1] || got[2] != got[3] {
		t.Errorf("rows differ:\n%s", strings.Join(got, "\n"))
	}
}

func TestOutboxStateGroups(t *testing.T) {
	for _, st := range OutboxStates {
		settled, waiting, would := Settled(st), Waiting(st), WouldSend(st)
		if settled && waiting {
			t.Errorf("%s is both settled and waiting", st)
		}
		if settled && would {
			t.Errorf("%s is settled yet would be sent again", st)
		}
		switch st {
		case OutboxDraft:
			if !would || waiting || settled {
				t.Errorf("draft: settled %v waiting %v would send %v", settled, waiting, would)
			}
		case OutboxCancelled:
			if would || waiting || settled {
				t.Errorf("cancelled: settled %v waiting %v would send %v", settled, waiting, would)
			}
		case OutboxSending:
			if would || !waiting {
				t.Errorf("sending: waiting %v would send %v", waiting, would)
			}
		}
	}
}

// A drawn reference that is already taken is drawn again, whichever of
// its two columns (the reference, or the Message-ID made from it) SQLite
// finds taken first.
func TestATakenReferenceIsDrawnAgain(t *testing.T) {
	s := campaignStore(t, 2)
	ctx := context.Background()
	taken := ref.New()
	other, third := ref.New(), ref.New()
	first, err := s.Create(ctx, Spec{Name: "first", Template: "recording-policy", Target: Target{Nations: []string{"Scotland"}},
		MessageID: msgID, Ref: func() string { return taken }})
	if err != nil {
		t.Fatal(err)
	}
	// Only the Message-ID collides here: the second campaign's ids are
	// made from the token with the same function.
	draws := []string{taken, other}
	second, err := s.Create(ctx, Spec{Name: "second", Template: "recording-policy", Target: Target{Nations: []string{"Scotland"}}, AllowDuplicates: true,
		MessageID: msgID, Ref: func() string { r := draws[0]; draws = draws[1:]; return r }})
	if err != nil {
		t.Fatalf("a taken token was not drawn again: %v", err)
	}
	// And when only the Message-ID function collides, not the reference.
	fixed := func(string) string { return msgID(taken) }
	if _, err := s.Create(ctx, Spec{Name: "third", Template: "recording-policy", Target: Target{Nations: []string{"Scotland"}}, AllowDuplicates: true,
		MessageID: fixed, Ref: func() string { return third }}); err == nil || !strings.Contains(err.Error(), "message_id") {
		t.Fatalf("a Message-ID that cannot differ was accepted or hid its cause: %v", err)
	}
	reqs, err := s.Requests(ctx, second.Campaign.ID, false)
	if err != nil || len(reqs) != 1 || reqs[0].Ref != other {
		t.Fatalf("second campaign's requests %+v %v (first %v)", reqs, err, first.Campaign.ID)
	}
}
