package web

import (
	"errors"
	"net/http"

	"foidesk/store/user"
)

// loginForm is what the sign-in page shows.
type loginForm struct {
	Name string
	Next string
}

// loginPage shows the sign-in form. A browser already signed in goes on
// to where it was heading.
func (a *App) loginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, ok, err := a.lookupSession(r); err == nil && ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	a.render(w, r, http.StatusOK, "login", page{Title: "Sign in", CSRF: a.loginToken(w, r), Data: loginForm{Next: next}})
}

// login signs a user in: a correct name and password start a new session
// (a fresh token, whatever cookie came in, so a planted session id is
// never promoted) and go on to next. Wrong details get one message,
// whichever was wrong; too many get a lock that says when to retry.
func (a *App) login(w http.ResponseWriter, r *http.Request) {
	name, next := r.PostFormValue("name"), safeNext(r.PostFormValue("next"))
	token, sess, err := a.users.Login(r.Context(), user.Attempt{
		Name: name, Password: r.PostFormValue("password"),
		Address: a.clientAddress(r), UserAgent: r.UserAgent(),
	}, a.opts.Sessions)
	var locked *user.LockedError
	switch {
	case errors.As(err, &locked):
		a.log.Warn("web: sign-in locked", "name", name, "address", a.clientAddress(r), "until", locked.Until)
		a.render(w, r, http.StatusTooManyRequests, "login", page{Title: "Sign in", CSRF: a.loginToken(w, r),
			Message: "Too many failed sign-ins. Try again after " + locked.Until.UTC().Format("15:04 MST") + ".",
			Data:    loginForm{Name: name, Next: next}})
		return
	case errors.Is(err, user.ErrBadLogin):
		a.render(w, r, http.StatusUnauthorized, "login", page{Title: "Sign in", CSRF: a.loginToken(w, r),
			Message: "That name and password do not match.", Data: loginForm{Name: name, Next: next}})
		return
	case err != nil:
		a.serverError(w, r, err)
		return
	}
	if old, ok, _ := a.lookupSession(r); ok {
		_ = a.users.Logout(r.Context(), old.token)
	}
	a.log.Info("web: signed in", "user", sess.User, "address", sess.Address)
	a.setCookie(w, r, a.sessionCookieName(r), token, 0)
	a.setCookie(w, r, a.loginCookie(r), "", -1)
	http.Redirect(w, r, next, http.StatusSeeOther)
}
