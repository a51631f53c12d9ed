package web

import (
	"errors"
	"net/http"
	"strconv"

	"foidesk/store"
	"foidesk/store/mail"
)

// mailAssign ties a message to a request on the signed-in reviewer's
// word, as 'foidesk messages assign' does: the old match's changes are
// undone, the new request's clock derived, and the sender's address
// learned for the request's authority. The request is named by its
// reference or, when it has only one, by its authority's code.
func (a *App) mailAssign(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	cur, _ := sessionOf(r)
	back := func(status int, msg string) {
		if r.PostFormValue("from") == "unmatched" {
			a.renderUnmatched(w, r, status, msg)
			return
		}
		a.renderMessage(w, r, id, status, msg)
	}
	token, err := a.resolveRequest(r, r.PostFormValue("request"))
	var choose errChoose
	if errors.As(err, &choose) {
		back(http.StatusUnprocessableEntity, choose.msg)
		return
	}
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	_, err = a.mail.Assign(r.Context(), id, token, cur.session.User)
	switch {
	case errors.Is(err, mail.ErrDismissed):
		back(http.StatusConflict, "Not assigned: the message was marked as not related; put it back in the unmatched queue first.")
		return
	case errors.Is(err, store.ErrNotFound):
		a.notFound(w, r)
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	if r.PostFormValue("from") == "unmatched" {
		http.Redirect(w, r, "/mail/unmatched?done=assigned"+afterParam(r), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/mail/"+strconv.FormatInt(id, 10)+"?done=assigned", http.StatusSeeOther)
}

// afterParam carries the unmatched page's position through a form.
func afterParam(r *http.Request) string {
	if after, err := strconv.ParseInt(r.PostFormValue("after"), 10, 64); err == nil && after > 0 {
		return "&after=" + strconv.FormatInt(after, 10)
	}
	return ""
}
