package alerts

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/store"
	"foidesk/store/alert"
	"foidesk/store/campaign"
	"foidesk/store/registry"
)

// benchCampaign is a database with n English authorities and one
// campaign to all of them, every request sent through the real outbox on
// Monday 2 November 2026 (so due on 1 December).
func benchCampaign(b *testing.B, n int) *store.Store {
	b.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "b.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	nation := "England"
	rows := make([]registry.AuthorityInput, n)
	for i := range rows {
		email := fmt.Sprintf("foi@c%05d.example", i)
		rows[i] = registry.AuthorityInput{Origin: "bench", Code: fmt.Sprintf("C%05d", i), Name: fmt.Sprintf("Council %05d", i), Email: &email, Nation: &nation}
	}
	if _, err := registry.New(st).ImportAuthorities(ctx, registry.AuthorityImport{Rows: rows}); err != nil {
		b.Fatal(err)
	}
	cs := campaign.New(st)
	res, err := cs.Create(ctx, campaign.Spec{Name: "survey", Template: "recording-policy", Target: campaign.Target{All: true},
		MessageID: func(ref string) string { return ref + ".foi@bench.example" }})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := cs.Queue(ctx, res.Campaign.ID, func(r campaign.Request) (campaign.Rendered, error) {
		return campaign.Rendered{Subject: "FOI " + r.Ref, Raw: []byte("To: " + r.ToEmail + "\r\n\r\nA request.\r\n")}, nil
	}); err != nil {
		b.Fatal(err)
	}
	ob, err := cs.Outbox(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer ob.Close()
	sent := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	opt := campaign.ClaimOptions{Owner: "bench", Now: sent, CampaignID: res.Campaign.ID}
	g, err := ob.Claim(ctx, opt)
	for g != nil && err == nil {
		g, err = ob.MarkSent(ctx, g, "bench", campaign.Delivery{AcceptedAt: sent, Reply: campaign.SMTPReply{Code: 250, Text: "2.0.0 OK"}}, &opt)
	}
	if err != nil {
		b.Fatal(err)
	}
	return st
}

// BenchmarkPass measures one watcher pass over a campaign's open
// requests: "quiet", a pass on a day when nothing changes (the hourly
// cost), and "all-overdue", the pass on the day every request becomes
// overdue at once, writing one alert, one state and one event each.
//
//	go test ./alerts -run '^$' -bench Pass -benchtime 20x
func BenchmarkPass(b *testing.B) {
	for _, n := range []int{400, 10000} {
		st := benchCampaign(b, n)
		var now time.Time
		x, err := New(Config{Store: alert.New(st), Rule: lifecycle.Statutory(), Thresholds: lifecycle.Thresholds{DueSoon: 3},
			Now: func() time.Time { return now }, Log: quiet()})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		day := func(d deadline.Date) time.Time {
			y, m, dd := d.YMD()
			return time.Date(y, m, dd, 12, 0, 0, 0, time.UTC)
		}
		b.Run(fmt.Sprintf("quiet-%d", n), func(b *testing.B) {
			now = day(deadline.NewDate(2026, 11, 10))
			for i := 0; i < b.N; i++ {
				if tr, err := x.Pass(ctx); err != nil || len(tr.Alerts) != 0 {
					b.Fatal(err, tr.Alerts)
				}
			}
		})
		b.Run(fmt.Sprintf("all-overdue-%d", n), func(b *testing.B) {
			// Each iteration is the day after the last: the requests alternate
			// between due soon and overdue as the test clock swings.
			for i := 0; i < b.N; i++ {
				now = day(deadline.NewDate(2026, 11, 26))
				b.StopTimer()
				if _, err := x.Pass(ctx); err != nil {
					b.Fatal(err)
				}
				now = day(deadline.NewDate(2026, 12, 2))
				b.StartTimer()
				if tr, err := x.Pass(ctx); err != nil || len(tr.Alerts) != n {
					b.Fatal(err, len(tr.Alerts))
				}
			}
		})
	}
}
