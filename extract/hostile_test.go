package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The hostile-input suite: every file here is built to hurt a parser. The
// test process is the daemon; that it finishes at all proves it survived,
// and each case asserts the status and reason a reviewer would see.

var validStatus = map[Status]bool{StatusOK: true, StatusNeedsOCR: true, StatusEncrypted: true, StatusUnsupported: true, StatusFailed: true}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustExtract(t *testing.T, x *Extractor, path string) Result {
	t.Helper()
	res, err := x.Extract(context.Background(), path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !validStatus[res.Status] {
		t.Fatalf("%s: status %q", path, res.Status)
	}
	if res.Status != StatusOK && res.Reason == "" {
		t.Fatalf("%s: status %s without a reason", path, res.Status)
	}
	return res
}

func TestZipBombStopped(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("readme.txt")
	w.Write([]byte("Open the other file."))
	w, _ = zw.Create("bomb.txt")
	zeros := make([]byte, 1<<20)
	for i := 0; i < 300; i++ { // 300 MiB of zeros, about 300 KiB compressed
		w.Write(zeros)
	}
	zw.Close()
	x := newTestExtractor(t, Options{})
	res := mustExtract(t, x, writeTemp(t, "bomb.zip", buf.Bytes()))
	if res.Status != StatusFailed || !strings.Contains(res.Reason, "bomb.txt") {
		t.Fatalf("zip bomb: %s: %s", res.Status, res.Reason)
	}
	last := res.Members[len(res.Members)-1]
	if last.Path != "bomb.txt" || !strings.Contains(last.Reason, "stopped") {
		t.Fatalf("bomb not recorded as a stopped member: %+v", res.Members)
	}
	if !strings.Contains(res.Text(), "Open the other file") {
		t.Fatalf("what was read before the bomb was lost: %q", res.Text())
	}
}

func TestZipTotalSizeAndEntryLimits(t *testing.T) {
	text := bytes.Repeat([]byte("council policy text "), 30000) // 600 KB, compresses ~100:1
	var files [][2]string
	for i := 0; i < 3; i++ {
		files = append(files, [2]string{fmt.Sprintf("part%d.txt", i), string(text)})
	}
	x := newTestExtractor(t, Options{Limits: Limits{MaxTotalBytes: 1 << 20, MaxEntries: 5}})
	res := mustExtract(t, x, writeTemp(t, "big.zip", zipOf(files...)))
	if res.Status != StatusFailed || !strings.Contains(res.Reason, "in total") {
		t.Fatalf("total limit: %s: %s", res.Status, res.Reason)
	}
	files = nil
	for i := 0; i < 6; i++ {
		files = append(files, [2]string{fmt.Sprintf("f%d.txt", i), "x"})
	}
	res = mustExtract(t, x, writeTemp(t, "many.zip", zipOf(files...)))
	if res.Status != StatusFailed || !strings.Contains(res.Reason, "entries") {
		t.Fatalf("entry limit: %s: %s", res.Status, res.Reason)
	}
}

func TestDeeplyNestedZipStopped(t *testing.T) {
	data := zipOf([2]string{"core.txt", "the innermost text"})
	for i := 0; i < 12; i++ {
		data = zipOf([2]string{fmt.Sprintf("level%d.zip", i), string(data)})
	}
	x := newTestExtractor(t, Options{})
	res := mustExtract(t, x, writeTemp(t, "nested.zip", data))
	if strings.Contains(res.Text(), "innermost") {
		t.Fatal("nesting limit not applied")
	}
	found := false
	for _, m := range res.Members {
		if strings.Contains(m.Reason, "nested more than 4 deep") {
			found = true
		}
	}
	if !found || res.Status != StatusFailed {
		t.Fatalf("nesting not recorded: %s %s %+v", res.Status, res.Reason, res.Members)
	}
}

func TestRunawayAllocationContained(t *testing.T) {
	// 627 bytes that make ledongthuc/pdf allocate until the process dies
	// ("fatal error: out of memory", which recover cannot catch).
	bomb := "testdata/pdf/GHOSTSCRIPT-698804-1-fuzzed.pdf"
	x := newTestExtractor(t, Options{Engine: EngineLedongthuc, WorkerMemoryMB: 256})
	start := time.Now()
	res := mustExtract(t, x, bomb)
	if res.Status != StatusFailed || !strings.Contains(res.Reason, "memory") {
		t.Fatalf("runaway allocation: %s: %s", res.Status, res.Reason)
	}
	t.Logf("contained in %v: %s", time.Since(start), res.Reason)
	// The next document gets a fresh worker.
	ok := mustExtract(t, x, "testdata/pdf/pdf_test.pdf")
	if ok.Status != StatusOK || !strings.Contains(ok.Text(), "This is a heading") {
		t.Fatalf("after a dead worker: %s %s %q", ok.Status, ok.Reason, ok.Text())
	}
	// The auto chain reads it with PDFium.
	auto := newTestExtractor(t, Options{})
	res = mustExtract(t, auto, bomb)
	if res.Status == StatusFailed {
		t.Fatalf("auto: %s", res.Reason)
	}
}

func TestWorkerTimeout(t *testing.T) {
	x := newTestExtractor(t, Options{WorkerTimeout: time.Millisecond})
	res := mustExtract(t, x, "testdata/pdf/simple1.pdf")
	if res.Status != StatusFailed || !strings.Contains(res.Reason, "did not finish within 1ms") {
		t.Fatalf("timeout: %s: %s", res.Status, res.Reason)
	}
}

func TestEncryptedPDFs(t *testing.T) {
	x := newTestExtractor(t, Options{})
	for _, f := range []string{"rc4-128.pdf", "aes-256.pdf"} {
		res := mustExtract(t, x, "testdata/pdf/"+f)
		if res.Status != StatusEncrypted || !strings.Contains(res.Reason, "password") {
			t.Errorf("%s: %s: %s", f, res.Status, res.Reason)
		}
	}
	// A Word 2007 document with a password to open (Apache POI test data).
	if res := mustExtract(t, x, "testdata/doc/bug53475-password-is-pass.docx"); res.Status != StatusEncrypted {
		t.Errorf("encrypted docx: %s %s", res.Status, res.Reason)
	}
	// Owner-locked (restrictions, empty user password): readable.
	res := mustExtract(t, x, "testdata/pdf/issue-625-identity-cmap.pdf")
	if res.Status != StatusOK || !strings.Contains(res.Text(), "Faktura nr FV 1/2021") {
		t.Fatalf("owner-locked PDF: %s %s %q", res.Status, res.Reason, res.Text()[:min(200, len(res.Text()))])
	}
}

func TestTruncatedPDFs(t *testing.T) {
	data, err := os.ReadFile("testdata/pdf/pdf_test.pdf")
	if err != nil {
		t.Fatal(err)
	}
	x := newTestExtractor(t, Options{})
	for _, frac := range []int{1, 10, 30, 50, 70, 90, 99} {
		n := len(data) * frac / 100
		res := mustExtract(t, x, writeTemp(t, fmt.Sprintf("cut%d.pdf", frac), data[:n]))
		t.Logf("truncated to %d%%: %s %s", frac, res.Status, res.Reason)
		// This file's trailer is at its end: truncated, neither PDFium
		// nor pdftotext can read it, and the reason must say damaged.
		if res.Status != StatusFailed || !strings.Contains(res.Reason, "damaged") {
			t.Errorf("truncated to %d%%: %s %s", frac, res.Status, res.Reason)
		}
	}
}

func TestMutatedPDFs(t *testing.T) {
	data, err := os.ReadFile("testdata/pdf/issue-625-identity-cmap.pdf")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(6))
	counts := map[Status]int{}
	for _, engine := range []string{"auto", EngineLedongthuc} {
		x := newTestExtractor(t, Options{Engine: engine, WorkerTimeout: 20 * time.Second})
		for i := 0; i < 25; i++ {
			m := append([]byte(nil), data...)
			for j := 0; j < 1+rng.Intn(20); j++ {
				m[rng.Intn(len(m))] = byte(rng.Intn(256))
			}
			res := mustExtract(t, x, writeTemp(t, fmt.Sprintf("m%s%d.pdf", engine, i), m))
			counts[res.Status]++
		}
	}
	t.Logf("mutated PDFs: %v", counts)
}

