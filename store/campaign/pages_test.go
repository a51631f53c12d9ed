package campaign_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/storetest"
)

// TestRequestPages: a campaign's requests page by id, every one once and
// in order, and only the campaign's own; a page walks requests_campaign
// from where it starts, never sorting the campaign.
func TestRequestPages(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	want, err := storetest.SendSurvey(ctx, st, storetest.Survey{Name: "alpha", Authorities: 23})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := storetest.SendSurvey(ctx, st, storetest.Survey{Name: "beta", Authorities: 5}); err != nil {
		t.Fatal(err)
	}
	cs := campaign.New(st)
	f := campaign.RequestFilter{CampaignID: want[0].CampaignID, Limit: 10}
	var seen []campaign.Request
	for pages := 0; ; pages++ {
		more, err := cs.EachRequest(ctx, f, func(r campaign.Request) error {
			seen = append(seen, r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !more {
			break
		}
		f.AfterID = seen[len(seen)-1].ID
	}
	if len(seen) != len(want) {
		t.Fatalf("%d requests over the pages, want %d", len(seen), len(want))
	}
	for i, r := range seen {
		if r.CampaignID != want[0].CampaignID || i > 0 && r.ID <= seen[i-1].ID {
			t.Fatalf("request %d: %+v after %d", i, r.ID, seen[max(i-1, 0)].ID)
		}
	}
	all := 0
	if _, err := cs.EachRequest(ctx, campaign.RequestFilter{CampaignID: want[0].CampaignID}, func(campaign.Request) error { all++; return nil }); err != nil || all != 23 {
		t.Fatalf("the whole campaign: %d, %v", all, err)
	}
	for _, raw := range []bool{false, true} {
		q, args := campaign.RequestPageQuery(campaign.RequestFilter{CampaignID: 1, WithRaw: raw}, 4711, 100)
		plan, err := st.QueryPlan(ctx, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(plan, "; ")
		if strings.Contains(text, "TEMP B-TREE") || strings.Contains(text, "SCAN") || !strings.Contains(text, "requests_campaign") {
			t.Errorf("with raw %v planned as: %s", raw, text)
		}
	}
}
