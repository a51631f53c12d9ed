package extract

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"unicode/utf8"
)

// Fuzz targets, one per parser entry point. Seed corpora are committed
// under testdata/fuzz (written by TestGenerateFixtures -fixtures); run one
// with, for example:
//
//	go test ./extract -run '^$' -fuzz FuzzParseDOCX -fuzztime 60s -fuzzminimizetime 5s
//
// (The zip-based targets find new coverage often, and minimising each
// input for the default 60 seconds leaves little time for fuzzing.)

func fuzzInProcess(f *testing.F, typ string) {
	f.Fuzz(func(t *testing.T, data []byte) {
		res := parseInProcess(typ, data, testLimits())
		if !validStatus[res.Status] && res.Status != "" {
			t.Fatalf("status %q", res.Status)
		}
		for _, p := range res.Pages {
			if !utf8.ValidString(p.Text) && typ != TypeText {
				// Text from a parser must be valid UTF-8 once normalised.
				if !utf8.ValidString(Normalize(p.Text)) {
					t.Fatalf("invalid UTF-8 from %s", typ)
				}
			}
		}
	})
}

func testLimits() Limits {
	l := Limits{MaxEntryBytes: 8 << 20, MaxTotalBytes: 16 << 20, MaxSpreadsheetCells: 100000}
	l.fill()
	return l
}

func FuzzParseDOCX(f *testing.F) { fuzzInProcess(f, TypeDOCX) }
func FuzzParseODT(f *testing.F)  { fuzzInProcess(f, TypeODT) }
func FuzzParseXLSX(f *testing.F) { fuzzInProcess(f, TypeXLSX) }
func FuzzParseODS(f *testing.F)  { fuzzInProcess(f, TypeODS) }
func FuzzParseRTF(f *testing.F)  { fuzzInProcess(f, TypeRTF) }
func FuzzParseHTML(f *testing.F) { fuzzInProcess(f, TypeHTML) }
func FuzzParseCSV(f *testing.F)  { fuzzInProcess(f, TypeCSV) }
func FuzzParseText(f *testing.F) { fuzzInProcess(f, TypeText) }

func FuzzDetect(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if Detect(data) == "" {
			t.Fatal("no type")
		}
	})
}

func FuzzNormalize(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if Normalize(n) != n {
			t.Fatalf("Normalize not idempotent on %q", s)
		}
		_ = qualityProblem([]string{n})
	})
}

var (
	fuzzX    *Extractor
	fuzzOnce sync.Once
)

// FuzzExtract drives the whole entry point: detection, containers (zip,
// email) and PDFs through the worker process. The fuzzing process must
// survive whatever the worker meets.
func FuzzExtract(f *testing.F) {
	fuzzOnce.Do(func() {
		x, err := New(Options{WorkerCommand: []string{os.Args[0], "extract-worker"}, CacheDir: testCacheDir(),
			Tesseract: "-", Antiword: "-", WorkerMemoryMB: 512, Limits: testLimits()})
		if err != nil {
			f.Fatal(err)
		}
		fuzzX = x
	})
	dir := f.TempDir()
	n := 0
	var mu sync.Mutex
	f.Fuzz(func(t *testing.T, data []byte) {
		mu.Lock()
		n++
		p := filepath.Join(dir, strconv.Itoa(n))
		mu.Unlock()
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(p)
		res, err := fuzzX.Extract(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if !validStatus[res.Status] {
			t.Fatalf("status %q", res.Status)
		}
	})
}
