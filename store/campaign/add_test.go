package campaign

import (
	"context"
	"errors"
	"strings"
	"testing"

	"foidesk/ref"
	"foidesk/store"
	"foidesk/store/registry"
)

func importAuthorities(t *testing.T, s *Store, rows ...registry.AuthorityInput) {
	t.Helper()
	if _, err := registry.New(s.core).ImportAuthorities(context.Background(), registry.AuthorityImport{Rows: rows}); err != nil {
		t.Fatal(err)
	}
}

func TestCreateStoresTarget(t *testing.T) {
	ctx := context.Background()
	s := campaignStore(t, 2)
	if _, err := s.Create(ctx, Spec{Name: "c", Template: "t", Target: Target{Nations: []string{"England"}, Tags: []string{"unitary"}}, MessageID: msgID}); err != nil {
		t.Fatal(err)
	}
	c, err := s.ByName(ctx, "c")
	if err != nil || c.Target == nil || c.Target.All || len(c.Target.Nations) != 1 || c.Target.Tags[0] != "unitary" {
		t.Fatalf("stored target %+v %v", c.Target, err)
	}
}

func TestAddMissingAfterImportAndRequeueOnlyTheNew(t *testing.T) {
	ctx := context.Background()
	s := campaignStore(t, 2)
	res, err := s.Create(ctx, Spec{Name: "c", Template: "t", Target: Target{Nations: []string{"England"}}, MessageID: msgID})
	if err != nil || res.Requests != 2 {
		t.Fatalf("%+v %v", res, err)
	}
	queueAll(t, s, res.Campaign)

	// Nothing is missing yet but the council without an address.
	add, err := s.Add(ctx, AddSpec{Campaign: "c", Missing: true, MessageID: msgID})
	if err != nil || len(add.Requests) != 0 || len(add.NoEmail) != 1 || add.NoEmail[0].Code != "NOE" {
		t.Fatalf("nothing new: %+v %v", add, err)
	}

	importAuthorities(t, s,
		registry.AuthorityInput{Origin: "t:n", Code: "NEW", Name: "New Council", Email: strp("foi@new.example"), Nation: strp("England")},
		registry.AuthorityInput{Origin: "t:g", Code: "GLA", Name: "Glasgow", Email: strp("foi@glasgow.example"), Nation: strp("Scotland")})
	add, err = s.Add(ctx, AddSpec{Campaign: "c", Missing: true, MessageID: msgID})
	if err != nil || len(add.Requests) != 1 || add.Requests[0].Code != "NEW" || !ref.Valid(add.Requests[0].Ref) || len(add.Skipped) != 0 {
		t.Fatalf("missing: %+v %v", add, err)
	}
	reqs, _ := s.Requests(ctx, res.Campaign.ID, false)
	var fresh Request
	for _, r := range reqs {
		if r.Ref == add.Requests[0].Ref {
			fresh = r
		}
	}
	if len(reqs) != 3 || fresh.OutboxState != OutboxDraft || fresh.ToEmail != "foi@new.example" || fresh.MessageID != msgID(fresh.Ref) {
		t.Fatalf("requests %+v", reqs)
	}
	ev, _ := s.core.Events(ctx, store.EventFilter{Kind: "request.created"})
	if len(ev) != 3 || ev[2].Subject.Request != fresh.ID {
		t.Errorf("request.created events %+v", ev)
	}
	if ev, _ := s.core.Events(ctx, store.EventFilter{Kind: "campaign.requests_added"}); len(ev) != 1 || !strings.Contains(string(ev[0].Detail), fresh.Ref) {
		t.Errorf("campaign event %+v", ev)
	}
	// Sending again renders only the new letter; the queued ones keep their bytes.
	var rendered []string
	n, err := s.Queue(ctx, res.Campaign.ID, func(r Request) (Rendered, error) {
		rendered = append(rendered, r.Ref)
		return Rendered{Subject: "s", Raw: []byte("x")}, nil
	})
	if err != nil || n != 1 || len(rendered) != 1 || rendered[0] != fresh.Ref {
		t.Fatalf("requeue: %d %v %v", n, rendered, err)
	}
}

