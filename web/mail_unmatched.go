package web

import (
	"net/http"
	"strconv"
	"strings"

	"foidesk/store/mail"
)

// unmatchedPageSize is how many messages the unmatched page lists at once.
const unmatchedPageSize = 50

// unmatchedSnippet is how much of a message's text the list shows.
const unmatchedSnippet = 240

type unmatchedRow struct {
	mail.MessageSummary
	Snippet string
	// Suggested are the open requests of the authorities the sender's
	// address or domain belongs to: matching found several (or the
	// message came before the sender was known), so a person chooses.
	Suggested []requestChoice
}

// maxSuggested bounds the suggestions shown for one message.
const maxSuggested = 4

type unmatchedData struct {
	Rows     []unmatchedRow
	Requests requestChoices
	After    int64 // this page starts after this message id
	Next     int64 // the next page starts after this id; 0: no next page
	Undo     int64 // the message just dismissed, offered for undoing
}

// mailUnmatched lists the messages that belong to no request yet, oldest
// first, each with a form to assign it to a request (teaching foidesk its
// sender) or mark it as not related.
func (a *App) mailUnmatched(w http.ResponseWriter, r *http.Request) {
	a.renderUnmatched(w, r, http.StatusOK, mailMessages[r.URL.Query().Get("done")])
}

func (a *App) renderUnmatched(w http.ResponseWriter, r *http.Request, status int, message string) {
	q := r.URL.Query()
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	if after < 0 {
		after = 0
	}
	d := unmatchedData{After: after}
	if q.Get("done") == "dismissed" {
		d.Undo, _ = strconv.ParseInt(q.Get("undo"), 10, 64)
	}
	list, err := a.mail.Messages(r.Context(), mail.MessageFilter{Unmatched: true, AfterID: after, Limit: unmatchedPageSize + 1})
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	if len(list) > unmatchedPageSize {
		list = list[:unmatchedPageSize]
		d.Next = list[len(list)-1].ID
	}
	ids := make([]int64, len(list))
	for i, m := range list {
		ids[i] = m.ID
	}
	snippets, err := a.mail.Snippets(r.Context(), ids, unmatchedSnippet)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	senders := make([]string, len(list))
	for i, m := range list {
		senders[i] = m.From
	}
	suggested, first, err := a.senderRequests(r, senders, maxSuggested)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	if len(list) > 0 {
		if d.Requests, err = a.requestChoices(r, first); err != nil {
			a.serverError(w, r, err)
			return
		}
	}
	for _, m := range list {
		d.Rows = append(d.Rows, unmatchedRow{MessageSummary: m, Snippet: strings.Join(strings.Fields(snippets[m.ID]), " "),
			Suggested: suggested[strings.ToLower(strings.TrimSpace(m.From))]})
	}
	a.render(w, r, status, "mail_unmatched", page{Title: "Unmatched mail", Message: message, Data: d})
}
