package main

import (
	"context"
	"fmt"
	"os"
	"testing"

	"foidesk/extract"
)

// TestMain prepares the PDF engine in the user's cache before the tests
// run, as a first 'foidesk run' would, so that no test's stderr depends on
// whether it happened to extract the machine's first PDF. The tests of
// the preparation itself use a cache directory of their own.
func TestMain(m *testing.M) {
	if err := prepareTestPDFEngine(); err != nil {
		fmt.Fprintln(os.Stderr, "preparing the PDF engine for the tests:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func prepareTestPDFEngine() error {
	argv, err := workerCommand()
	if err != nil {
		return err
	}
	x, err := extract.New(extract.Options{WorkerCommand: argv, Notice: func(string) {},
		// The race detector more than doubles the compilation's ~350 MB.
		WorkerMemoryMB: 4096})
	if err != nil {
		return err
	}
	defer x.Close()
	return x.Prepare(context.Background())
}
