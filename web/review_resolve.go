package web

import (
	"html/template"
	"net/http"

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
	Campaign string
	Path     string
	Multiple bool
	Open     []disagreementView
	Resolved []coding.Disagreement
}

// reviewResolve lists, for an admin, the double-coded documents whose two
// codings disagree, side by side, each with a form for the final coding;
// and those already resolved.
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
	open, err := a.coding.Disagreements(ctx, c.ID, false)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	done, err := a.coding.Disagreements(ctx, c.ID, true)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	d := reviewResolveData{Campaign: c.Name, Path: reviewPath(c.Name), Multiple: cb.Choice == coding.Multiple, Resolved: done}
	h := NewHighlighter(cb.Keywords)
	for _, dis := range open {
		d.Open = append(d.Open, disagreementView{Disagreement: dis, Text: TextHTML(dis.Item.Text, h),
			Labels: labelButtons(cb, nil, nil), Outcomes: outcomeOptions(nil)})
	}
	a.render(w, r, http.StatusOK, "review_resolve", page{Title: "Resolve " + c.Name,
		Message: reviewResolveMessages[r.URL.Query().Get("done")], Data: d})
}
