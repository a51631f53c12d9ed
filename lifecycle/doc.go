// Package lifecycle decides where a request stands: from what happened to it
// (delivered, bounced, acknowledged, asked to clarify, a fee, an extension,
// answered, withdrawn) to its status and statutory due date, through the
// deadline engine. It is pure: the store reads the facts, calls Derive in the
// transaction that changed one of them, and writes the answer back, so every
// path that records a fact agrees on the clock.
//
// Two vocabularies meet here. The stored status is what the facts make of a
// sent request (awaiting-response, not-delivered, awaiting-clarification,
// fee-pending, replied, withdrawn). The status users see (Show) adds the
// outbox's word for a request not yet sent, or whose sending went wrong
// (draft, sending, failed, unknown), and says overdue or very-overdue when
// the due date has passed on the day asked about.
package lifecycle
