package main

import (
	"fmt"
	"os"

	"foidesk/extract"
)

// extractWorkerArg is the argument with which foidesk re-executes itself as
// a PDF worker (see package extract). It is caught before the command line
// is parsed: the worker is internal, speaks a JSON protocol on stdin and
// stdout, and must not load config or open the database.
const extractWorkerArg = "extract-worker"

func init() {
	if len(os.Args) == 2 && os.Args[1] == extractWorkerArg {
		if err := extract.ServeWorkerStdio(); err != nil {
			fmt.Fprintf(os.Stderr, "foidesk extract-worker: %v\n", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
}

// workerCommand is how an Extractor starts workers: this very executable.
func workerCommand() ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find foidesk's own executable for the extract worker: %w", err)
	}
	return []string{exe, extractWorkerArg}, nil
}
