package extract

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkPDFEngine measures what the PDF engine costs a command:
//
//	cold:  preparing it in an empty cache directory (the compilation), with
//	       the preparing worker's peak resident memory;
//	warm-worker: starting a worker on a prepared cache, up to PDFium
//	       answering (process start and instantiation from the cache);
//	warm-small-pdf: a new Extractor reading a one-page PDF, worker start
//	       included, as one 'foidesk extract' does.
//
// go test ./extract -run '^$' -bench PDFEngine -benchtime 3x
func BenchmarkPDFEngine(b *testing.B) {
	ctx := context.Background()
	b.Run("cold", func(b *testing.B) {
		var hwm int64
		for i := 0; i < b.N; i++ {
			x := newTestExtractor(b, Options{CacheDir: filepath.Join(b.TempDir(), "pdfium"), Notice: func(string) {}})
			if err := x.Prepare(ctx); err != nil {
				b.Fatal(err)
			}
			hwm = max(hwm, workerHWM(b, x))
			x.Close()
		}
		b.ReportMetric(float64(hwm)/(1<<20), "peak-MB")
	})
	warm := filepath.Join(b.TempDir(), "pdfium")
	if err := newTestExtractor(b, Options{CacheDir: warm, Notice: func(string) {}}).Prepare(ctx); err != nil {
		b.Fatal(err)
	}
	b.Run("warm-worker", func(b *testing.B) {
		var hwm int64
		for i := 0; i < b.N; i++ {
			x := newTestExtractor(b, Options{CacheDir: warm})
			if _, err := x.do(ctx, workerRequest{Op: "ping"}); err != nil {
				b.Fatal(err)
			}
			hwm = max(hwm, workerHWM(b, x))
			x.Close()
		}
		b.ReportMetric(float64(hwm)/(1<<20), "peak-MB")
	})
	b.Run("warm-small-pdf", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			x := newTestExtractor(b, Options{CacheDir: warm})
			res, err := x.Extract(ctx, filepath.Join("testdata", "pdf", "pdf_test.pdf"))
			if err != nil || res.Status != StatusOK {
				b.Fatal(err, res.Reason)
			}
			x.Close()
		}
	})
}

// workerHWM is the running worker's peak resident memory (VmHWM).
func workerHWM(b *testing.B, x *Extractor) int64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.w == nil {
		b.Fatal("no worker")
	}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(x.w.cmd.Process.Pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	b.Fatal("no VmHWM")
	return 0
}
