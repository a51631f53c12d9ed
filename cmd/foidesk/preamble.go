package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"foidesk/extract"
	"foidesk/ref"
	"foidesk/store"
)

// The preamble every command shares: what it needs is opened the first
// time it asks and closed by the command runner after it returns, so a
// command is only its own work.

// store opens the database once per command (see openStore).
func (e *env) store(ctx context.Context) (*stores, error) {
	if e.st != nil && e.stReadOnly {
		return nil, errors.New("internal error: the command opened the database for reading, then asked to write")
	}
	if e.st != nil {
		return e.st, nil
	}
	st, err := e.openStore(ctx)
	if err != nil {
		return nil, err
	}
	e.st = st
	return st, nil
}

// readStore opens the database for reading only, for commands that only
// look: a database the user may read but not write can still be listed,
// and a typo in --db is "no such file", never a new empty database.
func (e *env) readStore(ctx context.Context) (*stores, error) {
	if e.st != nil {
		return e.st, nil
	}
	st, err := e.openStores(ctx, true)
	if err != nil {
		return nil, err
	}
	e.st, e.stReadOnly = st, true
	return st, nil
}

// extractor builds the text extractor once per command, with PDF engine
// engine (a later call returns the same one); closing it stops its worker.
func (e *env) extractor(engine string) (*extract.Extractor, error) {
	if e.x != nil {
		return e.x, nil
	}
	x, err := newExtractor(e, engine)
	if err != nil {
		return nil, err
	}
	e.x = x
	return x, nil
}

// close releases what the preamble opened: the extractor's worker, then
// the database.
func (e *env) close() {
	if e.x != nil {
		e.x.Close()
		e.x = nil
	}
	if e.st != nil {
		e.st.Close()
		e.st = nil
	}
}

// newExtractor builds an Extractor from the [extract] config section.
func newExtractor(e *env, engine string) (*extract.Extractor, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	argv, err := workerCommand()
	if err != nil {
		return nil, err
	}
	return extract.New(extract.Options{
		WorkerCommand:  argv,
		WorkerTimeout:  cfg.Extract.WorkerTimeout.Duration,
		WorkerMemoryMB: cfg.Extract.WorkerMemoryMB,
		Engine:         engine,
		OCRLanguage:    cfg.Extract.OCRLanguage,
		Logger:         e.log,
		Notice:         e.pdfNotice,
	})
}

// pdfNotice tells the user about the PDF engine's one-time preparation, or
// that it cannot be kept: a line on stderr, or a log record under run.
// Each is said once per process, though run builds an Extractor for every
// extraction pass.
func (e *env) pdfNotice(msg string) {
	e.noticeMu.Lock()
	defer e.noticeMu.Unlock()
	if e.noticed[msg] {
		return
	}
	if e.noticed == nil {
		e.noticed = map[string]bool{}
	}
	e.noticed[msg] = true
	if e.noticesToLog {
		e.log.Info(msg)
		return
	}
	fmt.Fprintf(e.stderr, "foidesk: %s\n", msg)
}

// preparePDFEngine compiles the PDF engine into its cache now, if it is
// not there yet, so that the first PDF does not wait for it. The
// compilation is done by a worker process, which exits afterwards.
func preparePDFEngine(ctx context.Context, e *env) error {
	x, err := newExtractor(e, "auto")
	if err != nil {
		return err
	}
	defer x.Close()
	return x.Prepare(ctx)
}

// What several commands check of their arguments, and say about what they
// could not find.

// checkRequestRef refuses an argument that is not a request reference
// before anything is opened.
func checkRequestRef(arg string) error {
	if !ref.Valid(arg) {
		return usagef("%q is not a request reference (8 characters, e.g. 7K3M9QX1; check the last one)", arg)
	}
	return nil
}

// messageIDArg reads a stored message's ID from an argument.
func messageIDArg(arg string) (int64, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return 0, usagef("message ID must be a positive number, not %q", arg)
	}
	return id, nil
}

// notFoundHint says where to look when what a command was given is not
// stored (store.ErrNotFound): 'see' is the command that lists it. Other
// errors are returned as they are.
func notFoundHint(err error, see string) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%v (see '%s')", err, see)
	}
	return err
}