func TestEmptyUnknownAndLyingFiles(t *testing.T) {
	x := newTestExtractor(t, Options{})
	res := mustExtract(t, x, writeTemp(t, "empty.pdf", nil))
	if res.Status != StatusFailed || !strings.Contains(res.Reason, "empty") {
		t.Errorf("empty: %s %s", res.Status, res.Reason)
	}
	bin := make([]byte, 4096)
	rand.New(rand.NewSource(1)).Read(bin)
	bin[0] = 0
	res = mustExtract(t, x, writeTemp(t, "policy.docx", bin))
	if res.Status != StatusUnsupported || !strings.Contains(res.Reason, "unrecognised") {
		t.Errorf("random bytes: %s %s", res.Status, res.Reason)
	}
	res = mustExtract(t, x, "testdata/formats/lying-extension.pdf")
	if res.Type != TypeDOCX || res.Status != StatusOK {
		t.Errorf("lying extension: %s %s", res.Type, res.Status)
	}
	// A PDF header on garbage.
	res = mustExtract(t, x, writeTemp(t, "fake.pdf", []byte("%PDF-1.7\nnot really\n%%EOF\n")))
	if res.Status != StatusFailed || res.Type != TypePDF {
		t.Errorf("fake PDF: %s %s", res.Status, res.Reason)
	}
	// A damaged Office file: zip with a Word layout but broken XML.
	res = mustExtract(t, x, writeTemp(t, "broken.docx", zipOf(
		[2]string{"[Content_Types].xml", "<Types/>"},
		[2]string{"word/document.xml", "<w:document><w:body><w:p><w:t>half"},
	)))
	if res.Type != TypeDOCX || res.Status != StatusFailed {
		t.Errorf("broken docx: %s %s %s", res.Type, res.Status, res.Reason)
	}
}

