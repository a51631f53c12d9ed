package web

import (
	"net/http"

	"foidesk/store/user"
)

// accountData is what the account page shows.
type accountData struct {
	MinLen   int
	Sessions []user.Session
	Current  int64 // this browser's session
}

// accountMessages are the notices a redirect to the account page may ask
// for, by key: the page never echoes text from the URL.
var accountMessages = map[string]string{
	"password": "Your password has been changed, and your other sessions signed out.",
	"revoked":  "That session has been signed out.",
}

// account shows the signed-in user's password form and sessions.
func (a *App) account(w http.ResponseWriter, r *http.Request) {
	a.renderAccount(w, r, http.StatusOK, accountMessages[r.URL.Query().Get("done")])
}

func (a *App) renderAccount(w http.ResponseWriter, r *http.Request, status int, message string) {
	cur, _ := sessionOf(r)
	sessions, err := a.users.Sessions(r.Context(), cur.session.UserID, a.opts.Sessions)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	a.render(w, r, status, "account", page{Title: "Your account", Message: message,
		Data: accountData{MinLen: user.MinPasswordLen, Sessions: sessions, Current: cur.session.ID}})
}
