package demo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"foidesk/extract"
)

// TestMain lets the test binary be the PDF worker, as foidesk is its own:
// the scanned PDF goes through the real extraction path.
func TestMain(m *testing.M) {
	if len(os.Args) == 2 && os.Args[1] == "extract-worker" {
		if err := extract.ServeWorkerStdio(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// scanLines is a scanned letter as a council sends it, with one line long
// enough to be wrapped on the page.
var scanLines = append([]string{"Royal Borough of Windsor and Maidenhead"}, append(PolicyText,
	"Recordings must not be shared on social media and must not include other families or children who are not the subject of the meeting.")...)

// newExtractor is an Extractor with the given PDF engine ("" for auto)
// and tesseract ("" to look it up, "-" for none).
func newExtractor(t testing.TB, engine, tesseract string) *extract.Extractor {
	t.Helper()
	cache := ""
	if d, err := os.UserCacheDir(); err == nil {
		cache = filepath.Join(d, "foidesk", "pdfium-test") // shared with the extract tests: the compile is paid once
	}
	x, err := extract.New(extract.Options{WorkerCommand: []string{os.Args[0], "extract-worker"}, CacheDir: cache, Engine: engine, Tesseract: tesseract})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func writeScan(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "scan.pdf")
	if err := os.WriteFile(p, ScannedPolicyPDF(scanLines...), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The scan has no text layer: neither PDF engine finds a word in it, and
// without tesseract extraction says the page waits for OCR. It is small
// and the same every time.
func TestScannedPolicyPDFHasNoText(t *testing.T) {
	a, b := ScannedPolicyPDF(scanLines...), ScannedPolicyPDF(scanLines...)
	if !bytes.Equal(a, b) {
		t.Error("two scans of the same lines differ")
	}
	if len(a) > 64<<10 {
		t.Errorf("the scan is %d bytes; a page of text should be tens of KB", len(a))
	}
	path := writeScan(t)
	for _, engine := range []string{extract.EnginePDFium, extract.EngineLedongthuc} {
		res, err := newExtractor(t, engine, "-").Extract(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		if text := strings.TrimSpace(res.Text()); text != "" || res.Type != extract.TypePDF {
			t.Errorf("%s read %q from the scan (type %s), want a PDF with no text layer", engine, text, res.Type)
		}
	}
	res, err := newExtractor(t, "", "-").Extract(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != extract.StatusNeedsOCR || !strings.Contains(res.Reason, "page 1 of 1 is a scanned image") || !strings.Contains(res.Reason, "tesseract is not installed") {
		t.Errorf("without tesseract: %s: %s", res.Status, res.Reason)
	}
}

// With tesseract, extraction OCRs the page and reads the council's name and
// the policy, the wrapped line included, give or take OCR's slips.
func TestScannedPolicyPDFOCR(t *testing.T) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tesseract is not installed, and CI=true: .ci/run must install it")
		}
		t.Skip("tesseract not installed")
	}
	res, err := newExtractor(t, "", "").Extract(context.Background(), writeScan(t))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != extract.StatusOK || len(res.Pages) != 1 || !res.Pages[0].OCR {
		t.Fatalf("OCR: %s %s %+v", res.Status, res.Reason, res.Pages)
	}
	read := map[string]bool{}
	for _, w := range words(res.Text()) {
		read[w] = true
	}
	for _, w := range words(scanLines[0]) {
		if !read[w] {
			t.Errorf("the council's name: %q not read in %q", w, res.Text())
		}
	}
	want := words(strings.Join(scanLines[1:], " "))
	var missed []string
	for _, w := range want {
		if !read[w] {
			missed = append(missed, w)
		}
	}
	if len(missed) > len(want)/10 {
		t.Errorf("OCR missed %d of %d words of the policy: %v\n%s", len(missed), len(want), missed, res.Text())
	}
}

// words is s in lower case, split at anything not a letter or digit.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// A letter longer than the page is cut at its foot, as a scanner cuts it;
// an empty one is a blank page.
func TestScannedPolicyPDFOverlong(t *testing.T) {
	long := make([]string, 500)
	for i := range long {
		long[i] = strings.Repeat("word ", i%40)
	}
	if n := len(ScannedPolicyPDF(long...)); n == 0 || n > 256<<10 {
		t.Errorf("a 500-line letter: %d bytes", n)
	}
	if !bytes.HasPrefix(ScannedPolicyPDF(), []byte("%PDF-1.4")) {
		t.Error("an empty letter is not a PDF")
	}
}

// BenchmarkScannedPolicyPDF: drawing, thresholding and deflating one page,
// and the size of the file it makes.
func BenchmarkScannedPolicyPDF(b *testing.B) {
	var n int
	for b.Loop() {
		n = len(ScannedPolicyPDF(scanLines...))
	}
	b.ReportMetric(float64(n), "pdf-bytes")
}

// BenchmarkScannedPolicyPDFOCR: what one scanned letter costs extraction,
// the PDF engine's look for a text layer, the page rendered at 300 dpi and
// tesseract's reading of it, with a warm worker.
func BenchmarkScannedPolicyPDFOCR(b *testing.B) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		b.Skip("tesseract not installed")
	}
	p := filepath.Join(b.TempDir(), "scan.pdf")
	if err := os.WriteFile(p, ScannedPolicyPDF(scanLines...), 0o600); err != nil {
		b.Fatal(err)
	}
	x := newExtractor(b, "", "")
	for b.Loop() {
		res, err := x.Extract(context.Background(), p)
		if err != nil || res.Status != extract.StatusOK {
			b.Fatalf("%v %s %s", err, res.Status, res.Reason)
		}
	}
}
