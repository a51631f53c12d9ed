package main

import "context"

// The preamble every command shares: what it needs is opened the first
// time it asks and closed by the command runner after it returns, so a
// command is only its own work.

// store opens the database once per command (see openStore).
func (e *env) store(ctx context.Context) (*stores, error) {
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

// close releases what the preamble opened.
func (e *env) close() {
	if e.st != nil {
		e.st.Close()
		e.st = nil
	}
}
