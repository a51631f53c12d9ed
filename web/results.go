package web

import (
	"errors"
	"net/http"

	"foidesk/deadline"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/results"
)

// today is the date states are shown on: the store clock's day in
// Europe/London.
func (a *App) today() deadline.Date { return deadline.ReceiptDate(a.opts.Store.CampaignNow()) }

// campaignResults reads the campaign named in the path and hands its
// rows as on today to fn one at a time (results.Store.Each: they are never
// all held, so a page over 100,000 requests takes the memory of one over
// 400). It writes the 404 or 500 page itself and returns ok false then.
func (a *App) campaignResults(w http.ResponseWriter, r *http.Request, fn func(results.Row) error) (campaign.Campaign, bool) {
	c, err := a.campaigns.ByName(r.Context(), r.PathValue("name"))
	if a.lookupFailed(w, r, err, "There is no campaign of that name.") {
		return c, false
	}
	if err := a.results.Each(r.Context(), c, a.resultsOptions(), fn); err != nil {
		a.serverError(w, r, err)
		return c, false
	}
	return c, true
}

// resultsOptions are how the results pages judge rows: on today, with the
// configured thresholds and coding.
func (a *App) resultsOptions() results.Options {
	return results.Options{On: a.today(), Thresholds: a.opts.Thresholds, Codes: a.opts.Codes}
}

// downloadName makes a campaign's name safe in a Content-Disposition
// file name: letters, digits, - and _ kept, anything else -.
func downloadName(name, suffix string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '-'
		}
	}
	if len(b) > 60 {
		b = b[:60]
	}
	return string(b) + suffix
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
