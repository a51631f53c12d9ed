package web

import (
	"errors"
	"net/http"

	"foidesk/store/user"
)

// adminUsersAdd adds a user from the users page's form.
func (a *App) adminUsersAdd(w http.ResponseWriter, r *http.Request) {
	cur, _ := sessionOf(r)
	name := r.PostFormValue("name")
	_, err := a.users.Add(r.Context(), cur.session.User, name, r.PostFormValue("password"), r.PostFormValue("admin") == "1")
	switch {
	case errors.Is(err, user.ErrShortPassword), errors.Is(err, user.ErrBadName), errors.Is(err, user.ErrExists):
		a.renderAdminUsers(w, r, http.StatusUnprocessableEntity, "Not added: "+plainReason(err), name)
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/users?done=added", http.StatusSeeOther)
}

// plainReason is the user-facing sentence of one of the store's known
// refusals.
func plainReason(err error) string {
	for _, known := range []error{user.ErrShortPassword, user.ErrBadName, user.ErrExists, user.ErrLastAdmin} {
		if errors.Is(err, known) {
			return known.Error() + "."
		}
	}
	return "the change could not be made."
}
