package campaign

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/registry"
)

// BenchmarkOutboxSettle measures the dispatcher's bookkeeping alone, without
// SMTP: 400 queued requests with messages of the real letter's size, each
// claimed together with the previous one's outcome, one commit per message,
// as mailer.Dispatcher does. It reports the WAL frames (pages) written per
// message, the figure that decides what a commit costs.
//
//	go test ./store/campaign -run '^$' -bench OutboxSettle -benchtime 10x
func BenchmarkOutboxSettle(b *testing.B) {
	const n = 400
	ctx := context.Background()
	body := bytes.Repeat([]byte("We would like to ask for your policy on recording meetings.\r\n"), 37) // about 2.3 KB
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		core, err := store.Open(ctx, filepath.Join(b.TempDir(), "b.db"), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		var rows []registry.AuthorityInput
		for j := 0; j < n; j++ {
			rows = append(rows, registry.AuthorityInput{Origin: "b", Code: fmt.Sprintf("A%03d", j), Name: fmt.Sprintf("Council %03d", j),
				Email: strp(fmt.Sprintf("foi@d%d.example", j)), Nation: strp("England")})
		}
		if _, err := registry.New(core).ImportAuthorities(ctx, registry.AuthorityImport{Rows: rows}); err != nil {
			b.Fatal(err)
		}
		s := New(core)
		res, err := s.Create(ctx, Spec{Name: "c", Template: "t", Target: Target{All: true}, MessageID: msgID})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Queue(ctx, res.Campaign.ID, func(r Request) (Rendered, error) {
			return Rendered{Subject: "s " + r.Ref, Raw: append([]byte("To: "+r.ToEmail+"\r\n\r\n"), body...)}, nil
		}); err != nil {
			b.Fatal(err)
		}
		ob, err := s.Outbox(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()

		opt := ClaimOptions{Owner: "bench", Now: time.Now(), CampaignID: res.Campaign.ID}
		g, err := ob.Claim(ctx, opt)
		sent := 0
		for g != nil && err == nil {
			sent++
			opt.Now = time.Now()
			g, err = ob.MarkSent(ctx, g, "bench", Delivery{AcceptedAt: opt.Now, Reply: SMTPReply{Code: 250, Text: "OK: queued"}}, &opt)
		}
		if err != nil || sent != n {
			b.Fatalf("sent %d: %v", sent, err)
		}

		b.StopTimer()
		ob.Close()
		core.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*n), "µs/msg")
}
