package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/storetest"
)

// On a terminal the progress line is redrawn in place over itself, and
// never counts past the total even when requests were sent meanwhile.
func TestRecomputeProgressLine(t *testing.T) {
	var b strings.Builder
	p := recomputeProgress(&b)
	p(store.RecomputeStats{Requests: 2000, Changed: 3}, 5000)
	p(store.RecomputeStats{Requests: 5001, Changed: 4}, 5000)
	want := "\rrecomputing: 2000/5000 request(s), 3 changed\rrecomputing: 5001/5001 request(s), 4 changed"
	if b.String() != want {
		t.Errorf("progress %q, want %q", b.String(), want)
	}
}

// benchRecompute runs 'foidesk requests recompute' on BigSurvey's
// campaign of n requests with n/5 messages, b.N times, and reports the
// peak live heap (sampled every millisecond). With spoil, every stored
// due date is made wrong before each run (outside the timer), so the run
// writes every request and an event for each.
func benchRecompute(b *testing.B, db, cfg string, n int, spoil bool) {
	var st *store.Store
	if spoil {
		var err error
		if st, err = store.Open(context.Background(), db, store.Options{Now: func() time.Time { return storetest.BigNow }}); err != nil {
			b.Fatal(err)
		}
		defer st.Close()
	}
	peak := sampleHeapPeak()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if spoil {
			b.StopTimer()
			if _, err := st.DB().Exec(`UPDATE requests SET due_date = '2000-01-01'`); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		var out, errb strings.Builder
		if code := run(context.Background(), []string{"--config", cfg, "--db", db, "requests", "recompute"}, strings.NewReader(""), &out, &errb); code != 0 {
			b.Fatalf("exit %d: %s", code, errb.String())
		}
		want := fmt.Sprintf("%d request clock(s) derived, 0 changed", n)
		if spoil {
			want = fmt.Sprintf("%d request clock(s) derived, %d changed", n, n)
		}
		if !strings.Contains(out.String(), want) {
			b.Fatalf("recompute said %q", out.String())
		}
	}
	b.StopTimer()
	b.ReportMetric(peak(), "peak-heap-MB")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/request")
}

// BenchmarkRequestsRecompute is 'foidesk requests recompute' from the
// command line at 1,000, 10,000 and 100,000 sent requests (one message
// to every fifth), when nothing has changed (the second run after a
// change to the holidays file) and when every request's clock is wrong.
// Goal (issue 11): 100,000 in under 1 s, no superlinear step.
func BenchmarkRequestsRecompute(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		db, cfg := bigDB(b, n, n/5, 0)
		b.Run(fmt.Sprintf("%dk/unchanged", n/1000), func(b *testing.B) { benchRecompute(b, db, cfg, n, false) })
		b.Run(fmt.Sprintf("%dk/all-changed", n/1000), func(b *testing.B) { benchRecompute(b, db, cfg, n, true) })
		b.Run(fmt.Sprintf("%dk/unchanged-after-history", n/1000), func(b *testing.B) {
			// Ten more clock changes for every request, as a long survey's
			// holiday corrections would leave: reading the recorded facts
			// must not read them.
			for range 10 {
				benchSpoilAndRecompute(b, db, cfg)
			}
			benchRecompute(b, db, cfg, n, false)
		})
	}
}

// benchSpoilAndRecompute moves every request's clock and puts it back
// with a recompute, untimed, so that each request gains a clock-change
// event.
func benchSpoilAndRecompute(b *testing.B, db, cfg string) {
	b.Helper()
	b.StopTimer()
	defer b.StartTimer()
	st, err := store.Open(context.Background(), db, store.Options{Now: func() time.Time { return storetest.BigNow }})
	if err != nil {
		b.Fatal(err)
	}
	_, err = st.DB().Exec(`UPDATE requests SET due_date = '2000-01-01'`)
	st.Close()
	if err != nil {
		b.Fatal(err)
	}
	var out, errb strings.Builder
	if code := run(context.Background(), []string{"--config", cfg, "--db", db, "requests", "recompute"}, strings.NewReader(""), &out, &errb); code != 0 {
		b.Fatalf("exit %d: %s", code, errb.String())
	}
}
