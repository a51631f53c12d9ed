package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/storetest"
)

// bigDB is BigSurvey's campaign in a database file, with an empty config.
func bigDB(b *testing.B, authorities, messages, documents int) (db, cfg string) {
	b.Helper()
	dir := b.TempDir()
	db, cfg = filepath.Join(dir, "big.db"), filepath.Join(dir, "foidesk.toml")
	st, err := store.Open(context.Background(), db, store.Options{Now: func() time.Time { return storetest.BigNow }})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := storetest.BigSurvey(context.Background(), st, authorities, messages, documents); err != nil {
		b.Fatal(err)
	}
	st.Close()
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		b.Fatal(err)
	}
	return db, cfg
}

// benchReport runs 'foidesk report big' in each format b.N times,
// writing to --out, and reports the peak live heap (sampled by a
// goroutine every millisecond while it runs).
func benchReport(b *testing.B, db, cfg string, formats ...string) {
	for _, format := range formats {
		b.Run(format, func(b *testing.B) {
			out := filepath.Join(b.TempDir(), "report."+format)
			peak := sampleHeapPeak()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				var errb strings.Builder
				if code := run(context.Background(), []string{"--config", cfg, "--db", db, "report", "big", "--as-of", "2027-01-15", "--format", format, "--out", out},
					strings.NewReader(""), io.Discard, &errb); code != 0 {
					b.Fatalf("exit %d: %s", code, errb.String())
				}
			}
			b.StopTimer()
			b.ReportMetric(peak(), "peak-heap-MB")
		})
	}
}

// BenchmarkReport400 is 'foidesk report' for 400 authorities with 2,000
// messages and 5,000 documents. Goal: under 200 ms.
func BenchmarkReport400(b *testing.B) {
	db, cfg := bigDB(b, 400, 2000, 5000)
	benchReport(b, db, cfg, "md", "csv", "json", "xlsx")
}

// BenchmarkReport100k is 'foidesk report' for a national survey of
// 100,000 requests. Goal: under 2 s, memory flat (compare
// BenchmarkReport10k).
func BenchmarkReport100k(b *testing.B) {
	db, cfg := bigDB(b, 100000, 0, 0)
	benchReport(b, db, cfg, "csv", "xlsx", "md", "json")
}

// BenchmarkReport10k is BenchmarkReport100k at a tenth of the size: flat
// memory is the same peak heap at both.
func BenchmarkReport10k(b *testing.B) {
	db, cfg := bigDB(b, 10000, 0, 0)
	benchReport(b, db, cfg, "csv", "xlsx", "md", "json")
}