func TestAddByCodeAndTag(t *testing.T) {
	ctx := context.Background()
	s := campaignStore(t, 3)
	res, err := s.Create(ctx, Spec{Name: "c", Template: "t", Target: Target{Tags: []string{"unitary"}}, MessageID: msgID})
	if err != nil || res.Requests != 3 {
		t.Fatalf("%+v %v", res, err)
	}
	add, err := s.Add(ctx, AddSpec{Campaign: "c", Codes: []string{"fif", "E000", "noe"}, MessageID: msgID})
	if err != nil || len(add.Requests) != 1 || add.Requests[0].Name != "Fife Council" || add.Requests[0].Regime != "foisa" ||
		len(add.Skipped) != 1 || add.Skipped[0].Code != "E000" || len(add.NoEmail) != 1 || add.NoEmail[0].Code != "NOE" {
		t.Fatalf("codes: %+v %v", add, err)
	}
	// Adding the same again adds nothing and says so.
	add, err = s.Add(ctx, AddSpec{Campaign: "c", Codes: []string{"FIF"}, MessageID: msgID})
	if err != nil || len(add.Requests) != 0 || len(add.Skipped) != 1 {
		t.Fatalf("again: %+v %v", add, err)
	}
	// An unknown code adds nothing at all.
	if _, err := s.Add(ctx, AddSpec{Campaign: "c", Codes: []string{"E001", "ZZZ", "YYY"}, MessageID: msgID}); !errors.Is(err, ErrUnknownCodes) || !strings.Contains(err.Error(), "ZZZ, YYY") {
		t.Fatalf("unknown code: %v", err)
	}
	if _, err := s.Add(ctx, AddSpec{Campaign: "c", Target: &Target{Tags: []string{"nope"}}, MessageID: msgID}); !errors.Is(err, ErrNoTargets) {
		t.Fatalf("empty tag: %v", err)
	}
	importAuthorities(t, s, registry.AuthorityInput{Origin: "t:n", Code: "NEW", Name: "New Council", Email: strp("foi@new.example"), Nation: strp("England"), Tags: &[]string{"Unitary"}})
	add, err = s.Add(ctx, AddSpec{Campaign: "c", Target: &Target{Nations: []string{"england"}, Tags: []string{"unitary"}}, MessageID: msgID})
	if err != nil || len(add.Requests) != 1 || add.Requests[0].Code != "NEW" || len(add.Skipped) != 3 {
		t.Fatalf("tag: %+v %v", add, err)
	}
	if counts, _ := s.Counts(ctx, res.Campaign.ID); counts[OutboxDraft] != 5 {
		t.Fatalf("counts %v", counts)
	}
	if _, err := s.Add(ctx, AddSpec{Campaign: "nope", Codes: []string{"E000"}, MessageID: msgID}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("no campaign: %v", err)
	}
}

func TestAddRefusesCancelledAndUnknownTarget(t *testing.T) {
	ctx := context.Background()
	s := campaignStore(t, 2)
	if _, err := s.Create(ctx, Spec{Name: "c", Template: "t", Target: Target{Tags: []string{"unitary"}}, MessageID: msgID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, Spec{Name: "old", Template: "u", Target: Target{Nations: []string{"Scotland"}}, MessageID: msgID}); err != nil {
		t.Fatal(err)
	}
	// A campaign created before targets were stored.
	if _, err := s.core.DB().ExecContext(ctx, `UPDATE campaigns SET target = NULL WHERE name = 'old'`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, AddSpec{Campaign: "old", Missing: true, MessageID: msgID}); !errors.Is(err, ErrNoStoredTarget) {
		t.Errorf("unknown target: %v", err)
	}
	if add, err := s.Add(ctx, AddSpec{Campaign: "old", Codes: []string{"E000"}, MessageID: msgID}); err != nil || len(add.Requests) != 1 {
		t.Errorf("by code without a stored target: %+v %v", add, err)
	}
	if err := s.Cancel(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, AddSpec{Campaign: "c", Codes: []string{"FIF"}, MessageID: msgID}); !errors.Is(err, ErrState) || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("cancelled: %v", err)
	}
}

