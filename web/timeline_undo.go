package web

import (
	"net/http"
	"net/url"
	"strconv"
)

// timelineUndo takes back a fact recorded about the request, as
// 'foidesk requests event REF --undo ID' does, on the signed-in user's
// word.
func (a *App) timelineUndo(w http.ResponseWriter, r *http.Request) {
	cur, _ := sessionOf(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		a.fail(w, r, http.StatusNotFound, "There is no such event.")
		return
	}
	if _, err := a.opts.Store.UndoFactBy(r.Context(), r.PathValue("ref"), id, cur.session.User); err != nil {
		a.timelineFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/requests/"+url.PathEscape(r.PathValue("ref"))+"?done=undone", http.StatusSeeOther)
}
