package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
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
// percentile server time, and the peak heap (HeapAlloc, garbage not yet
// collected included) sampled every millisecond while it runs.
func serveTimes(b *testing.B, app *App, cookie *http.Cookie, target string) {
	b.Helper()
	times := make([]time.Duration, 0, b.N)
	var peak uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapAlloc)
			}
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r := httptest.NewRequest("GET", target, nil)
		r.AddCookie(cookie)
		w := &benchWriter{h: http.Header{}}
		start := time.Now()
		app.Handler().ServeHTTP(w, r)
		times = append(times, time.Since(start))
		if w.code != 200 {
			b.Fatalf("%s: %d\n%s", target, w.code, w.head.String())
		}
	}
	b.StopTimer()
	close(stop)
	<-done
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(times[min(len(times)*95/100, len(times)-1)].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// benchWriter is a ResponseWriter that counts the body and keeps only its
// start, so that the peak heap is the handler's, not a recorder holding a
// 100,000-row CSV.
type benchWriter struct {
	h    http.Header
	code int
	n    int64
	head bytes.Buffer
}

func (w *benchWriter) Header() http.Header { return w.h }

func (w *benchWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *benchWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.n += int64(len(p))
	if room := 4096 - w.head.Len(); room > 0 {
		w.head.Write(p[:min(room, len(p))])
	}
	return len(p), nil
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
// under 2 s each, memory flat (peak-heap-MB: compare
// BenchmarkResultsPages10k).
func BenchmarkResultsPages100k(b *testing.B) { benchPagesAt(b, 100000) }

// BenchmarkResultsPages10k is BenchmarkResultsPages100k at a tenth of the
// size: flat memory is the same peak heap at both.
func BenchmarkResultsPages10k(b *testing.B) { benchPagesAt(b, 10000) }

func benchPagesAt(b *testing.B, n int) {
	app, cookie, _ := benchApp(b, n, 0, 0)
	for _, p := range []struct{ name, target string }{
		{"dashboard", "/campaigns/big"},
		{"grid", "/campaigns/big/authorities?sort=late&dir=desc&page=" + strconv.Itoa(n/100)},
		{"grid-by-name", "/campaigns/big/authorities?page=" + strconv.Itoa(n/100)},
		{"grid-csv", "/campaigns/big/authorities?format=csv"},
		{"grid-csv-sorted", "/campaigns/big/authorities?format=csv&sort=late&dir=desc"},
	} {
		b.Run(p.name, func(b *testing.B) { serveTimes(b, app, cookie, p.target) })
	}
}
