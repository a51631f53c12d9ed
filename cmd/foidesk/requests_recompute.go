package main

import (
	"context"
	"fmt"
	"io"

	"foidesk/store"
)

func init() {
	register(newCommand(command{
		name:    "requests recompute",
		summary: "derive every open request's status and due date again from its events",
		help: `Each request's statutory clock is derived from what happened to it: its
delivery, bounces, acknowledgements, clarification requests a person
confirmed, what a person recorded with 'foidesk requests event' (a
clarification and its answer, fees, extensions, a response by post, an
internal review, a withdrawal), and the authority's responses,
counted with the calendar of the authority's regime ([deadline] holidays_file
and receipt_rule apply). foidesk does this whenever one of those facts
changes; run this after changing the holidays file or the receipt rule.

Only requests whose status or due date change are written, each with a
request.clock_changed event; running it twice changes nothing the second
time. Requests not yet sent have no clock and are left alone.`,
	}, requestsRecompute))
}

// requestsRecompute derives every open request's status and due date again
// from its events.
func requestsRecompute(ctx context.Context, e *env, _ *noFlags, _ []string) error {
	st, err := e.store(ctx)
	if err != nil {
		return err
	}
	var progress func(store.RecomputeStats, int)
	if isTerminal(e.stdout) {
		progress = recomputeProgress(e.stdout)
	}
	stats, err := st.RecomputeClocksProgress(ctx, progress)
	if progress != nil {
		fmt.Fprint(e.stdout, "\r\033[K")
	}
	fmt.Fprintf(e.stdout, "%d request clock(s) derived, %d changed\n", stats.Requests, stats.Changed)
	return err
}

// recomputeProgress redraws, in place on terminal w, how many of the sent
// requests have been derived and how many changed.
func recomputeProgress(w io.Writer) func(store.RecomputeStats, int) {
	return func(done store.RecomputeStats, total int) {
		fmt.Fprintf(w, "\rrecomputing: %d/%d request(s), %d changed", done.Requests, max(total, done.Requests), done.Changed)
	}
}
