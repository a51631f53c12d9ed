package web

import (
	"errors"
	"net/http"
	"strings"

	"foidesk/store/coding"
)

// reviewCodebookSet saves an admin's edited codebook, or shows the page
// again with every problem by line and the text as they left it.
func (a *App) reviewCodebookSet(w http.ResponseWriter, r *http.Request) {
	c, ok := a.reviewCampaign(w, r)
	if !ok {
		return
	}
	text := strings.ReplaceAll(r.PostFormValue("codebook"), "\r\n", "\n")
	cb, err := coding.ParseFile("codebook", []byte(text))
	if err == nil {
		cur, _ := sessionOf(r)
		err = a.coding.SetCodebook(r.Context(), c.ID, cb, cur.session.User)
		var bad coding.Invalid
		if errors.As(err, &bad) {
			err = coding.FileErrors("codebook", []byte(text), bad)
		} else if err != nil {
			a.serverError(w, r, err)
			return
		}
	}
	if err != nil {
		a.render(w, r, http.StatusUnprocessableEntity, "review_codebook", page{Title: "Codebook " + c.Name,
			Message: "The codebook was not saved; nothing was changed.",
			Data:    reviewCodebookData{Campaign: c.Name, Path: reviewPath(c.Name), File: text, Problems: strings.Split(err.Error(), "\n")}})
		return
	}
	http.Redirect(w, r, reviewPath(c.Name)+"/codebook?done=saved", http.StatusSeeOther)
}