func TestDuplicatesAreRefusedUnlessAllowed(t *testing.T) {
	ctx := context.Background()
	s := campaignStore(t, 3)
	if _, err := s.Create(ctx, Spec{Name: "a", Template: "t", Target: Target{Tags: []string{"unitary"}}, MessageID: msgID}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Create(ctx, Spec{Name: "b", Template: "t", Target: Target{All: true}, MessageID: msgID})
	var dup *DuplicateError
	if !errors.As(err, &dup) || !errors.Is(err, ErrDuplicates) || dup.Authorities != 3 || len(dup.Campaigns) != 1 || dup.Campaigns[0].Campaign != "a" ||
		dup.Campaigns[0].Authorities != 3 || dup.Campaigns[0].State != Draft {
		t.Fatalf("duplicate: %+v %v", dup, err)
	}
	if _, err := s.ByName(ctx, "b"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("refused campaign was created: %v", err)
	}
	// Another letter to the same councils is no duplicate.
	if _, err := s.Create(ctx, Spec{Name: "other", Template: "u", Target: Target{All: true}, MessageID: msgID}); err != nil {
		t.Fatal(err)
	}
	b, err := s.Create(ctx, Spec{Name: "b", Template: "t", Target: Target{All: true}, MessageID: msgID, AllowDuplicates: true})
	if err != nil || b.Requests != 4 {
		t.Fatalf("allowed: %+v %v", b, err)
	}
	// Two campaigns now overlap a third on E000.
	_, err = s.Create(ctx, Spec{Name: "c", Template: "t", Target: Target{Nations: []string{"England"}}, MessageID: msgID})
	if !errors.As(err, &dup) || dup.Authorities != 3 || len(dup.Campaigns) != 2 || !strings.Contains(err.Error(), "a (draft): 3; b (draft): 3") {
		t.Fatalf("two: %v", err)
	}
	// A cancelled campaign's letters were never sent: they do not count.
	if _, err := s.Create(ctx, Spec{Name: "s1", Template: "v", Target: Target{Nations: []string{"Scotland"}}, MessageID: msgID}); err != nil {
		t.Fatal(err)
	}
	if err := s.Cancel(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, Spec{Name: "s2", Template: "v", Target: Target{Nations: []string{"Scotland"}}, MessageID: msgID}); err != nil {
		t.Fatalf("after a cancelled one: %v", err)
	}
	// Add checks too: Fife already has letter v in s2.
	if _, err := s.Create(ctx, Spec{Name: "e", Template: "v", Target: Target{Tags: []string{"unitary"}}, MessageID: msgID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, AddSpec{Campaign: "e", Codes: []string{"FIF"}, MessageID: msgID}); !errors.As(err, &dup) || dup.Campaigns[0].Campaign != "s2" {
		t.Fatalf("add duplicate: %v", err)
	}
	if add, err := s.Add(ctx, AddSpec{Campaign: "e", Codes: []string{"FIF"}, MessageID: msgID, AllowDuplicates: true}); err != nil || len(add.Requests) != 1 {
		t.Fatalf("add allowed: %+v %v", add, err)
	}
}

func TestSummaries(t *testing.T) {
	ctx := context.Background()
	s := campaignStore(t, 2)
	a, _ := s.Create(ctx, Spec{Name: "a", Template: "t", Target: Target{Nations: []string{"England"}}, MessageID: msgID})
	queueAll(t, s, a.Campaign)
	if _, err := s.Create(ctx, Spec{Name: "b", Template: "u", Target: Target{All: true}, MessageID: msgID}); err != nil {
		t.Fatal(err)
	}
	sums, err := s.Summaries(ctx)
	if err != nil || len(sums) != 2 {
		t.Fatalf("%+v %v", sums, err)
	}
	if sums[0].Name != "a" || sums[0].State != Queued || sums[0].Requests != 2 || sums[0].Counts[OutboxQueued] != 2 || sums[0].Counts[OutboxDraft] != 0 {
		t.Errorf("a: %+v", sums[0])
	}
	if sums[1].Name != "b" || sums[1].Template != "u" || sums[1].Requests != 3 || sums[1].Counts[OutboxDraft] != 3 || sums[1].CreatedAt.IsZero() {
		t.Errorf("b: %+v", sums[1])
	}
}
