package extract

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needTool skips when a program is missing, except in CI, where .ci/run
// installs it and a missing tool is a failure.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed, and CI=true: .ci/run must install it", name)
		}
		t.Skipf("%s not installed", name)
	}
}

// A scanned page (a JBIG2 image, no text layer) is rendered by PDFium in
// the worker and read by tesseract.
func TestOCRScannedPage(t *testing.T) {
	needTool(t, "tesseract")
	x := newTestExtractor(t, Options{})
	res := mustExtract(t, x, "testdata/pdf/pdf-with-jbig2.pdf")
	if res.Status != StatusOK || len(res.Pages) != 1 || !res.Pages[0].OCR {
		t.Fatalf("OCR: %s %s %+v", res.Status, res.Reason, res.Pages)
	}
	if !strings.Contains(res.Text(), "Doesn") {
		t.Fatalf("OCR text: %q", res.Text())
	}
	if res.Timings.OCR == 0 || !strings.Contains(strings.Join(res.Notes, " "), "OCRed with tesseract") {
		t.Fatalf("OCR not recorded: %+v %v", res.Timings, res.Notes)
	}
}

// Without tesseract the document says so, never silently empty.
func TestScannedPageWithoutOCR(t *testing.T) {
	x := newTestExtractor(t, Options{Tesseract: "-"})
	res := mustExtract(t, x, "testdata/pdf/pdf-with-jbig2.pdf")
	if res.Status != StatusNeedsOCR || !strings.Contains(res.Reason, "page 1 of 1 is a scanned image") || !strings.Contains(res.Reason, "tesseract") {
		t.Fatalf("%s: %s", res.Status, res.Reason)
	}
}

// A language tesseract lacks fails that page visibly.
func TestOCRMissingLanguage(t *testing.T) {
	needTool(t, "tesseract")
	x := newTestExtractor(t, Options{OCRLanguage: "xxx"})
	res := mustExtract(t, x, "testdata/pdf/pdf-with-jbig2.pdf")
	if res.Status != StatusNeedsOCR || !strings.Contains(res.Reason, "OCR failed") {
		t.Fatalf("%s: %s", res.Status, res.Reason)
	}
}

// Legacy Word: without antiword the reason says what to install; with it,
// an OLE2 file that is not Word is unsupported with that reason.
func TestLegacyDoc(t *testing.T) {
	ole := append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), make([]byte, 4096)...)
	p := writeTemp(t, "old.doc", ole)
	x := newTestExtractor(t, Options{Antiword: "-"})
	res := mustExtract(t, x, p)
	if res.Status != StatusUnsupported || !strings.Contains(res.Reason, "antiword is not installed") {
		t.Fatalf("without antiword: %s: %s", res.Status, res.Reason)
	}
	needTool(t, "antiword")
	x = newTestExtractor(t, Options{})
	res = mustExtract(t, x, p)
	if res.Status == StatusOK || res.Engine != EngineAntiword {
		t.Fatalf("not-Word OLE2 with antiword: %s %s: %s", res.Status, res.Engine, res.Reason)
	}
	// Real Word 97 files (Apache POI's test data, testdata/doc/MANIFEST.tsv).
	res = mustExtract(t, x, "testdata/doc/simple-table.doc")
	want := "Cell 1,1\tCell 1,2\tCell 1,3\nCell 2,1\tCell 2,2\tCell 2,3"
	if res.Status != StatusOK || res.Type != TypeDoc || !strings.Contains(res.Text(), want) || !strings.Contains(res.Text(), "This text is below the table.") {
		t.Fatalf("simple-table.doc: %s %s %q", res.Status, res.Reason, res.Text())
	}
	res = mustExtract(t, x, "testdata/doc/password_password_cryptoapi.doc")
	if res.Status != StatusEncrypted {
		t.Fatalf("password-protected .doc: %s %s", res.Status, res.Reason)
	}
}

// An image attachment (a photographed or scanned letter sent as PNG) is
// OCRed directly. The PNG is made by the worker's own page renderer.
func TestOCRImageFile(t *testing.T) {
	needTool(t, "tesseract")
	x := newTestExtractor(t, Options{})
	abs, _ := filepath.Abs("testdata/pdf/pdf-with-jbig2.pdf")
	png := filepath.Join(t.TempDir(), "letter.png")
	if _, err := x.do(context.Background(), workerRequest{Op: "render", Path: abs, Page: 1, DPI: 300, Out: png}); err != nil {
		t.Fatal(err)
	}
	res := mustExtract(t, x, png)
	if res.Type != TypeImage || res.Status != StatusOK || res.Engine != EngineTesseract || !strings.Contains(res.Text(), "Doesn") {
		t.Fatalf("%s %s %s %s %q", res.Type, res.Status, res.Engine, res.Reason, res.Text())
	}
	x2 := newTestExtractor(t, Options{Tesseract: "-"})
	if res := mustExtract(t, x2, png); res.Status != StatusNeedsOCR {
		t.Fatalf("without tesseract: %s %s", res.Status, res.Reason)
	}
}
