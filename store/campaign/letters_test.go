package campaign_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/registry"
)

// twoRequestCampaign is a queued campaign "c" to two authorities, the first
// request sent through the outbox, the second still queued.
func twoRequestCampaign(t *testing.T) (*store.Store, *campaign.Store, campaign.Request) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "l.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e1, e2, nation := "foi@one.example", "foi@two.example", "England"
	if _, err := registry.New(st).ImportAuthorities(ctx, registry.AuthorityImport{Rows: []registry.AuthorityInput{
		{Origin: "t:1", Code: "ONE", Name: "One Council", Email: &e1, Nation: &nation},
		{Origin: "t:2", Code: "TWO", Name: "Two Council", Email: &e2, Nation: &nation},
	}}); err != nil {
		t.Fatal(err)
	}
	cs := campaign.New(st)
	res, err := cs.Create(ctx, campaign.Spec{Name: "c", Template: "recording-policy", Target: campaign.Target{All: true},
		MessageID: func(ref string) string { return ref + ".foi@example.org" }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Queue(ctx, res.Campaign.ID, func(r campaign.Request) (campaign.Rendered, error) {
		return campaign.Rendered{Subject: "s", Raw: []byte("From: a@example.org\r\nTo: " + r.ToEmail + "\r\n\r\nbody\r\n")}, nil
	}); err != nil {
		t.Fatal(err)
	}
	ob, err := cs.Outbox(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	g, err := ob.Claim(ctx, campaign.ClaimOptions{Owner: "t", Now: time.Now(), Skip: func(to string) bool { return to != e1 }})
	if err != nil || g == nil {
		t.Fatalf("claim %+v %v", g, err)
	}
	if _, err := ob.MarkSent(ctx, g, "t", campaign.Delivery{AcceptedAt: time.Now().Add(-40 * 24 * time.Hour)}, nil); err != nil {
		t.Fatal(err)
	}
	r, err := cs.RequestByRef(ctx, g.Ref)
	if err != nil {
		t.Fatal(err)
	}
	return st, cs, r
}

func letter(r campaign.Request, kind, key string) campaign.NewLetter {
	return campaign.NewLetter{Kind: kind, RequestID: r.ID, Key: key, To: r.ToEmail, MessageID: r.Ref + "." + strings.ReplaceAll(key, ":", "-") + "@example.org",
		Subject: "s [ref: " + r.Ref + "]", Raw: []byte("From: a@example.org\r\nTo: " + r.ToEmail + "\r\n\r\nchase\r\n")}
}

func countEvents(t *testing.T, st *store.Store, kind string) int {
	t.Helper()
	evs, err := st.Events(context.Background(), store.EventFilter{Kind: kind})
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

func TestQueueLetterOnceOnlyAndChecked(t *testing.T) {
	ctx := context.Background()
	st, cs, r := twoRequestCampaign(t)
	l := letter(r, campaign.LetterChaser, campaign.ChaserKey(r.ID, 1))
	id, queued, err := cs.QueueLetter(ctx, l)
	if err != nil || !queued {
		t.Fatalf("first: %d %v %v", id, queued, err)
	}
	l.Raw = []byte("different bytes")
	id2, queued, err := cs.QueueLetter(ctx, l)
	if err != nil || queued || id2 != id {
		t.Fatalf("second: %d %v %v", id2, queued, err)
	}
	got, err := cs.LetterByKey(ctx, l.Key)
	if err != nil || got.State != campaign.OutboxQueued || got.RequestID != r.ID || got.Kind != campaign.LetterChaser {
		t.Errorf("letter %+v %v", got, err)
	}
	if n := countEvents(t, st, "letter.queued"); n != 1 {
		t.Errorf("%d letter.queued events, want 1", n)
	}
	for _, bad := range []campaign.NewLetter{
		{Kind: campaign.LetterDigest, RequestID: r.ID, Key: "digest:2026-12-04", To: "a@b", MessageID: "m", Raw: []byte("x")},
		{Kind: campaign.LetterChaser, Key: "k", To: "a@b", MessageID: "m", Raw: []byte("x")},
		{Kind: campaign.LetterReview, RequestID: r.ID, Key: "k", To: "a@b", MessageID: "m"},
		{Kind: "postcard", RequestID: r.ID, Key: "k", To: "a@b", MessageID: "m", Raw: []byte("x")},
	} {
		if _, _, err := cs.QueueLetter(ctx, bad); err == nil {
			t.Errorf("queued %+v", bad)
		}
	}
	if _, err := cs.LetterByKey(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing letter: %v", err)
	}
}

func TestLetterClaimReleaseAndOutcomes(t *testing.T) {
	ctx := context.Background()
	st, cs, r := twoRequestCampaign(t)
	if _, _, err := cs.QueueLetter(ctx, letter(r, campaign.LetterChaser, campaign.ChaserKey(r.ID, 1))); err != nil {
		t.Fatal(err)
	}
	// The campaign still has a queued request, but its letters go too.
	if _, err := cs.SetChasers(ctx, "c", campaign.Chasers{After: 1, Every: 1, Max: 1}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	g, err := cs.ClaimLetter(ctx, campaign.ClaimOptions{Owner: "me", Now: now})
	if err != nil || g == nil || g.Attempts != 1 || len(g.Raw) == 0 {
		t.Fatalf("claim %+v %v", g, err)
	}
	if again, err := cs.ClaimLetter(ctx, campaign.ClaimOptions{Owner: "other", Now: now}); err != nil || again != nil {
		t.Fatalf("a claimed letter was claimed again: %+v %v", again, err)
	}
	if err := cs.ReleaseLetter(ctx, g, "me", "stopped"); err != nil {
		t.Fatal(err)
	}
	if l, _ := cs.LetterByKey(ctx, g.Key); l.State != campaign.OutboxQueued || l.Attempts != 0 {
		t.Errorf("released letter %+v", l)
	}
	g, _ = cs.ClaimLetter(ctx, campaign.ClaimOptions{Owner: "me", Now: now})
	if _, err := cs.MarkLetterSent(ctx, g, "other", campaign.Delivery{AcceptedAt: now}); !errors.Is(err, campaign.ErrLostClaim) {
		t.Errorf("another dispatcher recorded the outcome: %v", err)
	}
	if failed, err := cs.MarkLetterRetry(ctx, g, "me", now.Add(-time.Second), campaign.SMTPReply{Code: 451, Text: "later"}, 3); err != nil || failed {
		t.Fatalf("retry %v %v", failed, err)
	}
	g, _ = cs.ClaimLetter(ctx, campaign.ClaimOptions{Owner: "me", Now: now})
	if g == nil || g.Attempts != 2 {
		t.Fatalf("due retry not claimed: %+v", g)
	}
	if _, err := cs.MarkLetterSent(ctx, g, "me", campaign.Delivery{AcceptedAt: now, Reply: campaign.SMTPReply{Code: 250, Text: "ok"}}); err != nil {
		t.Fatal(err)
	}
	if l, _ := cs.LetterByKey(ctx, g.Key); l.State != campaign.OutboxSent || l.SentAt.IsZero() {
		t.Errorf("sent letter %+v", l)
	}
	for kind, want := range map[string]int{"letter.claimed": 3, "letter.released": 1, "letter.retry": 1, "letter.sent": 1} {
		if n := countEvents(t, st, kind); n != want {
			t.Errorf("%d %s events, want %d", n, kind, want)
		}
	}
	// The letter counts against the daily cap and the per-domain interval.
	recent, err := cs.RecentSends(ctx, now.Add(-time.Minute))
	if err != nil || recent["one.example"].IsZero() {
		t.Errorf("recent sends %v %v", recent, err)
	}
}

func TestPausedCampaignLettersWaitCancelledCampaignChasersAreCancelled(t *testing.T) {
	ctx := context.Background()
	_, cs, r := twoRequestCampaign(t)
	if _, err := cs.SetChasers(ctx, "c", campaign.Chasers{After: 1, Every: 1, Max: 1}); err != nil {
		t.Fatal(err)
	}
	for _, l := range []campaign.NewLetter{letter(r, campaign.LetterChaser, campaign.ChaserKey(r.ID, 1)), letter(r, campaign.LetterReview, campaign.ReviewKey(r.ID))} {
		if _, _, err := cs.QueueLetter(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if err := cs.Pause(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if ready, err := cs.LettersReady(ctx, 0, now); err != nil || ready {
		t.Errorf("paused campaign's letters ready: %v %v", ready, err)
	}
	if g, err := cs.ClaimLetter(ctx, campaign.ClaimOptions{Owner: "me", Now: now}); err != nil || g != nil {
		t.Fatalf("claimed from a paused campaign: %+v %v", g, err)
	}
	if err := cs.Cancel(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	g, err := cs.ClaimLetter(ctx, campaign.ClaimOptions{Owner: "me", Now: now})
	if err != nil || g == nil || g.Kind != campaign.LetterReview {
		t.Fatalf("claim after cancel: %+v %v", g, err)
	}
	l, _ := cs.LetterByKey(ctx, campaign.ChaserKey(r.ID, 1))
	if l.State != campaign.OutboxCancelled || !strings.Contains(l.CancelReason, "cancelled") {
		t.Errorf("chaser of a cancelled campaign: %+v", l)
	}
}

func TestSetChasersValidatesAndRecords(t *testing.T) {
	ctx := context.Background()
	st, cs, _ := twoRequestCampaign(t)
	if _, err := cs.SetChasers(ctx, "c", campaign.Chasers{After: 5}); err == nil {
		t.Error("chasers without --every and --max accepted")
	}
	if _, err := cs.SetChasers(ctx, "nope", campaign.Chasers{After: 1, Every: 1, Max: 1}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown campaign: %v", err)
	}
	if _, err := cs.SetChasers(ctx, "c", campaign.Chasers{After: 10, Every: 5, Max: 2}); err != nil {
		t.Fatal(err)
	}
	c, _ := cs.ByName(ctx, "c")
	if c.Chasers != (campaign.Chasers{After: 10, Every: 5, Max: 2}) {
		t.Errorf("chasers %+v", c.Chasers)
	}
	if _, err := cs.SetChasers(ctx, "c", campaign.Chasers{}); err != nil {
		t.Fatal(err)
	}
	if c, _ := cs.ByName(ctx, "c"); c.Chasers.On() {
		t.Errorf("chasers still on: %+v", c.Chasers)
	}
	if n := countEvents(t, st, "campaign.chasers"); n != 2 {
		t.Errorf("%d campaign.chasers events, want 2", n)
	}
}

// A digest follows up no request: it is claimed by a dispatcher of every
// campaign (0), never by one of a single campaign.
func TestDigestIsClaimedOnlyByAnAllCampaignsDispatcher(t *testing.T) {
	ctx := context.Background()
	_, cs, r := twoRequestCampaign(t)
	d := campaign.NewLetter{Kind: campaign.LetterDigest, Key: campaign.DigestKey("2026-12-04"), To: "ann@example.org",
		MessageID: "digest-2026-12-04@example.org", Subject: "foidesk: 1 overdue", Raw: []byte("From: ann@example.org\r\n\r\ndigest\r\n")}
	if _, queued, err := cs.QueueLetter(ctx, d); err != nil || !queued {
		t.Fatalf("queue digest: %v %v", queued, err)
	}
	now := time.Now()
	if g, err := cs.ClaimLetter(ctx, campaign.ClaimOptions{Owner: "me", Now: now, CampaignID: r.CampaignID}); err != nil || g != nil {
		t.Fatalf("a campaign's dispatcher claimed the digest: %+v %v", g, err)
	}
	g, err := cs.ClaimLetter(ctx, campaign.ClaimOptions{Owner: "me", Now: now})
	if err != nil || g == nil || g.Kind != campaign.LetterDigest || g.RequestID != 0 {
		t.Fatalf("claim digest: %+v %v", g, err)
	}
	if _, err := cs.MarkLetterSent(ctx, g, "me", campaign.Delivery{AcceptedAt: now}); err != nil {
		t.Fatal(err)
	}
	if l, _ := cs.LetterByKey(ctx, d.Key); l.State != campaign.OutboxSent {
		t.Errorf("digest %+v", l)
	}
}
