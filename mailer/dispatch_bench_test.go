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
// dispatcher sending 400 queued requests (claim transaction, SMTP, record
// transaction and events per message; no rate limits) against a bare go-mail
// loop sending the same 400 messages over one connection, both to the same
// loopback server in the same run. Goal: foidesk at most 1.5x the bare loop.
//
//	go test ./mailer -run '^$' -bench Dispatch400 -benchtime 5x
func BenchmarkDispatch400(b *testing.B) {
	const n = 400
	srv := startServer(b, smtptest.Options{})

	b.Run("foidesk", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			st, c := newCampaign(b, n, false)
			d := dispatcher(st, srv)
			b.StartTimer()
			sum, err := d.Run(context.Background(), c.ID)
			if err != nil || sum.Sent != n {
				b.Fatalf("%+v %v", sum, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/msg")
	})

	b.Run("bare-go-mail", func(b *testing.B) {
		st, c := newCampaign(b, n, false)
		var raws [][]byte
		for _, r := range requestsByEmail(b, st, c) {
			raws = append(raws, r.RawMessage)
		}
		for i := 0; i < b.N; i++ {
			b.StopTimer()
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
			b.StartTimer()
			if err := cl.DialWithContext(context.Background()); err != nil {
				b.Fatal(err)
			}
			for _, m := range msgs {
				if err := cl.Send(m); err != nil {
					b.Fatal(err)
				}
			}
			cl.Close()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/msg")
	})
}
