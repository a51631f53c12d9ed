package extract

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/formats/*.golden from the current output")

// TestGoldenFormats extracts every fixture in testdata/formats and compares
// type, status, engine, members and text with its .golden file.
func TestGoldenFormats(t *testing.T) {
	x := newTestExtractor(t, Options{Tesseract: "-"})
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".golden") {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			res, err := x.Extract(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			got := describe(res)
			golden := f + ".golden"
			if *updateGolden {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s:\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
	if n < 10 {
		t.Fatalf("only %d fixtures in %s", n, fixtureDir)
	}
}

// describe renders a result for golden comparison, without timings.
func describe(r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "type: %s\nstatus: %s\nengine: %s\nreason: %s\n", r.Type, r.Status, r.Engine, r.Reason)
	for _, m := range r.Members {
		fmt.Fprintf(&b, "member: %s %s %s %s %d\n", m.Path, m.Type, m.Status, m.Engine, m.Pages)
	}
	for _, p := range r.Pages {
		fmt.Fprintf(&b, "--- page %d %s ocr=%v\n%s\n", p.Number, p.Origin, p.OCR, p.Text)
	}
	return b.String()
}
