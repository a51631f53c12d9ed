package extract

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/document"
	"foidesk/store/storetest"
)

// BenchmarkNearDuplicates times what extraction does for the
// same-model-policy check and the save, for 1,000 new documents, with
// 100 to 100,000 documents' signatures already stored (synthetic
// MinHashes; half the new documents are near copies, 8 of 128 values
// changed, of a stored one from another authority). Setting up the stored
// documents is not timed. µs/doc is the whole (lookup, verification and
// save); lookup-µs/doc the part before the save. "exhaustive" is the check as it was, reading
// every stored signature per document, at the sizes it can bear:
//
//	go test ./extract -run '^$' -bench NearDuplicates -benchtime 1x -timeout 30m
func BenchmarkNearDuplicates(b *testing.B) {
	for _, n := range []int{100, 1000, 10000, 100000} {
		b.Run(fmt.Sprintf("banded/stored=%d", n), func(b *testing.B) { benchNearDuplicates(b, n, false) })
	}
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("exhaustive/stored=%d", n), func(b *testing.B) { benchNearDuplicates(b, n, true) })
	}
}

func benchNearDuplicates(b *testing.B, stored int, exhaustive bool) {
	const fresh = 1000
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "foidesk.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var reqs []campaign.Request
	for i := 0; i < 20; i++ {
		r, err := storetest.Send(ctx, st, storetest.SentRequest{AuthorityName: fmt.Sprintf("Bench %d Council", i), AuthorityEmail: fmt.Sprintf("foi@bench%d.gov.uk", i)})
		if err != nil {
			b.Fatal(err)
		}
		reqs = append(reqs, r)
	}
	rng := rand.New(rand.NewPCG(uint64(stored), 7))
	random := func() []byte {
		sig := make([]byte, 4*minhashSize)
		for i := range sig {
			sig[i] = byte(rng.UintN(256))
		}
		return sig
	}
	setup := time.Now()
	old, err := storetest.SignedAttachments(ctx, st, reqs, "stored", stored)
	if err != nil {
		b.Fatal(err)
	}
	ds := document.New(st)
	sigs := make([][]byte, len(old))
	for i, a := range old {
		sigs[i] = random()
		if _, err := ds.Save(ctx, document.Input{Origin: document.FromAttachment, SHA256: a.SHA256, Type: "pdf", Status: "ok", Engine: "bench",
			Text: "stored", MinHash: sigs[i]}, document.Source{MessageID: a.MessageID, AttachmentID: a.ID, Filename: a.Filename}, true); err != nil {
			b.Fatal(err)
		}
	}
	news, err := storetest.SignedAttachments(ctx, st, reqs, "new", fresh)
	if err != nil {
		b.Fatal(err)
	}
	newSigs := make([][]byte, len(news))
	for i := range news {
		if i%2 == 0 {
			k := rng.IntN(len(old))
			for old[k].RequestID == news[i].RequestID {
				k = rng.IntN(len(old))
			}
			sig := append([]byte(nil), sigs[k]...)
			for _, v := range rng.Perm(minhashSize)[:8] {
				sig[4*v] ^= 0xff
			}
			newSigs[i] = sig
		} else {
			newSigs[i] = random()
		}
	}
	b.Logf("stored %d documents in %v", stored, time.Since(setup).Round(time.Millisecond))
	b.ResetTimer()
	flagged := 0
	var lookup time.Duration
	for it := 0; it < b.N; it++ {
		if it > 0 {
			b.Fatal("run with -benchtime 1x: the new documents are saved once")
		}
		for i, a := range news {
			start := time.Now()
			auth, err := ds.MessageAuthority(ctx, a.MessageID)
			if err != nil {
				b.Fatal(err)
			}
			var cands []document.Signature
			if exhaustive {
				cands, err = ds.Signatures(ctx)
			} else {
				cands, err = ds.Candidates(ctx, newSigs[i])
			}
			if err != nil {
				b.Fatal(err)
			}
			to, sim := mostSimilar(newSigs[i], cands, 0, auth)
			lookup += time.Since(start)
			if to != 0 {
				flagged++
			}
			if _, err := ds.Save(ctx, document.Input{Origin: document.FromAttachment, SHA256: a.SHA256, Type: "pdf", Status: "ok", Engine: "bench",
				Text: "new", MinHash: newSigs[i], SimilarTo: to, Similarity: sim}, document.Source{MessageID: a.MessageID, AttachmentID: a.ID, Filename: a.Filename}, true); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	if flagged < fresh/2 {
		b.Fatalf("%d of %d new documents flagged, want at least the %d near copies", flagged, fresh, fresh/2)
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(fresh*b.N), "µs/doc")
	b.ReportMetric(float64(lookup.Microseconds())/float64(fresh*b.N), "lookup-µs/doc")
}
