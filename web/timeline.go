package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/document"
	"foidesk/store/mail"
	"foidesk/store/results"
)

// ReviewQueuer queues the internal-review letter of a request on a
// person's word (the letters outbox's 'requests review'): the timeline's
// review form appears only when Options.Reviews has one. It returns a
// sentence saying what happened.
type ReviewQueuer interface {
	QueueReview(ctx context.Context, ref, reason, by string) (string, error)
}

// clockEntry is a request.clock_changed event: a status or due date moved.
type clockEntry struct {
	store.ClockChange
	// WorkingDays is the statutory count the due date rests on: working
	// days from the date the count runs from to the due date; 0 when none.
	WorkingDays int
	Received    string
}

// timelineEntry is one event of a request's timeline, with the message
// or fact it is about.
type timelineEntry struct {
	ID          int64
	At          time.Time
	Kind        string
	Actor       string
	Text        string // the detail in a line, for events with no richer view
	Clock       *clockEntry
	Message     *mail.MessageSummary
	Attachments []document.AttachmentDocument
	Fact        *store.RecordedFact
}

// timelineData is what the timeline page shows.
type timelineData struct {
	Request         campaign.Request
	Status          string
	DaysLate        *int
	AsOf            string
	Entries         []timelineEntry
	Facts           []string // the kinds a person may record
	Kinds           []string // message kinds, for re-triage
	Unknown, Failed bool
	Review          bool // the review form is offered
}

// timelineMessages are the notices a redirect after an action may ask
// for, by key.
var timelineMessages = map[string]string{
	"recorded":   "Recorded; the request's status and due date were derived again.",
	"undone":     "Undone; the request's status and due date were derived again without it.",
	"sent":       "Recorded as delivered at the time of the attempt; the due date runs from then.",
	"resend":     "Queued to be sent again, with the same Message-ID, by the next send.",
	"classified": "The message's kind was corrected, and the request's clock derived again.",
	"review":     "The internal-review letter is queued; the review clock starts when it is sent.",
}

// timeline shows one request: every event about it and the mail matched
// to it, in the order they happened, with the deadline changes and their
// working-day counts, and the forms for what the CLI does to a request.
func (a *App) timeline(w http.ResponseWriter, r *http.Request) {
	a.renderTimeline(w, r, http.StatusOK, timelineMessages[r.URL.Query().Get("done")])
}

func (a *App) renderTimeline(w http.ResponseWriter, r *http.Request, status int, message string) {
	ctx := r.Context()
	q, err := a.campaigns.RequestByRef(ctx, r.PathValue("ref"))
	if a.lookupFailed(w, r, err, "There is no request with that reference.") {
		return
	}
	on := a.today()
	st := a.opts.Store
	sh, err := st.Lifecycle().Show(lifecycle.Request{Regime: q.Regime, Outbox: q.OutboxState, Status: q.Status, Due: q.DueDate, RepliedOn: q.RepliedOn}, on, a.opts.Thresholds)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	late, err := results.WorkingDaysLate(st.Lifecycle(), q.Regime, q.DueDate, q.RepliedOn, on, sh.DaysLate)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	d := timelineData{Request: q, Status: sh.Status, DaysLate: late, AsOf: on.String(), Facts: lifecycle.RecordedFacts, Kinds: mail.Kinds,
		Unknown: q.OutboxState == campaign.OutboxUnknown, Failed: q.OutboxState == campaign.OutboxFailed,
		Review: a.opts.Reviews != nil && q.OutboxState == campaign.OutboxSent}
	q.RawMessage = nil
	if d.Entries, err = a.timelineEntries(ctx, q); err != nil {
		a.serverError(w, r, err)
		return
	}
	a.render(w, r, status, "timeline", page{Title: "Request " + q.Ref, Message: message, Data: d})
}

// timelineEntries reads request q's events, the messages they are about
// (with each attachment's extraction status) and the facts recorded.
func (a *App) timelineEntries(ctx context.Context, q campaign.Request) ([]timelineEntry, error) {
	st := a.opts.Store
	events, err := st.RequestEvents(ctx, q.ID)
	if err != nil {
		return nil, err
	}
	msgs, err := a.mail.RequestMessages(ctx, q.ID)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*mail.MessageSummary{}
	for i := range msgs {
		byID[msgs[i].ID] = &msgs[i]
	}
	facts, err := st.RecordedFacts(ctx, q.ID)
	if err != nil {
		return nil, err
	}
	factByEvent := map[int64]*store.RecordedFact{}
	for i := range facts {
		factByEvent[facts[i].Event] = &facts[i]
	}
	var cal *deadline.Calendar
	if reg, err := deadline.ParseRegime(q.Regime); err == nil {
		cal = st.Lifecycle().Calendar(reg)
	}
	shown := map[int64]bool{}
	out := make([]timelineEntry, 0, len(events))
	for _, ev := range events {
		e := timelineEntry{ID: ev.ID, At: ev.At, Kind: ev.Kind, Actor: actorOf(ev.Detail)}
		switch {
		case ev.Kind == store.EventClockChanged:
			var c clockEntry
			if json.Unmarshal(ev.Detail, &c.ClockChange) == nil {
				if c.Clock != nil && c.Due != nil && cal != nil {
					c.Received = c.Clock.Received
					from, err1 := deadline.ParseDate(c.Clock.Received)
					due, err2 := deadline.ParseDate(*c.Due)
					if err1 == nil && err2 == nil {
						c.WorkingDays = cal.WorkingDaysBetween(from, due)
					}
				}
				e.Clock = &c
			}
		case factByEvent[ev.ID] != nil:
			e.Fact = factByEvent[ev.ID]
		case ev.Kind == "message.recorded" && byID[ev.Subject.Message] != nil && !shown[ev.Subject.Message]:
			shown[ev.Subject.Message] = true
			e.Message = byID[ev.Subject.Message]
			if e.Attachments, err = a.docs.MessageAttachments(ctx, ev.Subject.Message); err != nil {
				return nil, err
			}
		}
		if e.Clock == nil && e.Fact == nil && e.Message == nil {
			e.Text = compactJSON(ev.Detail)
		}
		out = append(out, e)
	}
	return out, nil
}

// actorOf is who an event's detail says made the change.
func actorOf(detail json.RawMessage) string {
	var d struct {
		By         string `json:"by"`
		RecordedBy string `json:"recorded_by"`
		ResolvedBy string `json:"resolved_by"`
		Owner      string `json:"owner"`
		Dispatcher string `json:"dispatcher"`
	}
	if json.Unmarshal(detail, &d) != nil {
		return ""
	}
	for _, s := range []string{d.By, d.RecordedBy, d.ResolvedBy, d.Owner, d.Dispatcher} {
		if s != "" {
			return s
		}
	}
	return ""
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}
