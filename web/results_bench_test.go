package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/storetest"
	"foidesk/store/user"
)

// benchApp is the app over BigSurvey's campaign with a signed-in user's
// session cookie.
func benchApp(b *testing.B, authorities, messages, documents int) (*App, *http.Cookie, campaign.Campaign) {
	b.Helper()
	ctx := context.Background()
	now := storetest.BigNow
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), store.Options{Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	c, err := storetest.BigSurvey(ctx, st, authorities, messages, documents)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := user.New(st).Add(ctx, "bench", "bob", testPassword, false); err != nil {
		b.Fatal(err)
	}
	app, err := New(Options{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := user.New(st).Login(ctx, user.Attempt{Name: "bob", Password: testPassword, Address: "192.0.2.1", UserAgent: "bench"}, user.Policy{})
	if err != nil {
		b.Fatal(err)
	}
	return app, &http.Cookie{Name: cookieName, Value: token}, c
}

// serveTimes gets target b.N times and reports the median and 95th
// percentile server time, and the peak live heap sampled after each.
func serveTimes(b *testing.B, app *App, cookie *http.Cookie, target string) {
	b.Helper()
	times := make([]time.Duration, 0, b.N)
	var peak uint64
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r := httptest.NewRequest("GET", target, nil)
		r.AddCookie(cookie)
		w := httptest.NewRecorder()
		start := time.Now()
		app.Handler().ServeHTTP(w, r)
		times = append(times, time.Since(start))
		if w.Code != 200 {
			b.Fatalf("%s: %d\n%s", target, w.Code, w.Body)
		}
		if i%8 == 0 {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			peak = max(peak, m.HeapAlloc)
		}
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[min(len(times)*95/100, len(times)-1)].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// BenchmarkResultsPages serves the dashboard, the authorities grid (a
// page of 50, sorted by lateness, and its CSV) and a request's timeline
// for a campaign of 400 authorities with 2,000 messages and 5,000
// documents. Goal: p95 under 50 ms each.
func BenchmarkResultsPages(b *testing.B) {
	app, cookie, c := benchApp(b, 400, 2000, 5000)
	reqs, err := app.campaigns.Requests(context.Background(), c.ID, false)
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range []struct{ name, target string }{
		{"dashboard", "/campaigns/big"},
		{"grid", "/campaigns/big/authorities?sort=late&dir=desc"},
		{"grid-filtered", "/campaigns/big/authorities?nation=Wales&state=replied&q=body"},
		{"grid-csv", "/campaigns/big/authorities?format=csv"},
		{"timeline", "/requests/" + reqs[len(reqs)/2].Ref},
	} {
		b.Run(p.name, func(b *testing.B) { serveTimes(b, app, cookie, p.target) })
	}
}

// BenchmarkResultsPages100k serves the dashboard and the grid for a
// national survey: 100,000 requests, every one sent (no replies). Goal:
// under 2 s each, memory flat (peak-heap-MB).
func BenchmarkResultsPages100k(b *testing.B) {
	app, cookie, _ := benchApp(b, 100000, 0, 0)
	for _, p := range []struct{ name, target string }{
		{"dashboard", "/campaigns/big"},
		{"grid", "/campaigns/big/authorities?sort=late&dir=desc&page=1000"},
		{"grid-csv", "/campaigns/big/authorities?format=csv"},
	} {
		b.Run(p.name, func(b *testing.B) { serveTimes(b, app, cookie, p.target) })
	}
}
