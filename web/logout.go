package web

import "net/http"

// logout ends the session on the server, so the cookie is worthless even
// if something kept a copy, then clears it.
func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	cur, _ := sessionOf(r)
	if err := a.users.Logout(r.Context(), cur.token); err != nil {
		a.serverError(w, r, err)
		return
	}
	a.setCookie(w, r, a.sessionCookieName(r), "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
