package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"foidesk/deadline"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/document"
	"foidesk/store/mail"
)

func init() {
	register(newCommand(command{
		name:     "requests show",
		synopsis: "REF [--json] [--as-of DATE]",
		summary:  "print one request's whole timeline: every event, message and document, and each due-date change with its reason",
		help: `Shows where a request stands (its outbox state, its status on --as-of, default
today, its due date and why; once an internal review is asked for, the
review's due date), the facts a person recorded ('foidesk requests event'),
each with its event number for --undo and its note, then everything recorded
about it in the order it happened: the outbox's attempts and outcome, every
message matched to it and what triage or a person decided, every change of
its status or due date with the fact that caused it, and the documents
extracted from its mail.`,
		args: 1,
	}, requestsShow))
}

type requestsShowFlags struct {
	json bool
	asOf string
}

func (f *requestsShowFlags) define(fs *flag.FlagSet) {
	fs.BoolVar(&f.json, "json", false, "print one JSON object")
	fs.StringVar(&f.asOf, "as-of", "", "judge whether it is overdue on `DATE` (YYYY-MM-DD; default today)")
}

// requestsShow prints where request REF stands on the --as-of date, then
// its whole timeline: events, messages and documents.
func requestsShow(ctx context.Context, e *env, f *requestsShowFlags, args []string) error {
	if err := checkRequestRef(args[0]); err != nil {
		return err
	}
	day, err := e.statusDay(f.asOf)
	if err != nil {
		return err
	}
	st, err := e.readStore(ctx)
	if err != nil {
		return err
	}
	t, err := requestTimeline(ctx, st, args[0])
	if err != nil {
		return notFoundHint(err, "foidesk campaign status")
	}
	r := t.Request
	sh, err := day.show(st, r)
	if err != nil {
		return err
	}
	clock, err := st.RequestClock(ctx, r.ID)
	if err != nil {
		return err
	}
	facts, err := st.RecordedFacts(ctx, r.ID)
	if err != nil {
		return err
	}
	if facts == nil {
		facts = []store.RecordedFact{}
	}
	stage := ""
	if clock.Derived {
		stage = clock.Stage.String()
	}
	if f.json {
		out := struct {
			Request   requestStatusJSON     `json:"request"`
			Stage     string                `json:"stage,omitempty"`     // request or review, once sent
			ReviewBy  string                `json:"review_by,omitempty"` // the last day to ask for an internal review
			Facts     []store.RecordedFact  `json:"facts"`
			Campaign  string                `json:"campaign"`
			AsOf      string                `json:"as_of"`
			Events    []timelineEventJSON   `json:"events"`
			Letters   []letterJSON          `json:"letters"`
			Messages  []mail.MessageSummary `json:"messages"`
			Documents []document.Summary    `json:"documents"`
		}{Request: requestJSON(r, sh.Status, sh.DaysLate), Stage: stage, ReviewBy: clock.ReviewBy, Facts: facts, Campaign: r.Campaign, AsOf: day.on.String(),
			Events: []timelineEventJSON{}, Letters: []letterJSON{}, Messages: t.Messages, Documents: t.Documents}
		for _, l := range t.Letters {
			out.Letters = append(out.Letters, letterJSON{Kind: l.Kind, State: l.State, Queued: rfc3339(l.CreatedAt), Sent: rfc3339(l.SentAt),
				Subject: l.Subject, MessageID: l.MessageID, Why: l.CancelReason})
		}
		if out.Documents == nil {
			out.Documents = []document.Summary{}
		}
		for _, ev := range t.Events {
			out.Events = append(out.Events, timelineEventJSON{ID: ev.ID, At: rfc3339(ev.At), Kind: ev.Kind, Message: ev.Subject.Message, Detail: ev.Detail})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	w := e.stdout
	fmt.Fprintf(w, "request %s to %s (%s), campaign %s, %s\n", r.Ref, printable(r.Authority.Name), dash(printable(r.Authority.Code)), r.Campaign, strings.ToUpper(r.Regime))
	fmt.Fprintf(w, "  to:      %s, Message-ID <%s>\n", printable(r.ToEmail), printable(r.MessageID))
	fmt.Fprintf(w, "  outbox:  %s after %d attempt(s)", r.OutboxState, r.Attempts)
	if !r.SentAt.IsZero() {
		fmt.Fprintf(w, ", accepted %s", londonTime(r.SentAt))
	}
	if s := smtpSummary(r); s != "" {
		fmt.Fprintf(w, " (%s)", s)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  status:  %s on %s", sh.Status, day.on)
	switch {
	case r.DueDate != "" && stage == "review":
		fmt.Fprintf(w, "; internal review asked %s, due %s", clock.Detail.Received, r.DueDate)
	case r.DueDate != "":
		fmt.Fprintf(w, "; due %s", r.DueDate)
	}
	if r.RepliedOn != "" {
		fmt.Fprintf(w, "; replied %s", r.RepliedOn)
	}
	if sh.DaysLate != nil {
		fmt.Fprintf(w, "; %d working day(s) late", *sh.DaysLate)
	}
	fmt.Fprintln(w)
	if r.StatusReason != "" {
		fmt.Fprintf(w, "  because: %s\n", printable(r.StatusReason))
	}
	if clock.ReviewBy != "" && stage == "request" && r.Status != store.StatusWithdrawn {
		fmt.Fprintf(w, "  review:  an internal review may be asked for until %s\n", clock.ReviewBy)
	}
	if len(facts) > 0 {
		fmt.Fprintln(w, "\nrecorded facts (undo with 'foidesk requests event REF --undo EVENT'):")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, f := range facts {
			fmt.Fprintf(tw, "  #%d\t%s\t%s\t%s\n", f.Event, f.Fact, deadline.ReceiptDate(f.At), factDetail(f))
		}
		tw.Flush()
	}
	fmt.Fprintln(w, "\ntimeline (Europe/London):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, ev := range t.Events {
		fmt.Fprintf(tw, "  %s\t#%d\t%s\t%s\n", londonTime(ev.At), ev.ID, ev.Kind, eventSummary(ev))
	}
	tw.Flush()
	fmt.Fprintln(w, "\nletters after the request:")
	if len(t.Letters) == 0 {
		fmt.Fprintln(w, "  none")
	}
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, l := range t.Letters {
		when := "queued " + londonTime(l.CreatedAt)
		if !l.SentAt.IsZero() {
			when = "sent " + londonTime(l.SentAt)
		}
		fmt.Fprintf(tw, "  %s	%s	%s	%q", l.Kind, l.State, when, printable(l.Subject))
		if l.CancelReason != "" {
			fmt.Fprintf(tw, "	%s", printable(l.CancelReason))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nmessages:")
	if len(t.Messages) == 0 {
		fmt.Fprintln(w, "  none")
	}
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, m := range t.Messages {
		fmt.Fprintf(tw, "  #%d\t%s\t%s (by %s)\t%s\t%q\t<%s>\t%d attachment(s)\n", m.ID, londonTime(m.ReceivedAt), m.Kind, m.KindBy, printable(m.From), m.Subject, printable(m.MessageID), m.Attachments)
	}
	tw.Flush()
	fmt.Fprintln(w, "\ndocuments:")
	if len(t.Documents) == 0 {
		fmt.Fprintln(w, "  none")
	}
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, d := range t.Documents {
		names := []string{}
		for _, src := range d.Sources {
			names = append(names, src.Filename)
		}
		fmt.Fprintf(tw, "  #%d\t%s\t%s\t%s\t%d page(s), %d words\treview %s\n", d.ID, printable(strings.Join(names, ", ")), d.Type, d.Status, d.Pages, d.Words, dash(d.Review))
	}
	return tw.Flush()
}

// timeline is everything recorded about one request: its row, every event
// about it or about a message matched to it, those messages, and the
// documents extracted from them.
type timeline struct {
	Request   campaign.Request
	Events    []store.Event
	Letters   []campaign.Letter // chasers and internal-review letters
	Messages  []mail.MessageSummary
	Documents []document.Summary
}

// requestTimeline gathers a request's timeline, events in the order they
// happened.
func requestTimeline(ctx context.Context, st *stores, token string) (timeline, error) {
	var t timeline
	var err error
	if t.Request, err = st.campaigns.RequestByRef(ctx, token); err != nil {
		return t, err
	}
	id := t.Request.ID
	if t.Events, err = st.RequestEvents(ctx, id); err != nil {
		return t, fmt.Errorf("timeline of %s: %w", t.Request.Ref, err)
	}
	if t.Letters, err = st.campaigns.RequestLetters(ctx, id); err != nil {
		return t, err
	}
	if t.Messages, err = st.mail.RequestMessages(ctx, id); err != nil {
		return t, err
	}
	t.Documents, err = st.documents.RequestDocuments(ctx, id)
	return t, err
}

type letterJSON struct {
	Kind      string `json:"kind"`
	State     string `json:"state"`
	Queued    string `json:"queued"`
	Sent      string `json:"sent,omitempty"`
	Subject   string `json:"subject"`
	MessageID string `json:"message_id"`
	Why       string `json:"cancelled_because,omitempty"`
}

type timelineEventJSON struct {
	ID      int64           `json:"id"`
	At      string          `json:"at"`
	Kind    string          `json:"kind"`
	Message int64           `json:"message,omitempty"`
	Detail  json.RawMessage `json:"detail"`
}

// eventSummary is an event's detail in a line: the clock's changes in
// words, anything else as its compact JSON.
func eventSummary(ev store.Event) string {
	if ev.Kind == store.EventClockChanged {
		var c store.ClockChange
		if json.Unmarshal(ev.Detail, &c) == nil {
			return c.Summary()
		}
	}
	var b bytes.Buffer
	if json.Compact(&b, ev.Detail) != nil {
		return string(ev.Detail)
	}
	return b.String()
}

// factDetail is what a recorded fact says beyond its kind and date: the
// date extended to, who recorded it, its note, and whether it was undone.
func factDetail(f store.RecordedFact) string {
	var parts []string
	if f.Until != "" {
		parts = append(parts, "until "+f.Until)
	}
	parts = append(parts, "by "+printable(f.By))
	if f.Note != "" {
		parts = append(parts, fmt.Sprintf("note %q", f.Note))
	}
	if f.UndoneBy != 0 {
		parts = append(parts, fmt.Sprintf("undone by #%d", f.UndoneBy))
	}
	return strings.Join(parts, ", ")
}
