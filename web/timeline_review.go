package web

import (
	"net/http"
	"net/url"
	"strings"
)

// timelineReview asks for an internal review of the request, as 'foidesk
// requests review REF --reason TEXT' does: the letters outbox
// (Options.Reviews) queues the letter. Without one there is no such page.
func (a *App) timelineReview(w http.ResponseWriter, r *http.Request) {
	if a.opts.Reviews == nil {
		a.notFound(w, r)
		return
	}
	cur, _ := sessionOf(r)
	ref := r.PathValue("ref")
	if _, err := a.opts.Reviews.QueueReview(r.Context(), ref, strings.TrimSpace(r.PostFormValue("reason")), cur.session.User); err != nil {
		a.timelineFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/requests/"+url.PathEscape(ref)+"?done=review", http.StatusSeeOther)
}
