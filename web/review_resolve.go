package web

import (
	"html/template"
	"net/http"
	"strconv"

	"foidesk/store/coding"
)

// reviewResolveMessages are the resolve page's notices, by key.
var reviewResolveMessages = map[string]string{
	"resolved": "Resolved. The final coding is recorded.",
	"invalid":  "That resolution was not recorded: choose a label of the codebook, a listed outcome, and an http(s) address for where the information is published.",
	"settled":  "That document's codings do not disagree, so there was nothing to resolve.",
	"gone":     "That document is not in this campaign's queue.",
}

// disagreementView is one disputed document with the two codings side by
// side and the form for the final one.
type disagreementView struct {
	coding.Disagreement
	Text     template.HTML
	Labels   []reviewLabel
	Outcomes []outcomeOption
}

// reviewResolveData is what the resolve page shows.
type reviewResolveData struct {
	Campaign     string
	Path         string
	Multiple     bool
	Open         []disagreementView
	Resolved     []coding.Disagreement
	After        int64 // the waiting disputes shown start after this review id
	Next         int64 // the next page of waiting disputes starts after this; 0: none
	ResolvedNext int64 // the same for the resolved ones
}

// The resolve page's page sizes: each waiting dispute carries its
// document's text, so few at a time; the resolved ones are a table row each.
const (
	resolvePageSize  = 20
	resolvedPageSize = 100
)

// queryID is a positive id from the query string, 0 when absent or not one.
func queryID(r *http.Request, name string) int64 {
	id, err := strconv.ParseInt(r.URL.Query().Get(name), 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}

// reviewResolve lists, for an admin, the double-coded documents whose two
// codings disagree, side by side, each with a form for the final coding;
// and those already resolved. Both lists come a page at a time
// (?after=, ?resolved_after=: review ids), so a campaign with thousands
// of disputes costs a page what it shows.
func (a *App) reviewResolve(w http.ResponseWriter, r *http.Request) {
	c, ok := a.reviewCampaign(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	cb, err := a.coding.Codebook(ctx, c.ID)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	after := queryID(r, "after")
	open, next, err := a.coding.Disagreements(ctx, c.ID, false, after, resolvePageSize)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	done, doneNext, err := a.coding.Disagreements(ctx, c.ID, true, queryID(r, "resolved_after"), resolvedPageSize)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	d := reviewResolveData{Campaign: c.Name, Path: reviewPath(c.Name), Multiple: cb.Choice == coding.Multiple, Resolved: done,
		After: after, Next: next, ResolvedNext: doneNext}
	h := NewHighlighter(cb.Keywords)
	for _, dis := range open {
		d.Open = append(d.Open, disagreementView{Disagreement: dis, Text: TextHTML(dis.Item.Text, h),
			Labels: labelButtons(cb, nil, nil), Outcomes: outcomeOptions(nil)})
	}
	a.render(w, r, http.StatusOK, "review_resolve", page{Title: "Resolve " + c.Name,
		Message: reviewResolveMessages[r.URL.Query().Get("done")], Data: d})
}
