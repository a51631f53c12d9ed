package extract

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// These tests compile PDFium from nothing (seconds each, more under the
// race detector), so there are only two of them.

// coldWorkerMB is the worker budget for a compilation from nothing: the
// race detector's shadow memory more than doubles its ~350 MB.
const coldWorkerMB = 4096

// notices collects what Extractors tell the user.
type notices struct {
	mu    sync.Mutex
	lines []string
}

func (n *notices) add(s string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.lines = append(n.lines, s)
}

func (n *notices) all() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.lines...)
}

// Three preparers at once on a cold cache, two of them other processes:
// one compiles and announces it, the others wait for it; afterwards an
// Extractor reads a PDF without a word about the engine.
func TestPrepareColdCacheCompilesOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pdfium")
	var n notices
	var wg sync.WaitGroup
	outs := make([]string, 2)
	errs := make([]error, 3)
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "prepare-engine")
			cmd.Env = append(os.Environ(), "FOIDESK_TEST_PREPARE_DIR="+dir)
			cmd.Stderr = os.Stderr
			out, err := cmd.Output()
			outs[i], errs[i] = string(out), err
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		x := newTestExtractor(t, Options{CacheDir: dir, WorkerMemoryMB: coldWorkerMB, Notice: n.add})
		errs[2] = x.Prepare(context.Background())
	}()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("preparer %d: %v", i, err)
		}
	}
	all := n.all()
	for _, o := range outs {
		all = append(all, strings.Split(strings.TrimSpace(o), "\n")...)
	}
	compiles, ready := 0, 0
	for _, l := range all {
		switch {
		case l == PrepareNotice:
			compiles++
		case strings.HasPrefix(l, "the PDF engine is ready (prepared in "):
			ready++
		case l == "", strings.HasPrefix(l, "waiting while the PDF engine is prepared"):
		default:
			t.Errorf("unexpected notice %q", l)
		}
	}
	if compiles != 1 || ready != 1 {
		t.Fatalf("three preparers on a cold cache: %d compilations announced and %d finished, want 1 and 1:\n%s", compiles, ready, strings.Join(all, "\n"))
	}
	if !engineReady(dir) {
		t.Fatal("no marker after a preparation")
	}

	// Started from the cache, a worker needs little memory: a budget far
	// below the compilation's reads the PDF.
	var later notices
	x := newTestExtractor(t, Options{CacheDir: dir, WorkerMemoryMB: 128, Notice: later.add})
	res, err := x.Extract(context.Background(), filepath.Join("testdata", "pdf", "pdf_test.pdf"))
	if err != nil || res.Status != StatusOK || !strings.Contains(res.Text(), "heading") {
		t.Fatalf("extract after preparation: %v %s %q", err, res.Status, res.Reason)
	}
	if got := later.all(); len(got) != 0 {
		t.Errorf("a prepared engine was announced again: %q", got)
	}
}

// A cache directory that cannot be made costs a compilation per worker,
// said once; the PDFs are still read.
func TestPrepareUnwritableCacheDirStillExtracts(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-directory")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(file, "pdfium") // as unwritable to root as to anyone
	var n notices
	// Without a cache the first PDF's time includes the compilation,
	// which the race detector stretches past a minute on a busy machine.
	x := newTestExtractor(t, Options{CacheDir: dir, WorkerMemoryMB: coldWorkerMB, WorkerTimeout: prepareLimit, Notice: n.add})
	for _, name := range []string{"pdf_test.pdf", "simple1.pdf"} {
		res, err := x.Extract(context.Background(), filepath.Join("testdata", "pdf", name))
		if err != nil || res.Status != StatusOK || len(res.Pages) == 0 {
			t.Fatalf("%s with an unwritable cache: %v %s %q", name, err, res.Status, res.Reason)
		}
	}
	got := n.all()
	if len(got) != 1 || !strings.Contains(got[0], "the PDF engine will be compiled on every start") || !strings.Contains(got[0], dir+" is not writable") {
		t.Fatalf("notices %q, want the one warning naming %s", got, dir)
	}
}
