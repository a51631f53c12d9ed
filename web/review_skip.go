package web

import "net/http"

// reviewSkip gives the reviewer's document back and shows the next one;
// the skipped one comes last in their queue.
func (a *App) reviewSkip(w http.ResponseWriter, r *http.Request) {
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
	if err := a.coding.Skip(r.Context(), it.ReviewID, cur.session.User); err != nil {
		a.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, back+"?done=skipped", http.StatusSeeOther)
}
