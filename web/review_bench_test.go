package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"foidesk/store/campaign"
	"foidesk/store/coding"
	"foidesk/store/storetest"
)

// The review benchmark's store: 400 authorities, each sent a request and
// each replying five times (2,000 messages) with two or three attachments
// (5,000 documents in all), a tenth of them already coded, built through
// the store's own paths.
const (
	benchAuthorities = 400
	benchMessages    = 2000
	benchDocuments   = 5000
)

func buildReviewBench(b *testing.B) (*fixture, error) {
	start := time.Now()
	f := newFixture(b, Options{})
	ctx := context.Background()
	reqs, err := storetest.SendSurvey(ctx, f.st, storetest.Survey{Name: "recording", Authorities: benchAuthorities})
	if err != nil {
		return nil, err
	}
	docs := 0
	for m := range benchMessages {
		r := reqs[m%len(reqs)]
		n := 2
		if m%2 == 0 {
			n = 3
		}
		if m == benchMessages-1 {
			n = benchDocuments - docs
		}
		var ds []storetest.ReplyDoc
		for k := range n {
			ds = append(ds, storetest.ReplyDoc{Filename: fmt.Sprintf("attachment %d.pdf", k+1),
				Text: fmt.Sprintf("Reply %d, attachment %d, from %s.\n\n%s", m, k, r.Authority.Name, policies[(m+k)%len(policies)])})
		}
		if _, _, err := storetest.Reply(ctx, f.st, r, uint32(m+1), "RE: Freedom of Information request [ref: "+r.Ref+"]", ds); err != nil {
			return nil, err
		}
		docs += n
	}
	c, err := campaign.New(f.st).ByName(ctx, "recording")
	if err != nil {
		return nil, err
	}
	cs := coding.New(f.st)
	for range benchDocuments / 10 {
		it, err := cs.Next(ctx, c.ID, "cat", coding.DefaultLease)
		if err != nil {
			return nil, err
		}
		if _, err := cs.Code(ctx, coding.Input{ReviewID: it.ReviewID, Reviewer: "cat", Labels: []string{"no-policy"}}); err != nil {
			return nil, err
		}
	}
	b.Logf("built %d authorities, %d messages, %d documents in %s", benchAuthorities, benchMessages, docs, time.Since(start).Round(time.Millisecond))
	return f, nil
}

// serverTimes runs do b.N times and reports the p50, p95 and largest
// time the handler took.
func serverTimes(b *testing.B, do func() time.Duration) {
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		times = append(times, do())
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	at := func(q float64) float64 { return float64(times[int(q*float64(len(times)-1))].Microseconds()) / 1000 }
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
	b.ReportMetric(at(1), "max-ms")
}

// BenchmarkReviewServerTime measures the time the app spends on the
// review page (a reviewer's claimed document, shown again), the
// next-document action (the page claiming a new document, after a skip)
// and a coding action (the POST that records a coding), each a request
// through the whole handler (sessions, CSRF, store, template); then,
// with double coding turned on after bob coded 2,000 documents alone,
// bob's next document, which must pass over the 2,000 waiting for a
// second coder.
//
//	go test ./web -run '^$' -bench ReviewServerTime -benchtime 300x
func BenchmarkReviewServerTime(b *testing.B) {
	f, err := buildReviewBench(b)
	if err != nil {
		b.Fatal(err)
	}
	timed := func(q req) (*httptest.ResponseRecorder, time.Duration) {
		start := time.Now()
		w := f.do(q)
		return w, time.Since(start)
	}
	page := func(c *http.Cookie) (string, time.Duration) {
		w, d := timed(req{target: "/review/recording", cookies: []*http.Cookie{c}})
		m := reviewIDField.FindStringSubmatch(w.Body.String())
		if w.Code != 200 || m == nil {
			b.Fatalf("review page: %d", w.Code)
		}
		return m[1], d
	}
	b.Run("page", func(b *testing.B) {
		c, _ := f.signIn("bob")
		page(c)
		serverTimes(b, func() time.Duration { _, d := page(c); return d })
	})
	b.Run("next", func(b *testing.B) {
		c, tok := f.signIn("bob")
		id, _ := page(c)
		serverTimes(b, func() time.Duration {
			w := f.do(req{method: "POST", target: "/review/recording/skip", cookies: []*http.Cookie{c}, form: url.Values{"csrf": {tok}, "review_id": {id}}})
			if w.Code != http.StatusSeeOther {
				b.Fatalf("skip: %d", w.Code)
			}
			var d time.Duration
			id, d = page(c)
			return d
		})
	})
	b.Run("code", func(b *testing.B) {
		c, tok := f.signIn("ana")
		serverTimes(b, func() time.Duration {
			id, _ := page(c)
			w, d := timed(req{method: "POST", target: "/review/recording/code", cookies: []*http.Cookie{c},
				form: url.Values{"csrf": {tok}, "review_id": {id}, "label": {"consent-required"}, "outcome": {"provided"}, "notes": {"bench"}}})
			if w.Code != http.StatusSeeOther || strings.Contains(w.Header().Get("Location"), "invalid") {
				b.Fatalf("code: %d %s", w.Code, w.Header().Get("Location"))
			}
			return d
		})
	})
	doubled := false // -count runs a sub-benchmark again over the same store
	b.Run("next-double", func(b *testing.B) {
		ctx := context.Background()
		c, _ := campaign.New(f.st).ByName(ctx, "recording")
		cs := coding.New(f.st)
		for i := 0; i < 2000 && !doubled; i++ {
			it, err := cs.Next(ctx, c.ID, "bob", coding.DefaultLease)
			if err != nil || it == nil {
				b.Fatal(it, err)
			}
			if _, err := cs.Code(ctx, coding.Input{ReviewID: it.ReviewID, Reviewer: "bob", Labels: []string{"no-policy"}}); err != nil {
				b.Fatal(err)
			}
		}
		cb := coding.Default()
		cb.DoubleCoding = true
		if err := cs.SetCodebook(ctx, c.ID, cb, "ana"); err != nil {
			b.Fatal(err)
		}
		doubled = true
		cookie, tok := f.signIn("bob")
		id, _ := page(cookie)
		serverTimes(b, func() time.Duration {
			f.do(req{method: "POST", target: "/review/recording/skip", cookies: []*http.Cookie{cookie}, form: url.Values{"csrf": {tok}, "review_id": {id}}})
			var d time.Duration
			id, d = page(cookie)
			return d
		})
	})
}
