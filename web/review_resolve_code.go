package web

import (
	"errors"
	"net/http"

	"foidesk/store/coding"
)

// reviewResolveCode records an admin's final coding of a disputed
// document.
func (a *App) reviewResolveCode(w http.ResponseWriter, r *http.Request) {
	c, ok := a.reviewCampaign(w, r)
	if !ok {
		return
	}
	back := reviewPath(c.Name) + "/resolve"
	it, ok := a.reviewEntry(w, r, c, back)
	if !ok {
		return
	}
	cur, _ := sessionOf(r)
	_, err := a.coding.Resolve(r.Context(), codingInput(r, it.ReviewID, cur.session.User))
	done := "resolved"
	var bad coding.InvalidInput
	switch {
	case errors.As(err, &bad):
		done = "invalid"
	case errors.Is(err, coding.ErrNotDisputed):
		done = "settled"
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, back+"?done="+done, http.StatusSeeOther)
}
