package web

import (
	"net/http"

	"foidesk/store/user"
)

// adminUsersData is what the users page shows.
type adminUsersData struct {
	Users  []user.User
	MinLen int
	Name   string // the add form's name, kept after a refusal
}

// adminUsersMessages are the notices a redirect to the users page may ask
// for, by key.
var adminUsersMessages = map[string]string{
	"added":    "The user has been added.",
	"disabled": "The user has been disabled and signed out.",
	"enabled":  "The user has been enabled.",
}

// adminUsers lists the users, with a form to add one and a button to
// disable or enable each.
func (a *App) adminUsers(w http.ResponseWriter, r *http.Request) {
	a.renderAdminUsers(w, r, http.StatusOK, adminUsersMessages[r.URL.Query().Get("done")], "")
}

func (a *App) renderAdminUsers(w http.ResponseWriter, r *http.Request, status int, message, name string) {
	users, err := a.users.List(r.Context(), a.opts.Sessions)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	a.render(w, r, status, "admin_users", page{Title: "Users", Message: message,
		Data: adminUsersData{Users: users, MinLen: user.MinPasswordLen, Name: name}})
}
