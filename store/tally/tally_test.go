package tally_test

import (
	"context"
	"path/filepath"
	"testing"

	"foidesk/store"
	"foidesk/store/storetest"
	"foidesk/store/tally"
)

func TestCountAgreesWithWhatWasStored(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	empty, err := tally.New(st).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(empty.Outbox)+len(empty.Messages)+len(empty.Documents)+len(empty.Requests)+empty.Unmatched != 0 {
		t.Errorf("an empty database counts %+v", empty)
	}
	for _, f := range []storetest.SentRequest{
		{AuthorityName: "A", AuthorityEmail: "foi@a.example"},
		{AuthorityName: "B", AuthorityEmail: "foi@b.example"},
		{AuthorityName: "C", AuthorityEmail: "foi@c.example", Regime: "foisa"},
	} {
		if _, err := storetest.Send(ctx, st, f); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := storetest.Unknown(ctx, st, storetest.SentRequest{AuthorityName: "D", AuthorityEmail: "foi@d.example"}); err != nil {
		t.Fatal(err)
	}
	c, err := tally.New(st).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Outbox["sent"] != 3 || c.Outbox["unknown"] != 1 || len(c.Outbox) != 2 {
		t.Errorf("outbox = %v", c.Outbox)
	}
	// A and B were sent alike (same regime, day and status): one group of
	// two; C is under FOISA; D is unknown.
	byRegime := map[string]int{}
	total := 0
	for _, g := range c.Requests {
		total += g.N
		if g.Outbox == "sent" {
			byRegime[g.Regime] += g.N
			if g.Due == "" || g.Status != "awaiting-response" {
				t.Errorf("sent group without a due date or awaiting status: %+v", g)
			}
		}
	}
	if total != 4 || byRegime["foia"] != 2 || byRegime["foisa"] != 1 || len(c.Requests) != 3 {
		t.Errorf("request groups = %+v", c.Requests)
	}
}
