package web

import (
	"net/http"

	"foidesk/store/coding"
)

// reviewAgreementData is what the agreement page shows.
type reviewAgreementData struct {
	Campaign string
	Path     string
	Stats    coding.Stats
}

// reviewAgreement shows how far coding a campaign has got (by label and
// reviewer) and Cohen's kappa between its double coders, overall and per
// label.
func (a *App) reviewAgreement(w http.ResponseWriter, r *http.Request) {
	c, ok := a.reviewCampaign(w, r)
	if !ok {
		return
	}
	s, err := a.coding.Stats(r.Context(), c.ID)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	a.render(w, r, http.StatusOK, "review_agreement", page{Title: "Agreement " + c.Name,
		Data: reviewAgreementData{Campaign: c.Name, Path: reviewPath(c.Name), Stats: s}})
}
