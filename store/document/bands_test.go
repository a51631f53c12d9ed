package document_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"foidesk/store"
	"foidesk/store/document"
)

func randomSignature(rng *rand.Rand) []byte {
	sig := make([]byte, 4*document.Bands*document.Rows)
	for i := range sig {
		sig[i] = byte(rng.UintN(256))
	}
	return sig
}

// The bands the triggers store are the ones BandKeys computes, band by
// band; they follow a re-extraction; and a signature sharing no band
// finds nothing.
func TestCandidatesShareABand(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	docs := document.New(s)
	m1 := docFixture(t, s, "Ashdown Council", 1)
	m2 := docFixture(t, s, "Kingsford Council", 2)
	rng := rand.New(rand.NewPCG(1, 2))
	sig := randomSignature(rng)
	saved, err := docs.Save(ctx, document.Input{Origin: document.FromAttachment, SHA256: "a1", Type: "text", Status: "ok", Text: "t", MinHash: sig},
		document.Source{MessageID: m1, AttachmentID: 0, Filename: "a.txt"}, false)
	if err != nil {
		t.Fatal(err)
	}
	// A second source from another authority: both authorities listed.
	if _, err := docs.Save(ctx, document.Input{Origin: document.FromAttachment, SHA256: "a1", MinHash: sig},
		document.Source{MessageID: m2, Filename: "b.txt"}, false); err != nil {
		t.Fatal(err)
	}
	// A document without a signature has no bands.
	if _, err := docs.Save(ctx, document.Input{Origin: document.FromAttachment, SHA256: "a2", Type: "text", Status: "ok", Text: "short"},
		document.Source{MessageID: m1, Filename: "c.txt"}, false); err != nil {
		t.Fatal(err)
	}
	for b := 0; b < document.Bands; b++ {
		q := randomSignature(rng)
		copy(q[4*b*document.Rows:4*(b+1)*document.Rows], sig[4*b*document.Rows:])
		got, err := docs.Candidates(ctx, q)
		if err != nil || len(got) != 1 || got[0].ID != saved.DocumentID || string(got[0].MinHash) != string(sig) || len(got[0].Authorities) != 2 {
			t.Fatalf("band %d alone: %+v %v", b, got, err)
		}
	}
	if got, err := docs.Candidates(ctx, randomSignature(rng)); err != nil || len(got) != 0 {
		t.Fatalf("unrelated signature: %+v %v", got, err)
	}
	if got, err := docs.Candidates(ctx, sig[:100]); err != nil || got != nil {
		t.Fatalf("malformed signature: %+v %v", got, err)
	}
	// Re-extraction with a new signature moves the bands.
	sig2 := randomSignature(rng)
	if err := docs.UpdateExtraction(ctx, saved.DocumentID, document.Input{Type: "text", Status: "ok", Text: "t2", MinHash: sig2}); err != nil {
		t.Fatal(err)
	}
	if got, err := docs.Candidates(ctx, sig); err != nil || len(got) != 0 {
		t.Fatalf("old signature after re-extraction: %+v %v", got, err)
	}
	if got, err := docs.Candidates(ctx, sig2); err != nil || len(got) != 1 || got[0].ID != saved.DocumentID {
		t.Fatalf("new signature after re-extraction: %+v %v", got, err)
	}
	// And a re-extraction too short to sign drops them.
	if err := docs.UpdateExtraction(ctx, saved.DocumentID, document.Input{Type: "text", Status: "ok", Text: "t3"}); err != nil {
		t.Fatal(err)
	}
	if got, err := docs.Candidates(ctx, sig2); err != nil || len(got) != 0 {
		t.Fatalf("after losing the signature: %+v %v", got, err)
	}
}

// Candidates reads index ranges of document_bands and documents by id,
// never a whole table: its cost does not grow with the corpus.
func TestCandidatesQueryPlan(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	q, args := document.CandidatesQuery(document.BandKeys(randomSignature(rand.New(rand.NewPCG(3, 4)))))
	plan, err := s.QueryPlan(ctx, q, args...)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(plan, "\n")
	if strings.Count(all, "SEARCH document_bands USING PRIMARY KEY (band=? AND hash=?)") != document.Bands {
		t.Errorf("each band is not one index range:\n%s", all)
	}
	for _, p := range plan {
		if strings.HasPrefix(p, "SCAN ") {
			t.Errorf("a full scan: %q in\n%s", p, all)
		}
	}
}
