package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"foidesk/report"
	"foidesk/store/results"
)

// gridPageSize is how many authorities a page of the grid shows unless
// ?per= says otherwise (up to gridMaxPage).
const (
	gridPageSize = 50
	gridMaxPage  = 500
)

// gridColumns are the grid's sortable columns, by their ?sort= key.
var gridColumns = []struct{ Key, Title string }{
	{"name", "Authority"}, {"code", "Code"}, {"nation", "Nation"}, {"state", "State"}, {"due", "Due"},
	{"late", "Working days late"}, {"last", "Last message"}, {"labels", "Labels"},
}

// gridFilter is a grid query: filters, sort and page.
type gridFilter struct {
	Nation, State, Label, Q string
	Sort                    string // a gridColumns key
	Desc                    bool
	Page, Per               int
}

func parseGridFilter(q url.Values) gridFilter {
	f := gridFilter{Nation: q.Get("nation"), State: q.Get("state"), Label: q.Get("label"), Q: strings.TrimSpace(q.Get("q")),
		Sort: q.Get("sort"), Desc: q.Get("dir") == "desc", Page: 1, Per: gridPageSize}
	if !slices.ContainsFunc(gridColumns, func(c struct{ Key, Title string }) bool { return c.Key == f.Sort }) {
		f.Sort = "name"
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 {
		f.Page = n
	}
	if n, err := strconv.Atoi(q.Get("per")); err == nil && n > 0 {
		f.Per = min(n, gridMaxPage)
	}
	return f
}

// query is the filter as URL parameters, with changes applied.
func (f gridFilter) query(set ...string) string {
	v := url.Values{}
	add := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	add("nation", f.Nation)
	add("state", f.State)
	add("label", f.Label)
	add("q", f.Q)
	if f.Sort != "name" {
		v.Set("sort", f.Sort)
	}
	if f.Desc {
		v.Set("dir", "desc")
	}
	if f.Page > 1 {
		v.Set("page", strconv.Itoa(f.Page))
	}
	if f.Per != gridPageSize {
		v.Set("per", strconv.Itoa(f.Per))
	}
	for i := 0; i+1 < len(set); i += 2 {
		if set[i+1] == "" {
			v.Del(set[i])
		} else {
			v.Set(set[i], set[i+1])
		}
	}
	return v.Encode()
}

// keep reports whether row r passes the filters.
func (f gridFilter) keep(r results.Row) bool {
	if f.Nation != "" && r.Nation != f.Nation || f.State != "" && r.State != f.State {
		return false
	}
	if f.Label != "" && !slices.Contains(r.Labels, f.Label) {
		return false
	}
	if f.Q != "" {
		q := strings.ToLower(f.Q)
		if !strings.Contains(strings.ToLower(r.Name), q) && !strings.Contains(strings.ToLower(r.Code), q) && !strings.Contains(strings.ToLower(r.Ref), q) {
			return false
		}
	}
	return true
}

// compare orders rows by the sort column, then by name and authority id
// so that every order is total and pages never overlap.
func (f gridFilter) compare(a, b results.Row) int {
	var c int
	switch f.Sort {
	case "code":
		c = cmp.Compare(a.Code, b.Code)
	case "nation":
		c = cmp.Compare(a.Nation, b.Nation)
	case "state":
		c = cmp.Compare(a.State, b.State)
	case "due":
		c = cmp.Compare(a.Due, b.Due)
	case "late":
		c = cmp.Compare(lateKey(a), lateKey(b))
	case "last":
		c = cmp.Compare(a.LastMessage, b.LastMessage)
	case "labels":
		c = cmp.Compare(strings.Join(a.Labels, ", "), strings.Join(b.Labels, ", "))
	}
	if f.Desc {
		c = -c
	}
	if c == 0 {
		c = cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.AuthorityID, b.AuthorityID))
	}
	return c
}

// lateKey sorts rows without a count of days before every count.
func lateKey(r results.Row) int {
	if r.DaysLate == nil {
		return -1 << 30
	}
	return *r.DaysLate
}

type gridRow struct {
	results.Row
	Late string
}

type gridHeading struct {
	Title, Href string
	Sorted      string // "", "ascending" or "descending": aria-sort
}

// authoritiesData is what the grid page shows.
type authoritiesData struct {
	Name                  string
	Filter                gridFilter
	Nations, States, Tags []string
	Headings              []gridHeading
	Rows                  []gridRow
	Total, Matched        int
	From, To              int
	Prev, Next, CSV       string // "?query" links; "" when there is no such page
	Coded                 bool
}

// authorities is the campaign's authorities grid: one row per targeted
// authority with its state, due date, lateness, last message and labels;
// filtered by nation, state, label and text, sorted by any column,
// paginated; ?format=csv downloads every row the filters keep, in the
// report's CSV.
func (a *App) authorities(w http.ResponseWriter, r *http.Request) {
	c, rows, ok := a.campaignResults(w, r)
	if !ok {
		return
	}
	f := parseGridFilter(r.URL.Query())
	d := authoritiesData{Name: c.Name, Filter: f, Total: len(rows), Coded: a.opts.Codes != nil}
	nations, states, labels := map[string]bool{}, map[string]bool{}, map[string]bool{}
	kept := make([]results.Row, 0, len(rows))
	for _, row := range rows {
		nations[row.Nation], states[row.State] = true, true
		for _, l := range row.Labels {
			labels[l] = true
		}
		if f.keep(row) {
			kept = append(kept, row)
		}
	}
	slices.SortFunc(kept, f.compare)
	if r.URL.Query().Get("format") == "csv" {
		a.authoritiesCSV(w, c.Name, kept)
		return
	}
	d.Matched = len(kept)
	d.Nations, d.States, d.Tags = sortedKeys(nations), sortedKeys(states), sortedKeys(labels)
	start := (f.Page - 1) * f.Per
	if start >= len(kept) { // past the end: the last page
		start = max(len(kept)-1, 0) / f.Per * f.Per
		f.Page = start/f.Per + 1
	}
	end := min(start+f.Per, len(kept))
	for _, row := range kept[start:end] {
		g := gridRow{Row: row}
		if row.DaysLate != nil {
			g.Late = strconv.Itoa(*row.DaysLate)
		}
		d.Rows = append(d.Rows, g)
	}
	d.From, d.To = start+1, end
	if start > 0 {
		d.Prev = "?" + f.query("page", strconv.Itoa(max(f.Page-1, 1)))
	}
	if end < len(kept) {
		d.Next = "?" + f.query("page", strconv.Itoa(f.Page+1))
	}
	d.CSV = "?" + f.query("page", "", "format", "csv")
	for _, col := range gridColumns {
		h := gridHeading{Title: col.Title}
		desc := ""
		if col.Key == f.Sort {
			h.Sorted = "ascending"
			if f.Desc {
				h.Sorted = "descending"
			} else {
				desc = "desc"
			}
		}
		h.Href = "?" + f.query("sort", col.Key, "dir", desc, "page", "")
		d.Headings = append(d.Headings, h)
	}
	a.render(w, r, http.StatusOK, "authorities", page{Title: c.Name + ": authorities", Data: d})
}

// authoritiesCSV writes rows as the report's CSV, as a download.
func (a *App) authoritiesCSV(w http.ResponseWriter, name string, rows []results.Row) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, downloadName(name, "-authorities.csv")))
	rp := report.Report{Campaign: name, Rows: rows}
	if err := rp.WriteCSV(w); err != nil {
		a.log.Error("web: authorities CSV", "campaign", name, "err", err)
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if k != "" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
