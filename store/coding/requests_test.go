package coding_test

import (
	"context"
	"slices"
	"testing"

	"foidesk/store/campaign"
	"foidesk/store/coding"
)

// A request's coding, for the results: only settled entries count; under
// double coding an entry the two coders disagree on counts once an admin
// resolves it, and the two coders' labels are kept for agreement.
func TestRequestCodingsAreTheSettledOnes(t *testing.T) {
	st, cs, camp, _ := survey(t, 3)
	ctx := context.Background()
	setDouble(t, cs, camp)
	reqs, err := campaign.New(st).Requests(ctx, camp, false)
	if err != nil {
		t.Fatal(err)
	}
	// Entry 1: both say no-policy. Entry 2: they disagree. Entry 3: one coder only.
	a := next(t, cs, camp, "ana")
	b := next(t, cs, camp, "bob")
	code(t, cs, a.ReviewID, "ana", "no-policy")
	code(t, cs, b.ReviewID, "bob", "no-policy")
	a2 := next(t, cs, camp, "ana")
	b2 := next(t, cs, camp, "bob")
	code(t, cs, a2.ReviewID, "ana", "permits-recording")
	code(t, cs, b2.ReviewID, "bob", "consent-required")
	a3 := next(t, cs, camp, "ana")
	if _, err := cs.Code(ctx, coding.Input{ReviewID: a3.ReviewID, Reviewer: "ana", Labels: []string{"refused"}, Outcome: coding.OutcomeRefused, OutcomeDetail: "s.12, s.14"}); err != nil {
		t.Fatal(err)
	}

	got, err := cs.RequestCodings(ctx, camp)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("settled requests %+v, want only the one both coders agreed on", got)
	}
	var agreed int64
	for id := range got {
		agreed = id
	}
	if rc := got[agreed]; !slices.Equal(rc.Labels, []string{"no-policy"}) || rc.Outcome != coding.OutcomeProvided || rc.CoderA != "no-policy" || rc.CoderB != "no-policy" {
		t.Errorf("agreed entry: %+v", rc)
	}

	if _, err := cs.Resolve(ctx, coding.Input{ReviewID: a2.ReviewID, Reviewer: "ana", Labels: []string{"consent-required"}, Notes: "the policy asks first"}); err != nil {
		t.Fatal(err)
	}
	if got, err = cs.RequestCodings(ctx, camp); err != nil || len(got) != 2 {
		t.Fatalf("after the resolution: %+v %v", got, err)
	}
	for id, rc := range got {
		if id == agreed {
			continue
		}
		if !slices.Equal(rc.Labels, []string{"consent-required"}) || rc.Notes != "the policy asks first" || rc.CoderA != "permits-recording" || rc.CoderB != "consent-required" {
			t.Errorf("resolved entry: %+v", rc)
		}
		if !slices.ContainsFunc(reqs, func(r campaign.Request) bool { return r.ID == id }) {
			t.Errorf("request %d is not the campaign's", id)
		}
	}
}
