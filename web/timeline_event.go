package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/store"
)

// timelineEvent records a clock event about the request, as 'foidesk
// requests event REF KIND' does, on the signed-in user's word: kind, the
// date or time it happened (default now), the date an extension runs to,
// a note. A fact the clock cannot use is refused with the reason.
func (a *App) timelineEvent(w http.ResponseWriter, r *http.Request) {
	cur, _ := sessionOf(r)
	f := store.Fact{Fact: r.PostFormValue("kind"), At: a.opts.Store.CampaignNow(), Note: strings.TrimSpace(r.PostFormValue("note")), By: cur.session.User}
	refuse := func(why string) { a.renderTimeline(w, r, http.StatusUnprocessableEntity, "Not recorded: "+why) }
	if err := lifecycle.ValidFact(f.Fact); err != nil {
		refuse(err.Error())
		return
	}
	if at := strings.TrimSpace(r.PostFormValue("at")); at != "" {
		t, err := parseWhen(at)
		if err != nil {
			refuse(err.Error())
			return
		}
		f.At = t
	}
	if until := strings.TrimSpace(r.PostFormValue("until")); until != "" {
		if f.Fact != lifecycle.FactExtended {
			refuse("a date extended to goes with extended only.")
			return
		}
		d, err := deadline.ParseDate(until)
		if err != nil {
			refuse("the date extended to: " + err.Error())
			return
		}
		f.Until = d
	}
	if _, err := a.opts.Store.RecordFact(r.Context(), r.PathValue("ref"), f); err != nil {
		a.timelineFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/requests/"+url.PathEscape(r.PathValue("ref"))+"?done=recorded", http.StatusSeeOther)
}

// timelineFailed answers an action the store refused: 404 for a request
// that does not exist, else the timeline with the reason.
func (a *App) timelineFailed(w http.ResponseWriter, r *http.Request, err error) {
	if isNotFound(err) {
		a.fail(w, r, http.StatusNotFound, "There is no request with that reference.")
		return
	}
	a.renderTimeline(w, r, http.StatusUnprocessableEntity, "Nothing was changed: "+err.Error())
}

// parseWhen reads a date (YYYY-MM-DD, midnight in London) or an RFC 3339
// time.
func parseWhen(s string) (time.Time, error) {
	if len(s) == len("2006-01-02") {
		d, err := deadline.ParseDate(s)
		if err != nil {
			return time.Time{}, err
		}
		y, m, day := d.YMD()
		return time.Date(y, m, day, 0, 0, 0, 0, deadline.London()), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, fmt.Errorf("%q is neither a date (YYYY-MM-DD) nor an RFC 3339 time with its offset (2026-11-27T16:05:00Z)", s)
	}
	return t, nil
}
