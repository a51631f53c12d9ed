package extract

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// TestMain lets the test binary be its own PDF worker, as foidesk is in
// production: the tests start "extract.test extract-worker", so the process
// boundary, the limits and the protocol are exercised for real.
func TestMain(m *testing.M) {
	if len(os.Args) == 2 {
		switch os.Args[1] {
		case "extract-worker":
			if err := ServeWorkerStdio(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			os.Exit(0)
		case "misbehaving-worker-allocate":
			// Stands in for a parser that allocates without bound, with
			// no setrlimit: only the parent's watchdog can stop it.
			var hoard [][]byte
			for {
				b := make([]byte, 8<<20)
				for i := range b {
					b[i] = 1
				}
				hoard = append(hoard, b)
			}
		case "misbehaving-worker-hang":
			// Stands in for a parser stuck in a loop.
			select {}
		case "worker-hung-in-request":
			// A worker whose request never finishes: it says when it is
			// serving one, then waits for its input to close.
			err := serveLines(os.Stdin, os.Stdout, func(workerRequest) workerResponse {
				fmt.Fprintln(os.Stderr, "serving")
				select {}
			})
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		case "prepare-engine":
			// One of several commands preparing the PDF engine at once
			// (prepare_test.go): prints each notice on a line.
			x, err := New(Options{WorkerCommand: []string{os.Args[0], "extract-worker"}, CacheDir: os.Getenv("FOIDESK_TEST_PREPARE_DIR"),
				WorkerMemoryMB: coldWorkerMB, Notice: func(s string) { fmt.Println(s) }})
			if err == nil {
				err = x.Prepare(context.Background())
				x.Close()
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			os.Exit(0)
		case "parent-of-hung-worker":
			// Starts a worker that never reads its input again, as the
			// Extractor does, prints its pid and waits to be killed.
			x, err := New(Options{WorkerCommand: []string{os.Args[0], "misbehaving-worker-hang"}})
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			w, err := x.startWorker(x.opts.WorkerMemoryMB)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			fmt.Println(w.cmd.Process.Pid)
			select {}
		}
	}
	os.Exit(m.Run())
}

// newTestExtractor returns an Extractor whose workers are this test binary.
func newTestExtractor(t testing.TB, opts Options) *Extractor {
	t.Helper()
	opts.WorkerCommand = []string{os.Args[0], "extract-worker"}
	if opts.CacheDir == "" {
		opts.CacheDir = testCacheDir()
	}
	x, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

// testCacheDir keeps PDFium's compiled code between test runs, so only the
// first run on a machine pays the compile.
func testCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return d + "/foidesk/pdfium-test"
}
