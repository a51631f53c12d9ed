package web

import (
	"html/template"
	"net/http"

	"foidesk/report"
	"foidesk/store/results"
)

// dashboardData is what a campaign's dashboard shows.
type dashboardData struct {
	Name, State, AsOf string
	Coded             bool // coding is wired in
	Summary           results.Summary
	Lines             []report.Line // the report's summary, figure by figure
	States, Labels    template.HTML // SVG: state by nation, labels by nation
	Replies           template.HTML // SVG: replies over time against due dates
}

// dashboard shows where a campaign stands, read afresh from the database
// on each load: counts by state, the report's figures, and charts drawn
// as SVG on the server.
func (a *App) dashboard(w http.ResponseWriter, r *http.Request) {
	c, rows, ok := a.campaignResults(w, r)
	if !ok {
		return
	}
	on := a.today()
	rp := report.New(c.Name, on.String(), a.opts.Codes != nil, rows)
	d := dashboardData{Name: c.Name, State: c.State, AsOf: on.String(), Coded: rp.Coded, Summary: rp.Summary, Lines: rp.Lines(),
		States: stackedBars(rp.Summary), Replies: repliesCurve(rows, on)}
	if rp.Coded {
		d.Labels = labelBars(rp.Summary)
	}
	a.render(w, r, http.StatusOK, "dashboard", page{Title: c.Name, Data: d})
}
