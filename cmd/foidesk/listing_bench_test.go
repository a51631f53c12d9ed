package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"foidesk/store"
	"foidesk/store/registry"
)

// listingSizes are the row counts the listing benchmarks compare: memory
// that stays flat from the first to the last is a streamed listing.
var listingSizes = []int{1000, 10000, 100000}

// BenchmarkMessagesList is 'foidesk messages list' without --limit, as a
// table and as JSON, over 1,000, 10,000 and 100,000 stored messages,
// reporting the peak heap while it runs. Goal: the same peak at every
// size.
func BenchmarkMessagesList(b *testing.B) {
	for _, n := range listingSizes {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			db, _ := bigDB(b, 100, n, 0)
			benchListing(b, db, n, "messages", "list")
		})
	}
}

// BenchmarkAuthoritiesList is 'foidesk authorities list' without --limit
// over a register of 1,000, 10,000 and 100,000 authorities. Goal: the
// same peak heap at every size.
func BenchmarkAuthoritiesList(b *testing.B) {
	for _, n := range listingSizes {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			db := filepath.Join(b.TempDir(), "register.db")
			st, err := store.Open(context.Background(), db, store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			rows := make([]registry.AuthorityInput, n)
			nation := "England"
			for i := range rows {
				email := fmt.Sprintf("foi@body%06d.test", i)
				rows[i] = registry.AuthorityInput{Origin: "bench", Code: fmt.Sprintf("B%06d", i), Name: fmt.Sprintf("Public Body %06d", i),
					Email: &email, Nation: &nation, Tags: &[]string{"bench", "type:district"}}
			}
			if _, err := registry.New(st).ImportAuthorities(context.Background(), registry.AuthorityImport{Rows: rows}); err != nil {
				b.Fatal(err)
			}
			st.Close()
			benchListing(b, db, n, "authorities", "list")
		})
	}
}

// benchListing runs the listing command as a table and with --json b.N
// times each, writing to nowhere, and reports the peak heap (sampled by a
// goroutine every millisecond) and the time per row.
func benchListing(b *testing.B, db string, rows int, command ...string) {
	for _, format := range []string{"table", "json"} {
		b.Run(format, func(b *testing.B) {
			args := append([]string{"--db", db}, command...)
			if format == "json" {
				args = append(args, "--json")
			}
			runtime.GC()
			peak := sampleHeapPeak()
			b.ResetTimer()
			for range b.N {
				var errb strings.Builder
				if code := run(context.Background(), args, strings.NewReader(""), io.Discard, &errb); code != 0 {
					b.Fatalf("exit %d: %s", code, errb.String())
				}
			}
			b.StopTimer()
			b.ReportMetric(peak(), "peak-heap-MB")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(rows), "ns/row")
		})
	}
}
