// Package lifecycle decides where a request stands: from what happened to
// it (delivered, bounced, acknowledged, asked to clarify, a fee, an
// extension, answered, an internal review asked for, withdrawn) to its
// status and statutory due date, through the deadline engine. It is pure:
// the store reads the facts, calls Derive in the transaction that changed
// one of them, and writes the answer back, so every path that records a
// fact agrees on the clock.
//
// Two vocabularies meet here. The stored status is what the facts make of
// a sent request (awaiting-response, not-delivered, extended,
// awaiting-clarification, fee-pending, awaiting-review, replied,
// withdrawn). The status users see (Show) adds the outbox's word for a
// request not yet sent, or whose sending went wrong (draft, sending,
// failed, unknown), and says due-soon, overdue or very-overdue (or
// extension-overdue, review-overdue) around the due date on the day asked
// about.
//
// A fact arrives by mail (a message matched to the request, its kind
// decided by triage or a person) or is recorded by a person (Recorded):
// either way it is the same event for the engine, so a clarification asked
// for by post and answered later stops and restarts the clock exactly as
// one asked for by email.
package lifecycle
