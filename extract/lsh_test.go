package extract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"foidesk/store"
	"foidesk/store/document"
	"foidesk/store/mail"
	"foidesk/store/storetest"
)

// The banded lookup (document.Store.Candidates) decides exactly as the
// exhaustive comparison with every stored signature did, document by
// document, on the shared PDF corpus and on generated model policies; and
// both are scored against the truth, the exact Jaccard similarity of the
// shingle sets. The figures go in docs/BENCHMARKS.md:
//
//	go test ./extract -run LSHMatchesExhaustive -v
func TestLSHMatchesExhaustive(t *testing.T) {
	t.Run("generated", func(t *testing.T) {
		compareLSH(t, generatedPolicies(rand.New(rand.NewPCG(11, 17))))
	})
	t.Run("corpus", func(t *testing.T) {
		texts := corpusTexts(t)
		compareLSH(t, corpusVariants(texts, rand.New(rand.NewPCG(5, 3))))
	})
}

// lshDoc is one text as an authority sent it.
type lshDoc struct {
	authority int
	text      string
}

// lshScore counts one method's decisions against the truth.
type lshScore struct{ tp, fp, fn, tn int }

func (s lshScore) precision() float64 {
	if s.tp+s.fp == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fp)
}

func (s lshScore) recall() float64 {
	if s.tp+s.fn == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fn)
}

func compareLSH(t *testing.T, docs []lshDoc) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "foidesk.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ms := mail.New(st)
	if _, err := ms.StartMailbox(ctx, "INBOX", 1); err != nil {
		t.Fatal(err)
	}
	ds := document.New(st)
	reqs := map[int]int64{}
	var sets []map[uint64]bool // exact shingle sets of the stored documents, by position
	var ids []int64
	var auths []int
	var lsh, exh lshScore
	var positives, candidates, stored int
	for i, d := range docs {
		if _, ok := reqs[d.authority]; !ok {
			name := fmt.Sprintf("Authority %d Council", d.authority)
			r, err := storetest.Send(ctx, st, storetest.SentRequest{AuthorityName: name, AuthorityEmail: fmt.Sprintf("foi@a%d.gov.uk", d.authority)})
			if err != nil {
				t.Fatal(err)
			}
			reqs[d.authority] = r.ID
		}
		raw := sha256.Sum256([]byte(fmt.Sprint(i, d.text)))
		rec, err := ms.RecordMessage(ctx, mail.NewMessage{SHA256: hex.EncodeToString(raw[:]), Size: 1,
			Loc: mail.Location{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1)},
			Derived: mail.Derived{HeaderMessageID: fmt.Sprintf("m%d@test", i), FromAddr: "foi@test", Subject: "Re: request",
				RequestID: reqs[d.authority], MatchedBy: "test", Kind: mail.KindResponse, KindReason: "test"}})
		if err != nil {
			t.Fatal(err)
		}
		auth, err := ds.MessageAuthority(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		sig := MinHash(d.text)
		set := shingleSet(d.text)
		var lshID, exhID int64
		var lshSim, exhSim float64
		if sig != nil {
			all, err := ds.Signatures(ctx)
			if err != nil {
				t.Fatal(err)
			}
			exhID, exhSim = mostSimilar(sig, all, 0, auth)
			cands, err := ds.Candidates(ctx, sig)
			if err != nil {
				t.Fatal(err)
			}
			candidates += len(cands)
			stored += len(all)
			lshID, lshSim = mostSimilar(sig, cands, 0, auth)
		}
		if lshID != exhID || lshSim != exhSim {
			t.Errorf("document %d: banded lookup found %d (%.3f), exhaustive %d (%.3f)", i, lshID, lshSim, exhID, exhSim)
		}
		// The truth: an earlier document from another authority whose
		// shingle set is at least SimilarEnough alike.
		truly := map[int64]bool{}
		if set != nil {
			for j, other := range sets {
				if other != nil && auths[j] != d.authority && exactJaccard(set, other) >= SimilarEnough {
					truly[ids[j]] = true
				}
			}
		}
		if len(truly) > 0 {
			positives++
		}
		lsh.add(lshID, truly)
		exh.add(exhID, truly)
		saved, err := ds.Save(ctx, document.Input{Origin: document.FromBody, SHA256: hex.EncodeToString(raw[:]), Type: "text", Status: "ok",
			Text: d.text, MinHash: sig, SimilarTo: lshID, Similarity: lshSim}, document.Source{MessageID: rec.ID, Filename: "(message body)"}, false)
		if err != nil {
			t.Fatal(err)
		}
		sets, ids, auths = append(sets, set), append(ids, saved.DocumentID), append(auths, d.authority)
	}
	if lsh.precision() < exh.precision() || lsh.recall() < exh.recall() {
		t.Errorf("banded lookup precision %.3f recall %.3f, below the exhaustive check's %.3f %.3f", lsh.precision(), lsh.recall(), exh.precision(), exh.recall())
	}
	if positives == 0 {
		t.Fatal("no near-duplicates in the set: it tests nothing")
	}
	t.Logf("%d documents, %d with a near-duplicate (exact Jaccard ≥ %.2f, another authority); candidates read: banded %d, exhaustive %d",
		len(docs), positives, SimilarEnough, candidates, stored)
	t.Logf("exhaustive: precision %.3f recall %.3f (tp %d fp %d fn %d)", exh.precision(), exh.recall(), exh.tp, exh.fp, exh.fn)
	t.Logf("banded:     precision %.3f recall %.3f (tp %d fp %d fn %d)", lsh.precision(), lsh.recall(), lsh.tp, lsh.fp, lsh.fn)
}

