package web

import (
	"net/http"
)

// reviewCodebookData is what the codebook page shows.
type reviewCodebookData struct {
	Campaign string
	Path     string
	File     string   // the codebook as TOML, or the admin's refused text
	Problems []string // file:line problems of a refused text
}

// reviewCodebook shows an admin the campaign's codebook as the TOML file
// 'foidesk codebook show' prints, to edit in place.
func (a *App) reviewCodebook(w http.ResponseWriter, r *http.Request) {
	c, ok := a.reviewCampaign(w, r)
	if !ok {
		return
	}
	cb, err := a.coding.Codebook(r.Context(), c.ID)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	message := ""
	if r.URL.Query().Get("done") == "saved" {
		message = "The codebook has been saved."
	}
	a.render(w, r, http.StatusOK, "review_codebook", page{Title: "Codebook " + c.Name, Message: message,
		Data: reviewCodebookData{Campaign: c.Name, Path: reviewPath(c.Name), File: string(cb.TOML())}})
}
