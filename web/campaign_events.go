package web

import (
	"fmt"
	"net/http"

	"foidesk/report"
	"foidesk/store"
)

// campaignEvents downloads the campaign's audit log as CSV, as 'foidesk
// events export --campaign NAME' writes it: every event about the
// campaign, its requests and their mail, streamed in id order.
func (a *App) campaignEvents(w http.ResponseWriter, r *http.Request) {
	c, err := a.campaigns.ByName(r.Context(), r.PathValue("name"))
	if a.lookupFailed(w, r, err, "There is no campaign of that name.") {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, downloadName(c.Name, "-events.csv")))
	err = report.WriteEventsCSV(w, func(fn func(store.ExportedEvent) error) error {
		return a.opts.Store.EachEvent(r.Context(), c.ID, c.Name, fn)
	})
	if err != nil {
		// The header is gone: the download ends short, and the log says why.
		a.log.Error("web: events export", "campaign", c.Name, "err", err)
	}
}
