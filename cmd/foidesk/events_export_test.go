package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/storetest"
)

func TestEventsExport(t *testing.T) {
	db, _ := goldenDB(t)
	// Another campaign's events must stay out of golden's export.
	st, err := store.Open(context.Background(), db, store.Options{Now: func() time.Time { return storetest.GoldenNow }})
	if err != nil {
		t.Fatal(err)
	}
	other, err := storetest.Send(context.Background(), st, storetest.SentRequest{AuthorityName: "Other Council", AuthorityEmail: "foi@other.test"})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	out, errs, code := runIn(t, db, "events", "export", "--campaign", "golden", "--format", "jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var last int64
	kinds := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var ev eventLine
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		if ev.ID <= last {
			t.Errorf("event %d after %d: not in id order", ev.ID, last)
		}
		last = ev.ID
		kinds[ev.Kind]++
		if ev.Ref == other.Ref {
			t.Errorf("another campaign's event in the export: %+v", ev)
		}
		if ev.Kind == "request.claimed" && ev.Actor != "survey" {
			t.Errorf("claim's actor %q, want the dispatcher survey", ev.Actor)
		}
		if ev.Kind == "message.recorded" && ev.Ref == "" {
			t.Errorf("a message event without its request's reference: %+v", ev)
		}
	}
	// 8 requests made; 7 sent or unknown (Derry had no address); 8 replies
	// recorded; the campaign made and queued.
	if kinds["request.created"] != 8 || kinds["request.claimed"] != 8 || kinds["request.delivered"] != 7 || kinds["request.unknown"] != 1 ||
		kinds["message.recorded"] != 8 || kinds["campaign.created"] != 1 || kinds["campaign.queued"] != 1 {
		t.Errorf("kinds %v", kinds)
	}

	all, _, _ := runIn(t, db, "events", "export")
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(all, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "id,at,kind,actor,authority_id,request_id,message_id,ref,detail" {
		t.Errorf("header %v", recs[0])
	}
	found := false
	for _, r := range recs[1:] {
		found = found || r[7] == other.Ref
		if !json.Valid([]byte(r[8])) {
			t.Errorf("detail is not JSON: %q", r[8])
		}
	}
	if !found || len(recs)-1 <= strings.Count(out, "\n") {
		t.Errorf("the whole log (%d) should hold more than golden's (%d), the other campaign's too", len(recs)-1, strings.Count(out, "\n"))
	}
	if !strings.HasPrefix(all, "\ufeff") {
		t.Error("no BOM")
	}
	path := filepath.Join(t.TempDir(), "events.csv")
	if _, errs, code := runIn(t, db, "events", "export", "--out", path); code != 0 {
		t.Fatalf("--out: exit %d: %s", code, errs)
	}
}

// heapSampler is a writer that notes the live heap every so many writes.
type heapSampler struct {
	writes int
	peak   uint64
}

func (h *heapSampler) Write(p []byte) (int, error) {
	if h.writes++; h.writes%64 == 0 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		h.peak = max(h.peak, m.HeapAlloc)
	}
	return len(p), nil
}

// BenchmarkEventsExport streams a log of 200,000 events, as CSV and as
// JSON lines, and reports the peak live heap while it writes (peak-heap-MB):
// it stays a few MB however long the log, since events are read and
// written one at a time.
func BenchmarkEventsExport(b *testing.B) {
	ctx := context.Background()
	db := filepath.Join(b.TempDir(), "events.db")
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const n = 200000
	for i := 0; i < n; i += 10000 {
		if err := st.Tx(ctx, func(tx *sql.Tx) error {
			for j := i; j < i+10000; j++ {
				if err := st.AppendEvent(ctx, tx, "bench.event", store.Subject{}, map[string]any{"i": j, "note": "=cmd|' /C calc'!A0"}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	h := &heapSampler{}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, format := range []string{"csv", "jsonl"} {
			if err := exportEvents(ctx, st, 0, "", format, h); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(n), "events")
	b.ReportMetric(float64(h.peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(base.HeapAlloc)/(1<<20), "heap-before-MB")
}
