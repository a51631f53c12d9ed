package store_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"foidesk/lifecycle"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/storetest"
)

// Recompute in batches derives what each path derived one request at a
// time, whichever batch a request and its facts fall in: with every stored
// clock spoiled, it puts back exactly what was there, says it changed each,
// and a second run changes nothing.
func TestRecomputeBatchesDeriveWhatEachPathDid(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "foidesk.db"), store.Options{Now: func() time.Time { return storetest.BigNow }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := storetest.BigSurvey(ctx, st, 40, 50, 0)
	if err != nil {
		t.Fatal(err)
	}
	cs := campaign.New(st)
	reqs, err := cs.Requests(ctx, c.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	// Recorded facts, some undone, on requests answered by no message
	// (the first 10 have a response, every one an acknowledgement).
	for i, r := range reqs[len(reqs)-12:] {
		at := storetest.DefaultSentAt.Add(time.Duration(2+i) * 24 * time.Hour)
		fact := store.Fact{Fact: lifecycle.FactFeesNotice, At: at}
		if i%3 == 1 {
			fact = store.Fact{Fact: lifecycle.FactWithdrawn, At: at}
		}
		rec, err := st.RecordFact(ctx, r.Ref, fact)
		if err != nil {
			t.Fatalf("%s: %v", r.Ref, err)
		}
		if i%4 == 0 {
			if _, err := st.UndoFact(ctx, r.Ref, rec.Event); err != nil {
				t.Fatal(err)
			}
		}
	}
	type clock struct{ status, due, replied, reason string }
	snapshot := func() map[int64]clock {
		rs, err := cs.Requests(ctx, c.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]clock{}
		for _, r := range rs {
			out[r.ID] = clock{r.Status, r.DueDate, r.RepliedOn, r.StatusReason}
		}
		return out
	}
	want := snapshot()
	statuses := map[string]bool{}
	for _, w := range want {
		statuses[w.status] = true
	}
	if len(statuses) < 4 {
		t.Fatalf("the survey should cover several statuses, has %v", statuses)
	}

	// A clean store: nothing to change.
	for _, batch := range []int{1, 7, 2000} {
		restore := store.SetRecomputeBatch(batch)
		stats, err := st.RecomputeClocks(ctx)
		restore()
		if err != nil || stats.Requests != len(reqs) || stats.Changed != 0 {
			t.Fatalf("batch %d on a clean store: %+v, %v; want %d derived, none changed", batch, stats, err, len(reqs))
		}
	}

	for _, batch := range []int{1, 7, 2000} {
		if _, err := st.DB().ExecContext(ctx, `UPDATE requests SET status = 'withdrawn', due_date = '2000-01-01', replied_on = NULL, status_reason = 'spoiled'`); err != nil {
			t.Fatal(err)
		}
		restore := store.SetRecomputeBatch(batch)
		var seen []store.RecomputeStats
		stats, err := st.RecomputeClocksProgress(ctx, func(done store.RecomputeStats, total int) {
			if total != len(reqs) {
				t.Errorf("progress total %d, want %d", total, len(reqs))
			}
			seen = append(seen, done)
		})
		restore()
		if err != nil || stats.Requests != len(reqs) || stats.Changed != len(reqs) {
			t.Fatalf("batch %d: %+v, %v; want all %d derived and changed", batch, stats, err, len(reqs))
		}
		if wantCalls := (len(reqs) + batch - 1) / batch; len(seen) != wantCalls || seen[len(seen)-1] != stats {
			t.Fatalf("batch %d: progress %v, want %d calls ending at %+v", batch, seen, wantCalls, stats)
		}
		got := snapshot()
		for id, w := range want {
			if got[id] != w {
				t.Fatalf("batch %d: request %d derived %+v, each path had %+v", batch, id, got[id], w)
			}
		}
		if again, err := st.RecomputeClocks(ctx); err != nil || again.Changed != 0 {
			t.Fatalf("batch %d: second run %+v, %v", batch, again, err)
		}
	}
}

// A batch's queries walk indexes in their order: no sort per batch.
func TestRecomputeQueriesNeedNoSort(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, q := range store.RecomputeQueries {
		plan, err := st.QueryPlan(ctx, q.SQL, q.Args...)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(plan, "; ")
		if strings.Contains(text, "TEMP B-TREE") || strings.Contains(text, "SCAN") {
			t.Errorf("%s\nplanned as: %s", q.SQL, text)
		}
		// The facts are read through the index that holds only facts, so
		// that a request's growing history of other events is not read.
		if q.Index != "" && !strings.Contains(text, "INDEX "+q.Index+" ") {
			t.Errorf("%s\nplanned as: %s; want it to use %s", q.SQL, text, q.Index)
		}
	}
}
