package coding_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/coding"
	"foidesk/store/storetest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// survey is a campaign of n authorities, each of which replied with one
// document, all in the review queue.
func survey(t *testing.T, n int) (*store.Store, *coding.Store, int64, *clock) {
	t.Helper()
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "f.db"), store.Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	reqs, err := storetest.SendSurvey(ctx, st, storetest.Survey{Name: "recording", Authorities: n})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range reqs {
		if _, _, err := storetest.Reply(ctx, st, r, uint32(i+1), "Re: FOI", []storetest.ReplyDoc{{Filename: "policy.pdf", Text: fmt.Sprintf("Policy %d: parents may record meetings.", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	camp, err := campaign.New(st).ByName(ctx, "recording")
	if err != nil {
		t.Fatal(err)
	}
	return st, coding.New(st), camp.ID, c
}

func next(t *testing.T, cs *coding.Store, camp int64, who string) *coding.Item {
	t.Helper()
	it, err := cs.Next(context.Background(), camp, who, coding.DefaultLease)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func code(t *testing.T, cs *coding.Store, id int64, who string, labels ...string) coding.Coding {
	t.Helper()
	c, err := cs.Code(context.Background(), coding.Input{ReviewID: id, Reviewer: who, Labels: labels, Outcome: coding.OutcomeProvided})
	if err != nil {
		t.Fatalf("%s codes %d: %v", who, id, err)
	}
	return c
}

func TestTwoReviewersNeverGetTheSameDocument(t *testing.T) {
	_, cs, camp, _ := survey(t, 3)
	a, b := next(t, cs, camp, "ana"), next(t, cs, camp, "bob")
	if a == nil || b == nil || a.ReviewID == b.ReviewID {
		t.Fatalf("ana %+v, bob %+v", a, b)
	}
	// Asking again keeps one's own claim.
	if again := next(t, cs, camp, "ana"); again.ReviewID != a.ReviewID {
		t.Fatalf("ana again got %d, had %d", again.ReviewID, a.ReviewID)
	}
	if a.Authority == "" || a.RequestRef == "" || a.Subject != "Re: FOI" || a.Filename != "policy.pdf" || a.CampaignID != camp {
		t.Fatalf("item: %+v", a)
	}
}

func TestConcurrentReviewersGetDifferentDocuments(t *testing.T) {
	_, cs, camp, _ := survey(t, 12)
	const reviewers = 8
	got := make([]int64, reviewers)
	errs := make([]error, reviewers)
	var wg sync.WaitGroup
	for i := range reviewers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			it, err := cs.Next(context.Background(), camp, fmt.Sprintf("reviewer%d", i), coding.DefaultLease)
			errs[i] = err
			if it != nil {
				got[i] = it.ReviewID
			}
		}()
	}
	wg.Wait()
	seen := map[int64]int{}
	for i, id := range got {
		if errs[i] != nil || id == 0 {
			t.Fatalf("reviewer%d: %d %v", i, id, errs[i])
		}
		if j, dup := seen[id]; dup {
			t.Fatalf("reviewer%d and reviewer%d both got entry %d", j, i, id)
		}
		seen[id] = i
	}
}

func TestExpiredLeaseIsReclaimedAndSkipReleases(t *testing.T) {
	_, cs, camp, clk := survey(t, 2)
	a := next(t, cs, camp, "ana")
	b := next(t, cs, camp, "bob")
	if c := next(t, cs, camp, "cat"); c != nil {
		t.Fatalf("cat got %d while both entries are claimed", c.ReviewID)
	}
	clk.add(coding.DefaultLease + time.Second)
	c := next(t, cs, camp, "cat")
	if c == nil || (c.ReviewID != a.ReviewID && c.ReviewID != b.ReviewID) {
		t.Fatalf("after the leases expired cat got %+v", c)
	}
	// Skipping hands the entry to the next who asks, and moves it to the
	// end of the skipper's own queue.
	if err := cs.Skip(context.Background(), c.ReviewID, "cat"); err != nil {
		t.Fatal(err)
	}
	if d := next(t, cs, camp, "dan"); d == nil || d.ReviewID != c.ReviewID {
		t.Fatalf("dan got %+v, want the skipped %d", d, c.ReviewID)
	}
	if c2 := next(t, cs, camp, "cat"); c2 == nil || c2.ReviewID == c.ReviewID {
		t.Fatalf("cat after skipping got %+v", c2)
	}
}

func TestCodingAdvancesAndEndsInNothingLeft(t *testing.T) {
	_, cs, camp, _ := survey(t, 2)
	for range 2 {
		it := next(t, cs, camp, "ana")
		code(t, cs, it.ReviewID, "ana", "permits-recording")
	}
	if it := next(t, cs, camp, "ana"); it != nil {
		t.Fatalf("left after coding everything: %+v", it)
	}
	if it := next(t, cs, camp, "bob"); it != nil {
		t.Fatalf("bob got a coded document without double coding: %+v", it)
	}
}

func TestCodingReplacesThePreviousWithItsIDInTheEvent(t *testing.T) {
	st, cs, camp, _ := survey(t, 1)
	it := next(t, cs, camp, "ana")
	first := code(t, cs, it.ReviewID, "ana", "no-policy")
	second := code(t, cs, it.ReviewID, "bob", "consent-required")
	if second.Replaces != first.ID {
		t.Fatalf("replaces %d, want %d", second.Replaces, first.ID)
	}
	evs, err := st.Events(context.Background(), store.EventFilter{Kind: "review.coded"})
	if err != nil || len(evs) != 2 {
		t.Fatalf("events: %v %v", evs, err)
	}
	var d map[string]any
	json.Unmarshal(evs[1].Detail, &d)
	if d["reviewer"] != "bob" || d["replaces"] != float64(first.ID) || d["replaced_reviewer"] != "ana" || fmt.Sprint(d["replaced_labels"]) != "[no-policy]" {
		t.Fatalf("event: %v", d)
	}
	stats, err := cs.Stats(context.Background(), camp)
	if err != nil || stats.Coded != 1 || stats.ByLabel[2].Label != "consent-required" || stats.ByLabel[2].N != 1 || stats.ByLabel[0].N != 0 {
		t.Fatalf("stats: %+v %v", stats, err)
	}
}

func TestCodingIsValidatedAgainstTheCodebook(t *testing.T) {
	_, cs, camp, _ := survey(t, 1)
	it := next(t, cs, camp, "ana")
	for _, in := range []coding.Input{
		{ReviewID: it.ReviewID, Reviewer: "ana"},
		{ReviewID: it.ReviewID, Reviewer: "ana", Labels: []string{"nonsense"}},
		{ReviewID: it.ReviewID, Reviewer: "ana", Labels: []string{"no-policy", "unclear"}},
		{ReviewID: it.ReviewID, Reviewer: "ana", Labels: []string{"published-elsewhere"}, Outcome: coding.OutcomePublished, OutcomeDetail: "javascript:alert(1)"},
		{ReviewID: it.ReviewID, Reviewer: "ana", Labels: []string{"unclear"}, Outcome: "maybe"},
	} {
		var bad coding.InvalidInput
		if _, err := cs.Code(context.Background(), in); !errors.As(err, &bad) {
			t.Errorf("%+v: %v", in, err)
		}
	}
}

func setDouble(t *testing.T, cs *coding.Store, camp int64) {
	t.Helper()
	cb := coding.Default()
	cb.DoubleCoding = true
	if err := cs.SetCodebook(context.Background(), camp, cb, "ana"); err != nil {
		t.Fatal(err)
	}
}

func TestDoubleCodingGivesEachDocumentToTwoDifferentReviewers(t *testing.T) {
	_, cs, camp, _ := survey(t, 2)
	setDouble(t, cs, camp)
	a := next(t, cs, camp, "ana")
	b := next(t, cs, camp, "bob")
	if a.ReviewID != b.ReviewID {
		t.Fatalf("double coding: ana %d, bob %d", a.ReviewID, b.ReviewID)
	}
	// A third reviewer gets the other document, not a third copy.
	if c := next(t, cs, camp, "cat"); c == nil || c.ReviewID == a.ReviewID {
		t.Fatalf("cat got %+v", c)
	}
	code(t, cs, a.ReviewID, "ana", "no-policy")
	// Ana never gets the one she coded again, even before bob codes it.
	if again := next(t, cs, camp, "ana"); again == nil || again.ReviewID == a.ReviewID {
		t.Fatalf("ana again: %+v", again)
	}
	// Bob does not see Ana's labels: his item carries only his own coding.
	if bi, _ := cs.Item(context.Background(), b.ReviewID, "bob"); bi.Mine != nil {
		t.Fatalf("bob sees a coding: %+v", bi.Mine)
	}
	code(t, cs, b.ReviewID, "bob", "consent-required")
	if _, err := cs.Code(context.Background(), coding.Input{ReviewID: a.ReviewID, Reviewer: "cat", Labels: []string{"unclear"}}); !errors.Is(err, coding.ErrFullyCoded) {
		t.Fatalf("a third coder: %v", err)
	}
	// They disagree: a resolution is waiting.
	ds, more, err := cs.Disagreements(context.Background(), camp, false, 0, 10)
	if err != nil || more != 0 || len(ds) != 1 || ds[0].Codings[0].Reviewer != "ana" || ds[0].Codings[1].Reviewer != "bob" {
		t.Fatalf("disagreements: %+v %v", ds, err)
	}
	st, _ := cs.Stats(context.Background(), camp)
	if st.Disputed != 1 || st.Coded != 0 || st.Agreement.DoubleCoded != 1 {
		t.Fatalf("stats before resolution: %+v", st)
	}
	r, err := cs.Resolve(context.Background(), coding.Input{ReviewID: a.ReviewID, Reviewer: "ana", Labels: []string{"consent-required"}})
	if err != nil || r.Role != coding.RoleResolution {
		t.Fatalf("resolve: %+v %v", r, err)
	}
	if _, err := cs.Code(context.Background(), coding.Input{ReviewID: a.ReviewID, Reviewer: "bob", Labels: []string{"unclear"}}); !errors.Is(err, coding.ErrResolved) {
		t.Fatalf("recoding after resolution: %v", err)
	}
	if ds, _, _ := cs.Disagreements(context.Background(), camp, false, 0, 10); len(ds) != 0 {
		t.Fatalf("still waiting: %+v", ds)
	}
	st, _ = cs.Stats(context.Background(), camp)
	if st.Disputed != 0 || st.Coded != 1 || st.ByLabel[2].N != 1 {
		t.Fatalf("stats after resolution: %+v", st)
	}
	f, ok, err := cs.Final(context.Background(), camp, a.DocumentID)
	if err != nil || !ok || f.Labels[0] != "consent-required" {
		t.Fatalf("final: %+v %v %v", f, ok, err)
	}
	// A disagreement-free entry cannot be resolved.
	other := next(t, cs, camp, "ana")
	code(t, cs, other.ReviewID, "ana", "unclear")
	if _, err := cs.Resolve(context.Background(), coding.Input{ReviewID: other.ReviewID, Reviewer: "ana", Labels: []string{"unclear"}}); !errors.Is(err, coding.ErrNotDisputed) {
		t.Fatalf("resolving an undisputed entry: %v", err)
	}
}

func TestStatsMeasureAgreement(t *testing.T) {
	_, cs, camp, _ := survey(t, 4)
	setDouble(t, cs, camp)
	// ana: no-policy, no-policy, consent, consent; bob: no-policy,
	// consent, consent, consent. po = 3/4; ana's shares 1/2, 1/2, bob's
	// 1/4, 3/4: pe = 1/8 + 3/8 = 1/2; kappa = (3/4 − 1/2) / (1/2) = 1/2.
	ana := []string{"no-policy", "no-policy", "consent-required", "consent-required"}
	bob := []string{"no-policy", "consent-required", "consent-required", "consent-required"}
	for i := range 4 {
		a := next(t, cs, camp, "ana")
		code(t, cs, a.ReviewID, "ana", ana[i])
		b := next(t, cs, camp, "bob")
		if b.ReviewID != a.ReviewID {
			t.Fatalf("bob got %d, ana coded %d", b.ReviewID, a.ReviewID)
		}
		code(t, cs, b.ReviewID, "bob", bob[i])
	}
	st, err := cs.Stats(context.Background(), camp)
	if err != nil || st.Agreement.DoubleCoded != 4 || !st.Agreement.Defined || st.Agreement.Kappa != 0.5 {
		t.Fatalf("agreement: %+v %v", st.Agreement, err)
	}
	// Per label "no-policy": ana yes,yes,no,no; bob yes,no,no,no: the same
	// tables as overall, so 1/2 too. "unclear": never given, undefined.
	for _, l := range st.Agreement.PerLabel {
		switch l.Label {
		case "no-policy", "consent-required":
			if !l.Defined || l.Kappa != 0.5 {
				t.Errorf("%s: %+v", l.Label, l)
			}
		case "unclear":
			if l.Defined {
				t.Errorf("unclear: %+v", l)
			}
		}
	}
	if st.Coded != 3 || st.Disputed != 1 || len(st.Reviewers) != 2 || st.Reviewers[0].Codings != 4 {
		t.Fatalf("stats: %+v", st)
	}
}

func TestSetCodebookRefusesRemovingALabelInUseAndWritesNothing(t *testing.T) {
	ctx := context.Background()
	st, cs, camp, _ := survey(t, 1)
	it := next(t, cs, camp, "ana")
	code(t, cs, it.ReviewID, "ana", "no-policy")
	cb := coding.Default()
	cb.Labels = cb.Labels[1:]
	cb.Rules = nil
	var bad coding.Invalid
	if err := cs.SetCodebook(ctx, camp, cb, "ana"); !errors.As(err, &bad) || len(bad) != 1 {
		t.Fatalf("removing a label in use: %v", err)
	}
	cb = coding.Default()
	cb.Labels[1].Key = "1" // a duplicate shortcut
	if err := cs.SetCodebook(ctx, camp, cb, "ana"); !errors.As(err, &bad) {
		t.Fatalf("duplicate key: %v", err)
	}
	if evs, _ := st.Events(ctx, store.EventFilter{Kind: "codebook.set"}); len(evs) != 0 {
		t.Fatalf("refused codebooks recorded: %d", len(evs))
	}
	cb = coding.Default()
	cb.Choice = coding.Multiple
	if err := cs.SetCodebook(ctx, camp, cb, "ana"); err != nil {
		t.Fatal(err)
	}
	if got, _ := cs.Codebook(ctx, camp); got.Choice != coding.Multiple {
		t.Fatalf("stored: %+v", got)
	}
}

func TestTurningDoubleCodingOnSendsCodedDocumentsToASecondCoder(t *testing.T) {
	ctx := context.Background()
	_, cs, camp, _ := survey(t, 1)
	it := next(t, cs, camp, "ana")
	code(t, cs, it.ReviewID, "ana", "no-policy")
	if n, _ := cs.Remaining(ctx, camp); n != 0 {
		t.Fatalf("remaining after coding: %d", n)
	}
	setDouble(t, cs, camp)
	b := next(t, cs, camp, "bob")
	if b == nil || b.ReviewID != it.ReviewID {
		t.Fatalf("bob after double coding was turned on: %+v", b)
	}
	if a := next(t, cs, camp, "ana"); a != nil {
		t.Fatalf("ana got her own document again: %+v", a)
	}
	// Off again: the one coding settles it.
	if err := cs.SetCodebook(ctx, camp, coding.Default(), "ana"); err != nil {
		t.Fatal(err)
	}
	if n, _ := cs.Remaining(ctx, camp); n != 0 {
		t.Fatalf("remaining after double coding was turned off: %d", n)
	}
}

// The resolve page walks disputes a page at a time: every disputed entry
// comes exactly once, in review order, across pages and across the
// batches Disagreements reads, and agreeing or resolved entries never come
// among the waiting ones.
func TestDisagreementsComeAPageAtATime(t *testing.T) {
	defer coding.SetDisputedBatch(2)()
	_, cs, camp, _ := survey(t, 9)
	setDouble(t, cs, camp)
	ctx := context.Background()
	var ids []int64
	for it := next(t, cs, camp, "ana"); it != nil; it = next(t, cs, camp, "ana") {
		code(t, cs, it.ReviewID, "ana", "no-policy")
		ids = append(ids, it.ReviewID)
	}
	if len(ids) < 9 {
		t.Fatalf("ana coded %d entries, want at least 9", len(ids))
	}
	var waiting, resolved []int64
	for it := next(t, cs, camp, "bob"); it != nil; it = next(t, cs, camp, "bob") {
		if it.ReviewID%3 == 1 {
			code(t, cs, it.ReviewID, "bob", "no-policy") // agrees
			continue
		}
		code(t, cs, it.ReviewID, "bob", "unclear")
		if len(resolved) < 2 && len(waiting) > 0 {
			if _, err := cs.Resolve(ctx, coding.Input{ReviewID: it.ReviewID, Reviewer: "ana", Labels: []string{"unclear"}}); err != nil {
				t.Fatal(err)
			}
			resolved = append(resolved, it.ReviewID)
			continue
		}
		waiting = append(waiting, it.ReviewID)
	}
	slices.Sort(waiting)
	slices.Sort(resolved)
	if len(waiting) < 3 || len(resolved) != 2 {
		t.Fatalf("fixture: waiting %v, resolved %v", waiting, resolved)
	}
	walk := func(wantResolved bool, limit int) []int64 {
		var got []int64
		var after int64
		for pages := 0; ; pages++ {
			ds, more, err := cs.Disagreements(ctx, camp, wantResolved, after, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) > limit {
				t.Fatalf("a page of %d, limit %d", len(ds), limit)
			}
			for _, d := range ds {
				if (d.Resolution != nil) != wantResolved || d.Codings[0].Reviewer == "" || d.Codings[1].Reviewer == "" || d.Item.Text == "" {
					t.Errorf("disagreement %d: %+v", d.Item.ReviewID, d)
				}
				got = append(got, d.Item.ReviewID)
			}
			if more == 0 {
				return got
			}
			if more != ds[len(ds)-1].Item.ReviewID || pages > 20 {
				t.Fatalf("next %d after a page ending at %d", more, ds[len(ds)-1].Item.ReviewID)
			}
			after = more
		}
	}
	for _, limit := range []int{1, 2, 3, 100} {
		if got := walk(false, limit); !slices.Equal(got, waiting) {
			t.Errorf("waiting, pages of %d: %v, want %v", limit, got, waiting)
		}
		if got := walk(true, limit); !slices.Equal(got, resolved) {
			t.Errorf("resolved, pages of %d: %v, want %v", limit, got, resolved)
		}
	}
	if _, _, err := cs.Disagreements(ctx, camp, false, 0, 0); err == nil {
		t.Error("no limit: no error")
	}
}