// The parent's watchdog stops a worker whose resident memory passes the
// budget, even when nothing inside the worker limits it.
func TestWatchdogStopsRunawayWorker(t *testing.T) {
	x := newTestExtractor(t, Options{WorkerMemoryMB: 128})
	x.opts.WorkerCommand = []string{os.Args[0], "misbehaving-worker-allocate"}
	res := mustExtract(t, x, "testdata/pdf/simple1.pdf")
	if res.Status != StatusFailed || !strings.Contains(res.Reason, "used more than the 128 MB memory limit") {
		t.Fatalf("%s: %s", res.Status, res.Reason)
	}
}

// A worker that never answers is stopped at the wall-clock limit, and the
// next document gets a working one.
func TestHungWorkerStopped(t *testing.T) {
	x := newTestExtractor(t, Options{WorkerTimeout: 500 * time.Millisecond})
	good := x.opts.WorkerCommand
	x.opts.WorkerCommand = []string{os.Args[0], "misbehaving-worker-hang"}
	start := time.Now()
	res := mustExtract(t, x, "testdata/pdf/simple1.pdf")
	if res.Status != StatusFailed || !strings.Contains(res.Reason, "did not finish within 500ms") {
		t.Fatalf("%s: %s", res.Status, res.Reason)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
	x.opts.WorkerCommand = good
	x.opts.WorkerTimeout = 30 * time.Second
	if res := mustExtract(t, x, "testdata/pdf/simple1.pdf"); res.Status != StatusOK {
		t.Fatalf("after a hung worker: %s %s", res.Status, res.Reason)
	}
}

// An Office file is a zip too: a bomb inside a DOCX or XLSX is stopped at
// its declared size, before it is inflated.
func TestOfficeZipBombStopped(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("[Content_Types].xml")
	w.Write([]byte("<Types/>"))
	w, _ = zw.Create("word/document.xml")
	zeros := make([]byte, 1<<20)
	for i := 0; i < 64; i++ {
		w.Write(zeros)
	}
	zw.Close()
	x := newTestExtractor(t, Options{})
	res := mustExtract(t, x, writeTemp(t, "bomb.docx", buf.Bytes()))
	if res.Type != TypeDOCX || res.Status != StatusFailed || !strings.Contains(res.Reason, "zip bomb") {
		t.Fatalf("%s %s: %s", res.Type, res.Status, res.Reason)
	}
}
