package mailer

import (
	"bytes"
	"context"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"foidesk/mailer/smtptest"
)

// BenchmarkDispatch400 measures what foidesk's bookkeeping costs: the
// dispatcher sending 400 queued requests (a claim and a record with its
// event per message, in SQLite; no rate limits) against a bare go-mail loop
// sending the same 400 messages over one connection, both to the same
// loopback server. Each iteration runs both, back to back, so the two
// figures are measured under the same machine load; the goal is foidesk at
// most 1.5x the bare loop.
//
//	go test ./mailer -run '^$' -bench Dispatch400 -benchtime 10x
func BenchmarkDispatch400(b *testing.B) {
	const n = 400
	srv := startServer(b, smtptest.Options{})
	var foidesk, bare time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, c := newCampaign(b, n, false)
		var raws [][]byte
		for _, r := range requestsByEmail(b, st, c) {
			raws = append(raws, r.RawMessage)
		}
		msgs := make([]*gomail.Msg, 0, n)
		for _, raw := range raws {
			m, err := gomail.EMLToMsgFromReader(bytes.NewReader(raw))
			if err != nil {
				b.Fatal(err)
			}
			msgs = append(msgs, m)
		}
		cl, err := gomail.NewClient(srv.Host, gomail.WithPort(srv.Port), gomail.WithTLSPolicy(gomail.NoTLS), gomail.WithTimeout(2*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		d := dispatcher(st, srv)
		b.StartTimer()

		start := time.Now()
		if err := cl.DialWithContext(context.Background()); err != nil {
			b.Fatal(err)
		}
		for _, m := range msgs {
			if err := cl.Send(m); err != nil {
				b.Fatal(err)
			}
		}
		cl.Close()
		bare += time.Since(start)

		start = time.Now()
		sum, err := d.Run(context.Background(), c.ID)
		if err != nil || sum.Sent != n {
			b.Fatalf("%+v %v", sum, err)
		}
		foidesk += time.Since(start)
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) / 1000 }
	b.ReportMetric(per(foidesk), "foidesk-ms/400")
	b.ReportMetric(per(bare), "bare-go-mail-ms/400")
	b.ReportMetric(float64(foidesk)/float64(bare), "ratio")
}
