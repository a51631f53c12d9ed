package web

import (
	"net/http"

	"foidesk/store/campaign"
)

// campaignRow is one campaign on the home page.
type campaignRow struct {
	Name     string
	State    string
	Requests int
	Counts   []stateCount // outbox states with requests in them, in lifecycle order
}

type stateCount struct {
	State string
	N     int
}

// home lists the campaigns with how many requests each has and where
// they are in the outbox.
func (a *App) home(w http.ResponseWriter, r *http.Request) {
	sums, err := a.campaigns.Summaries(r.Context())
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	rows := make([]campaignRow, 0, len(sums))
	for _, s := range sums {
		row := campaignRow{Name: s.Name, State: s.State, Requests: s.Requests}
		for _, st := range campaign.OutboxStates {
			if n := s.Counts[st]; n > 0 {
				row.Counts = append(row.Counts, stateCount{st, n})
			}
		}
		rows = append(rows, row)
	}
	a.render(w, r, http.StatusOK, "home", page{Title: "Campaigns", Data: rows})
}
