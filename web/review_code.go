package web

import (
	"errors"
	"fmt"
	"net/http"

	"foidesk/store/coding"
)

// reviewCode records the signed-in reviewer's coding of a document and
// goes on to the next one. A form with apply_from copies the coding of
// the same model policy (that coding's labels and outcome, sent with it).
func (a *App) reviewCode(w http.ResponseWriter, r *http.Request) {
	c, ok := a.reviewCampaign(w, r)
	if !ok {
		return
	}
	back := reviewPath(c.Name)
	it, ok := a.reviewEntry(w, r, c, back)
	if !ok {
		return
	}
	cur, _ := sessionOf(r)
	in := codingInput(r, it.ReviewID, cur.session.User)
	done := "coded"
	if from := r.PostFormValue("apply_from"); from != "" {
		fmt.Sscan(from, &in.AppliedFrom)
		done = "applied"
	}
	_, err := a.coding.Code(r.Context(), in)
	var bad coding.InvalidInput
	switch {
	case errors.As(err, &bad):
		done = "invalid"
	case errors.Is(err, coding.ErrFullyCoded):
		done = "full"
	case errors.Is(err, coding.ErrResolved):
		done = "resolved"
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, back+"?done="+done, http.StatusSeeOther)
}
