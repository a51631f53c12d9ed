package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"

	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/coding"
)

// reviewMessages are the notices a redirect to the review page may ask
// for, by key.
var reviewMessages = map[string]string{
	"coded":    "Coded. Here is the next document.",
	"applied":  "Coded as the same model policy was. Here is the next document.",
	"skipped":  "Skipped: it goes to the end of your queue, and anyone else may take it now.",
	"invalid":  "That coding was not recorded: choose a label of the codebook (several only if the codebook allows), a listed outcome, and an http(s) address for where the information is published.",
	"full":     "That document had meanwhile been coded by as many reviewers as the campaign needs, so your coding was not recorded.",
	"resolved": "An admin has resolved that document's coding, and a resolution is final, so your coding was not recorded.",
	"gone":     "That document is not in this campaign's queue.",
}

// reviewLabel is a codebook label as a button.
type reviewLabel struct {
	coding.Label
	Suggested bool
	Chosen    bool // in the coding being changed
}

// reviewData is what the review page shows.
type reviewData struct {
	Campaign     string
	Path         string // /review/CAMPAIGN, escaped
	Item         *coding.Item
	Text         template.HTML
	Multiple     bool
	DoubleCoding bool
	Labels       []reviewLabel
	Suggestion   *coding.Suggestion
	Outcomes     []outcomeOption
	Similar      *similarPolicy
	Remaining    int
}

// outcomeOption is one choice of the outcome field.
type outcomeOption struct {
	Value, Name string
	Selected    bool
}

// similarPolicy is the near-duplicate a document was flagged as, with the
// coding to apply in one click when it has one.
type similarPolicy struct {
	DocumentID int64
	Percent    int
	Coding     *coding.Coding
}

// review shows the signed-in reviewer their next document of a campaign,
// claiming it for them, or the page saying nothing is left.
func (a *App) review(w http.ResponseWriter, r *http.Request) {
	c, ok := a.reviewCampaign(w, r)
	if !ok {
		return
	}
	cur, _ := sessionOf(r)
	ctx := r.Context()
	it, err := a.coding.Next(ctx, c.ID, cur.session.User, coding.DefaultLease)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	cb, err := a.coding.Codebook(ctx, c.ID)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	remaining, err := a.coding.Remaining(ctx, c.ID)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	d := reviewData{Campaign: c.Name, Path: reviewPath(c.Name), Item: it, Multiple: cb.Choice == coding.Multiple,
		DoubleCoding: cb.DoubleCoding, Remaining: remaining}
	message := reviewMessages[r.URL.Query().Get("done")]
	if it == nil {
		a.render(w, r, http.StatusOK, "review", page{Title: "Review " + c.Name, Message: message, Data: d})
		return
	}
	d.Text = TextHTML(it.Text, NewHighlighter(cb.Keywords))
	if s, ok := cb.Suggest(it.Text); ok {
		d.Suggestion = &s
	}
	d.Labels = labelButtons(cb, d.Suggestion, it.Mine)
	d.Outcomes = outcomeOptions(it.Mine)
	if it.SimilarTo != 0 {
		sp := &similarPolicy{DocumentID: it.SimilarTo, Percent: int(it.Similarity*100 + 0.5)}
		if f, ok, err := a.coding.Final(ctx, c.ID, it.SimilarTo); err != nil {
			a.serverError(w, r, err)
			return
		} else if ok {
			sp.Coding = &f
		}
		d.Similar = sp
	}
	a.render(w, r, http.StatusOK, "review", page{Title: "Review " + c.Name, Message: message, Data: d})
}

// labelButtons lists the codebook's labels, marking the suggested one and
// those of the coding being changed.
func labelButtons(cb coding.Codebook, s *coding.Suggestion, mine *coding.Coding) []reviewLabel {
	out := make([]reviewLabel, len(cb.Labels))
	for i, l := range cb.Labels {
		out[i] = reviewLabel{Label: l, Suggested: s != nil && s.Label == l.Name}
		if mine != nil {
			for _, m := range mine.Labels {
				out[i].Chosen = out[i].Chosen || m == l.Name
			}
		}
	}
	return out
}

func outcomeOptions(mine *coding.Coding) []outcomeOption {
	out := make([]outcomeOption, len(coding.Outcomes))
	for i, o := range coding.Outcomes {
		out[i] = outcomeOption{Value: o.Value, Name: o.Name, Selected: mine != nil && mine.Outcome == o.Value}
	}
	return out
}

// reviewCampaign is the campaign a review route names, or a 404 page.
func (a *App) reviewCampaign(w http.ResponseWriter, r *http.Request) (campaign.Campaign, bool) {
	c, err := a.campaigns.ByName(r.Context(), r.PathValue("campaign"))
	if a.lookupFailed(w, r, err, "There is no such campaign.") {
		return c, false
	}
	return c, true
}

// reviewEntry is the queue entry a form names (field review_id) when it
// belongs to campaign c; otherwise it redirects with "gone".
func (a *App) reviewEntry(w http.ResponseWriter, r *http.Request, c campaign.Campaign, back string) (*coding.Item, bool) {
	var id int64
	if _, err := fmt.Sscan(r.PostFormValue("review_id"), &id); err != nil || id <= 0 {
		http.Redirect(w, r, back+"?done=gone", http.StatusSeeOther)
		return nil, false
	}
	it, err := a.coding.Item(r.Context(), id, "")
	if errors.Is(err, store.ErrNotFound) || (err == nil && it.CampaignID != c.ID) {
		http.Redirect(w, r, back+"?done=gone", http.StatusSeeOther)
		return nil, false
	}
	if err != nil {
		a.serverError(w, r, err)
		return nil, false
	}
	return it, true
}

// codingInput reads a coding form: the label button pressed (label) or
// the boxes ticked (labels), the outcome, its detail and notes.
func codingInput(r *http.Request, reviewID int64, reviewer string) coding.Input {
	labels := r.PostForm["labels"]
	if l := r.PostFormValue("label"); l != "" {
		labels = append(labels, l)
	}
	return coding.Input{ReviewID: reviewID, Reviewer: reviewer, Labels: labels, Outcome: r.PostFormValue("outcome"),
		OutcomeDetail: r.PostFormValue("outcome_detail"), Notes: r.PostFormValue("notes")}
}

// reviewPath is the review page's path for a campaign.
func reviewPath(name string) string { return "/review/" + url.PathEscape(name) }