// add scores one decision: found is the document flagged (0: none),
// truly the documents it should be one of.
func (s *lshScore) add(found int64, truly map[int64]bool) {
	switch {
	case found != 0 && truly[found]:
		s.tp++
	case found != 0:
		s.fp++
		if len(truly) > 0 {
			s.fn++
		}
	case len(truly) > 0:
		s.fn++
	default:
		s.tn++
	}
}

func exactJaccard(a, b map[uint64]bool) float64 {
	both := 0
	for h := range a {
		if b[h] {
			both++
		}
	}
	return float64(both) / float64(len(a)+len(b)-both)
}

// generatedPolicies makes model policies as councils send them back:
// each model's first copy, then copies from other councils with the
// council's name, the dates and one paragraph changed; revisions with
// half the paragraphs rewritten (a different policy); the same council's
// own second copy (not a shared model); and unrelated policies. Lengths
// vary from 5 to 60 paragraphs, so the changed share of a copy, and with
// it the similarity, spreads either side of the threshold.
func generatedPolicies(rng *rand.Rand) []lshDoc {
	vocab := make([]string, 4000)
	syll := []string{"ac", "ber", "con", "da", "el", "for", "gra", "hen", "is", "jor", "ka", "lin", "mo", "nor", "ol", "pre", "qui", "ra", "sta", "tor", "um", "ver", "wes", "yan"}
	for i := range vocab {
		w := ""
		for n := 2 + rng.IntN(3); n > 0; n-- {
			w += syll[rng.IntN(len(syll))]
		}
		vocab[i] = w
	}
	paragraph := func() string {
		var b strings.Builder
		for n := 30 + rng.IntN(50); n > 0; n-- {
			b.WriteString(vocab[rng.IntN(len(vocab))])
			b.WriteByte(' ')
		}
		return b.String()
	}
	type model struct{ paras []string }
	render := func(m model, council string, year int) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%s policy on recording meetings, adopted 1 April %d.\n\n", council, year)
		for i, p := range m.paras {
			if i%7 == 3 {
				fmt.Fprintf(&b, "%s will review this section by 31 March %d. ", council, year+2)
			}
			b.WriteString(p)
			b.WriteString("\n\n")
		}
		return b.String()
	}
	var docs []lshDoc
	nextAuthority := 0
	council := func() (int, string) {
		nextAuthority++
		return nextAuthority, fmt.Sprintf("Council %d of Somewhere", nextAuthority)
	}
	for k := 0; k < 60; k++ {
		m := model{}
		for n := 5 + rng.IntN(56); n > 0; n-- {
			m.paras = append(m.paras, paragraph())
		}
		a, name := council()
		docs = append(docs, lshDoc{a, render(m, name, 2020)})
		for c := 1 + rng.IntN(3); c > 0; c-- {
			v := model{paras: append([]string(nil), m.paras...)}
			v.paras[rng.IntN(len(v.paras))] = paragraph()
			b, name := council()
			docs = append(docs, lshDoc{b, render(v, name, 2020+rng.IntN(5))})
		}
		switch k % 4 {
		case 1: // a revision: half rewritten
			v := model{paras: append([]string(nil), m.paras...)}
			for i := range v.paras {
				if i%2 == 0 {
					v.paras[i] = paragraph()
				}
			}
			b, name := council()
			docs = append(docs, lshDoc{b, render(v, name, 2023)})
		case 2: // the first council's own second copy
			docs = append(docs, lshDoc{a, render(m, fmt.Sprintf("Council %d of Somewhere", a), 2021)})
		}
	}
	for k := 0; k < 60; k++ { // unrelated policies
		m := model{}
		for n := 5 + rng.IntN(56); n > 0; n-- {
			m.paras = append(m.paras, paragraph())
		}
		a, name := council()
		docs = append(docs, lshDoc{a, render(m, name, 2019)})
	}
	rng.Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] })
	return docs
}

// corpusTexts reads pdftotext's text of every PDF in the shared corpus
// (the corpus benchmark's MANIFEST.tsv and reference/).
func corpusTexts(t *testing.T) []string {
	dir := *corpusDir
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", dir)
	}
	manifest := filepath.Join(dir, "MANIFEST.tsv")
	if _, err := os.Stat(manifest); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CORPUS ABSENT: %s (%v); the comparison needs ../shared/corpus/pdf next to the repository", manifest, err)
		}
		t.Skipf("corpus absent: %v", err)
	}
	var out []string
	for _, f := range readManifest(t, manifest) {
		b, err := os.ReadFile(filepath.Join(dir, "reference", f+".txt"))
		if err == nil && len(b) > 0 {
			out = append(out, string(b))
		}
	}
	return out
}

// corpusVariants sends each corpus text from its own authority and, for
// every third, a copy from another authority with its years changed and one stretch of between a tenth and a fortieth of its words
// replaced (a paragraph, at the scale of the text).
func corpusVariants(texts []string, rng *rand.Rand) []lshDoc {
	var docs []lshDoc
	for i, text := range texts {
		docs = append(docs, lshDoc{i + 1, text})
		if i%3 != 0 {
			continue
		}
		words := strings.Fields(text)
		for j, w := range words {
			if y, err := strconv.Atoi(w); err == nil && y >= 1900 && y < 2100 {
				words[j] = fmt.Sprint(y + 1 + rng.IntN(5))
			}
		}
		if n := len(words) / (10 + rng.IntN(31)); n > 0 {
			at := rng.IntN(len(words) - n)
			for j := at; j < at+n; j++ {
				words[j] = fmt.Sprintf("changed%d", rng.IntN(100000))
			}
		}
		docs = append(docs, lshDoc{len(texts) + i + 1, strings.Join(words, " ")})
	}
	return docs
}
