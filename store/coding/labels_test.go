package coding_test

import (
	"context"
	"reflect"
	"testing"
)

// Search's label filter sees a document once its coding is settled: one
// reviewer's coding without double coding, two who agree with it, or an
// admin's resolution.
func TestLabelledDocumentsAreTheSettledOnes(t *testing.T) {
	ctx := context.Background()
	_, cs, camp, _ := survey(t, 3)
	names, err := cs.LabelNames(ctx)
	if err != nil || len(names) != 8 || names[0] != "no-policy" {
		t.Fatalf("label names: %v %v", names, err)
	}
	labelled := func(campaign, label string) []int64 {
		t.Helper()
		ids, err := cs.LabelledDocuments(ctx, campaign, label)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	a := next(t, cs, camp, "ana")
	code(t, cs, a.ReviewID, "ana", "no-policy")
	if got := labelled("", "no-policy"); !reflect.DeepEqual(got, []int64{a.DocumentID}) {
		t.Fatalf("no-policy: %v, want [%d]", got, a.DocumentID)
	}
	if got := labelled("recording", "no-policy"); !reflect.DeepEqual(got, []int64{a.DocumentID}) {
		t.Fatalf("no-policy in recording: %v", got)
	}
	if got := labelled("another", "no-policy"); len(got) != 0 {
		t.Fatalf("no-policy in another campaign: %v", got)
	}
	if got := labelled("", "unclear"); len(got) != 0 {
		t.Fatalf("unclear: %v", got)
	}

	// With double coding, one coder is not enough; two who agree are.
	cb, err := cs.Codebook(ctx, camp)
	if err != nil {
		t.Fatal(err)
	}
	cb.DoubleCoding = true
	if err := cs.SetCodebook(ctx, camp, cb, "ana"); err != nil {
		t.Fatal(err)
	}
	if got := labelled("", "no-policy"); len(got) != 0 {
		t.Fatalf("a single coding under double coding counted: %v", got)
	}
	b := next(t, cs, camp, "bob")
	for b != nil && b.ReviewID != a.ReviewID {
		code(t, cs, b.ReviewID, "bob", "unclear")
		b = next(t, cs, camp, "bob")
	}
	if b == nil {
		t.Fatal("bob was never given ana's document")
	}
	code(t, cs, b.ReviewID, "bob", "no-policy")
	if got := labelled("", "no-policy"); !reflect.DeepEqual(got, []int64{a.DocumentID}) {
		t.Fatalf("agreed no-policy: %v", got)
	}
	// Bob's other codings wait for a second coder.
	if got := labelled("", "unclear"); len(got) != 0 {
		t.Fatalf("unclear, coded once under double coding: %v", got)
	}
}
