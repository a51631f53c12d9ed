package extract

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestWordSpacingFromPositions extracts PDFs made from a known text by
// producers that position words instead of writing space characters
// (groff/ps2pdf, pdfTeX) and compares their words with the source's: glued
// words ("fiveyears", "takemore") are missing from the source and lower
// the word-set Jaccard. testdata/spacing/README says how they were made.
func TestWordSpacingFromPositions(t *testing.T) {
	src, err := os.ReadFile("testdata/spacing/policy.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := wordSet(string(src))
	pdfs, err := filepath.Glob("testdata/spacing/*.pdf")
	if err != nil || len(pdfs) == 0 {
		t.Fatalf("no fixtures in testdata/spacing (%v)", err)
	}
	// ledongthuc/pdf, used only when PDFium fails or on request, still
	// splits and glues words in these files (its glyph positions ignore
	// Tc and Tw).
	for _, engine := range []string{"auto", EnginePDFium} {
		x := newTestExtractor(t, Options{Tesseract: "-", Engine: engine})
		for _, f := range pdfs {
			t.Run(engine+"/"+filepath.Base(f), func(t *testing.T) {
				res, err := x.Extract(context.Background(), f)
				if err != nil {
					t.Fatal(err)
				}
				got := wordSet(res.Text())
				var extra, missing []string
				for w := range got {
					if !want[w] {
						extra = append(extra, w)
					}
				}
				for w := range want {
					if !got[w] {
						missing = append(missing, w)
					}
				}
				j := jaccard(want, got)
				if j < 0.98 {
					t.Errorf("%s (%s): word Jaccard %.3f < 0.98; not in the source: %q; missing: %q", f, res.Engine, j, extra, missing)
				} else {
					t.Logf("%s (%s): word Jaccard %.3f; not in the source: %q; missing: %q", f, res.Engine, j, extra, missing)
				}
			})
		}
	}
}
