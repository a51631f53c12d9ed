package web

import (
	"errors"
	"net/http"
	"strconv"

	"foidesk/store"
)

// mailUndismiss takes a dismissal back, as 'foidesk messages undismiss'
// does: the message returns to the unmatched queue.
func (a *App) mailUndismiss(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	cur, _ := sessionOf(r)
	err := a.mail.Undismiss(r.Context(), id, cur.session.User)
	switch {
	case errors.Is(err, store.ErrNotFound):
		a.notFound(w, r)
		return
	case err != nil:
		// Not dismissed (any more): nothing to undo.
		a.renderMessage(w, r, id, http.StatusConflict, "The message is not marked as not related, so there is nothing to undo.")
		return
	}
	if r.PostFormValue("from") == "unmatched" {
		http.Redirect(w, r, "/mail/unmatched?done=undismissed"+afterParam(r), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/mail/"+strconv.FormatInt(id, 10)+"?done=undismissed", http.StatusSeeOther)
}
