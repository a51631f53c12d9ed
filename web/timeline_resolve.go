package web

import (
	"net/http"
	"net/url"
)

// timelineResolve settles a request whose sending is unknown, as
// 'foidesk requests resolve REF --sent|--resend' does, on the signed-in
// user's word: outcome=sent (it arrived, delivered at the time of the
// attempt) or outcome=resend (queue the same message again; a failed
// request too).
func (a *App) timelineResolve(w http.ResponseWriter, r *http.Request) {
	cur, _ := sessionOf(r)
	ref, by := r.PathValue("ref"), cur.session.User
	var err error
	switch outcome := r.PostFormValue("outcome"); outcome {
	case "sent":
		_, err = a.campaigns.ResolveSentBy(r.Context(), ref, by)
	case "resend":
		_, err = a.campaigns.ResolveResendBy(r.Context(), ref, by)
	default:
		a.renderTimeline(w, r, http.StatusUnprocessableEntity, "Nothing was changed: say whether the message was sent or is to be sent again.")
		return
	}
	if err != nil {
		a.timelineFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/requests/"+url.PathEscape(ref)+"?done="+map[string]string{"sent": "sent", "resend": "resend"}[r.PostFormValue("outcome")], http.StatusSeeOther)
}
