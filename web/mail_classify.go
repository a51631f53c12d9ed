package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"foidesk/store"
	"foidesk/store/mail"
)

// mailClassify corrects a message's kind, as 'foidesk messages classify'
// does, in the signed-in reviewer's name: the old kind's changes are
// undone and the new kind's made, and the request's clock derived again.
func (a *App) mailClassify(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	kind := r.PostFormValue("kind")
	if !slices.Contains(mail.Kinds, kind) {
		a.renderMessage(w, r, id, http.StatusUnprocessableEntity, "Not changed: choose one of the kinds listed.")
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if len(reason) > maxReason {
		reason = reason[:maxReason]
	}
	cur, _ := sessionOf(r)
	err := a.mail.ClassifyDetail(r.Context(), id, kind, strings.ToValidUTF8(reason, ""), "", cur.session.User)
	switch {
	case errors.Is(err, store.ErrNotFound):
		a.notFound(w, r)
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/mail/"+strconv.FormatInt(id, 10)+"?done=classified", http.StatusSeeOther)
}
