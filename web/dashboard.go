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
// as SVG on the server. It keeps counts, never rows: the summary and the
// curve's counts by date.
func (a *App) dashboard(w http.ResponseWriter, r *http.Request) {
	on := a.today()
	var tally results.Tally
	var curve replyCurve
	c, ok := a.campaignResults(w, r, func(row results.Row) error {
		tally.Add(row)
		curve.add(row)
		return nil
	})
	if !ok {
		return
	}
	rp := report.Report{Campaign: c.Name, AsOf: on.String(), Coded: a.opts.Codes != nil, Summary: tally.Summary()}
	d := dashboardData{Name: c.Name, State: c.State, AsOf: on.String(), Coded: rp.Coded, Summary: rp.Summary, Lines: rp.Lines(),
		States: stackedBars(rp.Summary), Replies: curve.svg(on)}
	if rp.Coded {
		d.Labels = labelBars(rp.Summary)
	}
	a.render(w, r, http.StatusOK, "dashboard", page{Title: c.Name, Data: d})
}
