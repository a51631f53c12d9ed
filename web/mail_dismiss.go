package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"foidesk/store"
	"foidesk/store/mail"
)

// maxReason bounds a reason a reviewer types.
const maxReason = 500

// mailDismiss marks a message as related to no request, as 'foidesk
// messages dismiss' does, in the signed-in reviewer's name. A message
// matched to a request is refused: assign it elsewhere instead. The page
// it returns to offers to undo it.
func (a *App) mailDismiss(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	cur, _ := sessionOf(r)
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if len(reason) > maxReason {
		reason = reason[:maxReason]
	}
	if reason == "" {
		reason = "not related to any request"
	}
	_, err := a.mail.Dismiss(r.Context(), id, strings.ToValidUTF8(reason, ""), cur.session.User, false)
	switch {
	case errors.Is(err, mail.ErrMatched):
		a.renderMessage(w, r, id, http.StatusConflict, "Not dismissed: the message is matched to a request. Assign it to the right request instead.")
		return
	case errors.Is(err, store.ErrNotFound):
		a.notFound(w, r)
		return
	case err != nil && strings.Contains(err.Error(), "already dismissed"):
		a.renderMessage(w, r, id, http.StatusConflict, "The message was already marked as not related.")
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	sid := strconv.FormatInt(id, 10)
	if r.PostFormValue("from") == "unmatched" {
		http.Redirect(w, r, "/mail/unmatched?done=dismissed&undo="+sid+afterParam(r), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/mail/"+sid+"?done=dismissed", http.StatusSeeOther)
}
