package web

import (
	"context"
	"fmt"
	"testing"
	"time"

	"foidesk/store/mail"
)

// BenchmarkAssignChoices serves the pages with an assign form, the
// unmatched-mail page (50 messages, half from an authority's address,
// half from strangers) and one message's page, over BigSurvey stores of
// 1,000 and 100,000 requests a reply can belong to: the forms' lists are
// capped at maxChoices, so the pages' cost is the top-N query and the
// count, not the number of requests.
//
//	go test ./web -run '^$' -bench AssignChoices -benchtime 100x -timeout 30m
func BenchmarkAssignChoices(b *testing.B) {
	for _, n := range []int{1000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			app, cookie, _ := benchApp(b, n, 100, 0)
			ctx := context.Background()
			if _, err := app.mail.StartMailbox(ctx, "Unmatched", 1); err != nil {
				b.Fatal(err)
			}
			var last int64
			for i := range 50 {
				// The authorities at the end of the name order: their
				// requests are beyond the cap, so suggested first.
				from := fmt.Sprintf("officer%d@elsewhere%d.example", i, i)
				if i%2 == 0 {
					from = fmt.Sprintf("foi@body%06d.test", n-1-i)
				}
				rec, err := app.mail.RecordMessage(ctx, mail.NewMessage{SHA256: fmt.Sprintf("%063xu", i), Size: 1000,
					Loc: mail.Location{Mailbox: "Unmatched", UIDValidity: 1, UID: uint32(i + 1)},
					Derived: mail.Derived{HeaderMessageID: fmt.Sprintf("u%d@bench", i), FromAddr: from, Subject: "A reply",
						SentDate: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), BodyText: "Please find our policy.", Kind: mail.KindResponse}})
				if err != nil {
					b.Fatal(err)
				}
				last = rec.ID
			}
			b.Run("unmatched", func(b *testing.B) { serveTimes(b, app, cookie, "/mail/unmatched") })
			b.Run("message", func(b *testing.B) { serveTimes(b, app, cookie, fmt.Sprintf("/mail/%d", last)) })
		})
	}
}
