package web

import (
	"net/http"
	"strconv"
)

// accountRevoke signs out one of the user's own sessions (a browser left
// signed in elsewhere). Another user's session number is "no such page".
func (a *App) accountRevoke(w http.ResponseWriter, r *http.Request) {
	cur, _ := sessionOf(r)
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		a.notFound(w, r)
		return
	}
	err = a.users.RevokeSession(r.Context(), cur.session.User, cur.session.User, id)
	if a.lookupFailed(w, r, err, "") {
		return
	}
	if id == cur.session.ID {
		a.setCookie(w, r, a.sessionCookieName(r), "", -1)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/account?done=revoked", http.StatusSeeOther)
}
