package web

import (
	"cmp"
	"fmt"
	"io"
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

// streamed reports whether the grid's order is the order rows are read
// in (by name; authority id among rows of one name, which are read side
// by side), so that a page is found by reading and skipping.
func (f gridFilter) streamed() bool { return f.Sort == "name" && !f.Desc }

// gridKey is what the grid keeps of a row it cannot place while reading
// (any order but by name): its sort value, the rank of its name in
// reading order (rows are read by name, so rank orders as name does)
// and its authority, which fetches it again. Strings are interned: only
// codes are distinct per row.
type gridKey struct {
	s         string
	n         int
	rank      int32
	authority int64
}

// keyOf is row r's key under the filter's sort.
func (f gridFilter) keyOf(r results.Row, rank int32, intern func(string) string) gridKey {
	k := gridKey{rank: rank, authority: r.AuthorityID}
	switch f.Sort {
	case "name":
		k.n = int(rank)
	case "code":
		k.s = r.Code
	case "nation":
		k.s = intern(r.Nation)
	case "state":
		k.s = intern(r.State)
	case "due":
		k.s = intern(r.Due)
	case "late":
		k.n = lateKey(r)
	case "last":
		k.s = intern(r.LastMessage)
	case "labels":
		k.s = intern(strings.Join(r.Labels, ", "))
	}
	return k
}

// compare orders keys by the sort column, then by name and authority id
// so that every order is total and pages never overlap.
func (f gridFilter) compare(a, b gridKey) int {
	c := cmp.Or(cmp.Compare(a.s, b.s), cmp.Compare(a.n, b.n))
	if f.Desc {
		c = -c
	}
	if c == 0 {
		c = cmp.Or(cmp.Compare(a.rank, b.rank), cmp.Compare(a.authority, b.authority))
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

// gridFetch is how many rows a sorted grid fetches again by authority
// in one query.
const gridFetch = 1000

// authorities is the campaign's authorities grid: one row per targeted
// authority with its state, due date, lateness, last message and labels;
// filtered by nation, state, label and text, sorted by any column,
// paginated; ?format=csv downloads every row the filters keep, in the
// report's CSV.
//
// Rows are read one at a time and never all held. By name (the default
// order) the page is what is read between skipping and stopping, and the
// CSV is written as it is read. In any other order a first reading keeps
// one small key per row the filters keep (gridKey), the keys are sorted,
// and the page's rows (or the CSV's, a thousand at a time) are read again
// by authority.
func (a *App) authorities(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := a.campaigns.ByName(ctx, r.PathValue("name"))
	if a.lookupFailed(w, r, err, "There is no campaign of that name.") {
		return
	}
	f := parseGridFilter(r.URL.Query())
	csv := r.URL.Query().Get("format") == "csv"
	opts := a.resultsOptions()
	d := authoritiesData{Name: c.Name, Filter: f, Coded: a.opts.Codes != nil}
	nations, states, labels := map[string]bool{}, map[string]bool{}, map[string]bool{}
	// seen counts row r into the total and the filters' choices, and
	// says whether the filters keep it.
	seen := func(row results.Row) bool {
		d.Total++
		nations[row.Nation], states[row.State] = true, true
		for _, l := range row.Labels {
			labels[l] = true
		}
		return f.keep(row)
	}
	// byName reads the rows and hands those the filters keep to emit in
	// the grid's order by name, sorting each run of one name (read side
	// by side) by authority id.
	byName := func(emit func(results.Row) error) error {
		var run []results.Row
		flush := func() error {
			slices.SortFunc(run, func(x, y results.Row) int { return cmp.Compare(x.AuthorityID, y.AuthorityID) })
			for _, row := range run {
				if err := emit(row); err != nil {
					return err
				}
			}
			run = run[:0]
			return nil
		}
		err := a.results.Each(ctx, c, opts, func(row results.Row) error {
			if !seen(row) {
				return nil
			}
			if len(run) > 0 && run[0].Name != row.Name {
				if err := flush(); err != nil {
					return err
				}
			}
			run = append(run, row)
			return nil
		})
		if err != nil {
			return err
		}
		return flush()
	}
	var keys []gridKey
	if !f.streamed() {
		interned := map[string]string{}
		intern := func(s string) string {
			if v, ok := interned[s]; ok {
				return v
			}
			interned[s] = s
			return s
		}
		var rank int32
		prev := ""
		err := a.results.Each(ctx, c, opts, func(row results.Row) error {
			if row.Name != prev || rank == 0 {
				rank++
				prev = row.Name
			}
			if seen(row) {
				keys = append(keys, f.keyOf(row, rank, intern))
			}
			return nil
		})
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		slices.SortFunc(keys, f.compare)
	}
	// fetch hands emit the rows of keys, in their order.
	fetch := func(keys []gridKey, emit func(results.Row) error) error {
		for len(keys) > 0 {
			chunk := keys[:min(len(keys), gridFetch)]
			keys = keys[len(chunk):]
			o := opts
			o.Authorities = make([]int64, len(chunk))
			for i, k := range chunk {
				o.Authorities[i] = k.authority
			}
			got := make(map[int64]results.Row, len(chunk))
			if err := a.results.Each(ctx, c, o, func(row results.Row) error {
				got[row.AuthorityID] = row
				return nil
			}); err != nil {
				return err
			}
			for _, k := range chunk {
				if row, ok := got[k.authority]; ok { // gone since the first reading: left out
					if err := emit(row); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	if csv {
		rows := func(emit func(results.Row) error) error {
			if f.streamed() {
				return byName(emit)
			}
			return fetch(keys, emit)
		}
		a.authoritiesCSV(w, r, c.Name, rows)
		return
	}
	var pg gridPage
	if f.streamed() {
		pg = gridPage{start: (f.Page - 1) * f.Per, per: f.Per}
		if err := byName(pg.add); err != nil {
			a.serverError(w, r, err)
			return
		}
	} else {
		start := (f.Page - 1) * f.Per
		if start >= len(keys) { // past the end: the last page
			start = max(len(keys)-1, 0) / f.Per * f.Per
		}
		pg = gridPage{start: start, per: f.Per, matched: len(keys)}
		if err := fetch(keys[start:min(start+f.Per, len(keys))], func(row results.Row) error {
			pg.rows = append(pg.rows, row)
			return nil
		}); err != nil {
			a.serverError(w, r, err)
			return
		}
	}
	start, matched := pg.page()
	f.Page = start/f.Per + 1
	d.Matched = matched
	d.Nations, d.States, d.Tags = sortedKeys(nations), sortedKeys(states), sortedKeys(labels)
	end := min(start+f.Per, matched)
	for _, row := range pg.rows {
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
	if end < matched {
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

// gridPage keeps, of rows handed to it in the grid's order, those of one
// page: from start, per of them; and the last page's, for a page asked
// for past the end.
type gridPage struct {
	start, per int
	matched    int // rows handed to add (or, sorted, the keys)
	rows, tail []results.Row
}

func (p *gridPage) add(row results.Row) error {
	i := p.matched
	p.matched++
	if i%p.per == 0 {
		p.tail = p.tail[:0]
	}
	p.tail = append(p.tail, row)
	if i >= p.start && i < p.start+p.per {
		p.rows = append(p.rows, row)
	}
	return nil
}

// page is where the page starts and how many rows matched; a start past
// the end becomes the last page's, with its rows.
func (p *gridPage) page() (start, matched int) {
	if p.start >= p.matched {
		p.start, p.rows = max(p.matched-1, 0)/p.per*p.per, p.tail
	}
	return p.start, p.matched
}

// authoritiesCSV writes rows as the report's CSV, as a download, as they
// are read. An error before anything was sent is the 500 page; after, the
// connection is dropped, so a half download is never taken for a whole.
func (a *App) authoritiesCSV(w http.ResponseWriter, r *http.Request, name string, rows report.Each) {
	cw := &countingWriter{w: w}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, downloadName(name, "-authorities.csv")))
	rp := report.Stream(name, "", false, rows)
	if err := rp.WriteCSV(cw); err != nil {
		if cw.n == 0 {
			w.Header().Del("Content-Disposition")
			a.serverError(w, r, err)
			return
		}
		a.log.Error("web: authorities CSV", "campaign", name, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// countingWriter counts what was written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
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
