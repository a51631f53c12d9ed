package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// timelineClassify corrects the kind of a message matched to the
// request, as 'foidesk messages classify ID --kind KIND' does, on the
// signed-in user's word; the request's clock is derived again.
func (a *App) timelineClassify(w http.ResponseWriter, r *http.Request) {
	cur, _ := sessionOf(r)
	ctx := r.Context()
	q, err := a.campaigns.RequestByRef(ctx, r.PathValue("ref"))
	if err != nil {
		a.timelineFailed(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		a.fail(w, r, http.StatusNotFound, "There is no such message.")
		return
	}
	m, _, err := a.mail.Message(ctx, id)
	if err != nil || m.RequestID == nil || *m.RequestID != q.ID {
		a.fail(w, r, http.StatusNotFound, "That message is not matched to this request.")
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" {
		reason = "corrected by " + cur.session.User
	}
	if err := a.mail.ClassifyDetail(ctx, id, r.PostFormValue("kind"), reason, strings.TrimSpace(r.PostFormValue("detail")), cur.session.User); err != nil {
		a.renderTimeline(w, r, http.StatusUnprocessableEntity, "Not changed: "+err.Error())
		return
	}
	http.Redirect(w, r, "/requests/"+url.PathEscape(q.Ref)+"?done=classified", http.StatusSeeOther)
}
