package web

import (
	"errors"
	"net/http"

	"foidesk/store"
	"foidesk/store/user"
)

// adminUsersDisable disables a user: they are signed out at once and
// cannot sign in. Their name and history stay.
func (a *App) adminUsersDisable(w http.ResponseWriter, r *http.Request) {
	a.setDisabled(w, r, true)
}

// adminUsersEnable lets a disabled user sign in again.
func (a *App) adminUsersEnable(w http.ResponseWriter, r *http.Request) {
	a.setDisabled(w, r, false)
}

func (a *App) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	cur, _ := sessionOf(r)
	err := a.users.SetDisabled(r.Context(), cur.session.User, r.PathValue("name"), disabled)
	switch {
	case errors.Is(err, store.ErrNotFound):
		a.notFound(w, r)
		return
	case errors.Is(err, user.ErrLastAdmin):
		a.renderAdminUsers(w, r, http.StatusConflict, "Not disabled: "+plainReason(err), "")
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	done := "enabled"
	if disabled {
		done = "disabled"
	}
	http.Redirect(w, r, "/admin/users?done="+done, http.StatusSeeOther)
}
