package storetest

import (
	"context"
	"fmt"
	"time"

	"foidesk/store"
	"foidesk/store/campaign"
)

// GoldenNow is the earliest the store's clock may say when GoldenSurvey
// runs: its last reply is stored then.
var GoldenNow = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

// HostileName is the name of one of the golden survey's councils: a
// spreadsheet formula, as a hostile or careless register might hold it.
const HostileName = `=HYPERLINK("http://evil.test/?x","Click")`

// Golden is what GoldenSurvey made: the campaign, its requests by
// authority code, and the documents extracted from the replies.
type Golden struct {
	Campaign  campaign.Campaign
	Requests  map[string]campaign.Request
	Documents map[string][]int64 // by authority code
	Messages  map[string][]int64 // by authority code
}

// GoldenSurvey builds campaign "golden" through the real paths, requests
// sent on Monday 2 November 2026 (due 1 December under FOIA and FOISA
// alike), to councils in all four nations:
//
//	E01 Avon (England)          replied on time, a response with a policy
//	E02 HostileName (England)   replied late (2 December), a response
//	E03 Leeds (England)         sending unknown: the connection dropped
//	N01 Belfast (N. Ireland)    replied: published elsewhere
//	N02 Derry (N. Ireland)      no address: never sent
//	S01 Fife (Scotland)         refused under s.30(c) and s.38(1)(b), on time
//	S02 Moray (Scotland)        refusal: information not held
//	W01 Cardiff (Wales)         delivered, acknowledged, never replied
//	W02 Powys (Wales)           bounced (5.1.1)
//
// The store's clock must read GoldenNow or later.
func GoldenSurvey(ctx context.Context, st *store.Store) (Golden, error) {
	c, reqs, err := SurveyBodies(ctx, st, "golden", []Body{
		{Code: "E01", Name: "Avon Council", Email: "foi@avon.test", Nation: "England"},
		{Code: "E02", Name: HostileName, Email: "foi@hostile.test", Nation: "England"},
		{Code: "E03", Name: "Leeds Council", Email: "foi@leeds.test", Nation: "England", Outcome: "unknown"},
		{Code: "N01", Name: "Belfast Council", Email: "foi@belfast.test", Nation: "Northern Ireland"},
		{Code: "N02", Name: "Derry Council", Nation: "Northern Ireland"},
		{Code: "S01", Name: "Fife Council", Email: "foi@fife.test", Nation: "Scotland"},
		{Code: "S02", Name: "Moray Council", Email: "foi@moray.test", Nation: "Scotland"},
		{Code: "W01", Name: "Cardiff Council", Email: "foi@cardiff.test", Nation: "Wales"},
		{Code: "W02", Name: "Powys Council", Email: "foi@powys.test", Nation: "Wales"},
	})
	g := Golden{Campaign: c, Requests: reqs, Documents: map[string][]int64{}, Messages: map[string][]int64{}}
	if err != nil {
		return g, err
	}
	day := func(d int, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
	mails := []struct {
		code string
		m    Mail
	}{
		{"E01", Mail{Kind: "acknowledgement", Date: day(3, 9), Subject: "Acknowledgement"}},
		{"E01", Mail{Kind: "response", Date: day(20, 11), Subject: "Your request", Body: "Please find our policy attached.",
			Documents: []string{"Recording policy: parents may record meetings with social workers.", "Annex: consent form."}}},
		{"E02", Mail{Kind: "response", Date: time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC), Subject: "Response",
			Body: "We have no written policy.", Documents: []string{"We hold no written policy on recording."}}},
		{"N01", Mail{Kind: "published", Detail: "https://belfast.test/policies", Date: day(10, 10), Subject: "Published"}},
		{"S01", Mail{Kind: "refusal", Detail: "s.30(c); s.38(1)(b)", Date: day(25, 15), Subject: "Refusal notice",
			Documents: []string{"Refusal notice under section 30(c)."}}},
		{"S02", Mail{Kind: "refusal", Detail: "information not held", Date: day(12, 10), Subject: "Not held"}},
		{"W01", Mail{Kind: "acknowledgement", Date: day(2, 14), Subject: "Automatic acknowledgement"}},
		{"W02", Mail{Kind: "bounce", BounceStatus: "5.1.1", Date: day(2, 10), Subject: "Undeliverable"}},
	}
	for _, m := range mails {
		r, ok := reqs[m.code]
		if !ok {
			return g, fmt.Errorf("golden: no request for %s", m.code)
		}
		id, docs, err := Deliver(ctx, st, r.ID, m.m)
		if err != nil {
			return g, fmt.Errorf("golden %s: %w", m.code, err)
		}
		g.Messages[m.code] = append(g.Messages[m.code], id)
		g.Documents[m.code] = append(g.Documents[m.code], docs...)
	}
	cs := campaign.New(st)
	for code, r := range reqs {
		if g.Requests[code], err = cs.RequestByRef(ctx, r.Ref); err != nil {
			return g, err
		}
	}
	return g, nil
}
