package web

import (
	"errors"
	"net/http"

	"foidesk/store/user"
)

// accountPassword changes the signed-in user's own password after
// checking the current one (counted against the sign-in limit), and signs
// out their other sessions.
func (a *App) accountPassword(w http.ResponseWriter, r *http.Request) {
	cur, _ := sessionOf(r)
	name := cur.session.User
	newPw, repeat := r.PostFormValue("new"), r.PostFormValue("repeat")
	if newPw != repeat {
		a.renderAccount(w, r, http.StatusUnprocessableEntity, "The two new passwords differ; type the same one twice.")
		return
	}
	if err := user.CheckPassword(newPw); err != nil {
		a.renderAccount(w, r, http.StatusUnprocessableEntity, "Not changed: "+err.Error()+".")
		return
	}
	err := a.users.Verify(r.Context(), name, r.PostFormValue("current"), a.clientAddress(r))
	var locked *user.LockedError
	switch {
	case errors.As(err, &locked):
		a.renderAccount(w, r, http.StatusTooManyRequests, "Too many wrong passwords. Try again after "+locked.Until.UTC().Format("15:04 MST")+".")
		return
	case errors.Is(err, user.ErrBadLogin):
		a.renderAccount(w, r, http.StatusUnprocessableEntity, "Not changed: your current password is not right.")
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	if _, err := a.users.SetPassword(r.Context(), name, name, newPw, cur.session.ID); err != nil {
		a.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
}
