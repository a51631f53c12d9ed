// Package report writes a campaign's results (store/results) in the forms
// a campaigner publishes: CSV that opens safely in Excel and LibreOffice,
// Markdown a blog post pastes, JSON, and an XLSX workbook.
//
// Every format has the same columns (Columns) and the same summary lines
// (Lines), each figure of which is a count of rows.
package report

import (
	"fmt"
	"strconv"
	"strings"

	"foidesk/store/results"
)

// Report is what every format writes: its rows held (Rows, with their
// Summary) or streamed (Stream).
type Report struct {
	Campaign string
	AsOf     string // YYYY-MM-DD
	Coded    bool   // coding was available: false leaves the coding columns empty and says "not coded"
	Rows     []results.Row
	Summary  results.Summary

	each func(func(results.Row) error) error // Stream's rows; nil: Rows
	sum  *streamSummary
}

// Each is how a streamed report reads its rows: it calls fn with each in
// order, and stops at fn's first error (results.Store.Each).
type Each func(fn func(results.Row) error) error

// streamSummary is a streamed report's summary once a pass has counted
// it; shared by the copies of the Report, so that the CSV's summary file
// is the one its rows file counted.
type streamSummary struct {
	done bool
	s    results.Summary
}

// New builds a report from rows, summarising them.
func New(campaign, asOf string, coded bool, rows []results.Row) Report {
	return Report{Campaign: campaign, AsOf: asOf, Coded: coded, Rows: rows, Summary: results.Summarize(rows)}
}

// Stream is a report whose rows are read as they are written, never all
// held. Each format reads them once: CSV and XLSX count the summary as
// they write the rows (XLSX's summary sheet comes after them; the
// summary CSV, written after the rows CSV, takes the count); Markdown
// and JSON, whose summary comes first, write the rows to a temporary
// file while counting, then the summary, then the rows. So the summary
// and the rows always come from one reading.
func Stream(campaign, asOf string, coded bool, each Each) Report {
	return Report{Campaign: campaign, AsOf: asOf, Coded: coded, each: each, sum: &streamSummary{}}
}

// rows calls fn with each row, counting them into the summary when the
// report is streamed and not yet counted.
func (rp Report) rows(fn func(results.Row) error) error {
	if rp.each == nil {
		for _, r := range rp.Rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
	if rp.sum.done {
		return rp.each(fn)
	}
	var t results.Tally
	err := rp.each(func(r results.Row) error {
		t.Add(r)
		return fn(r)
	})
	if err == nil {
		rp.sum.s, rp.sum.done = t.Summary(), true
	}
	return err
}

// summarized is the report with its Summary: a streamed report not yet
// counted is read once to count it.
func (rp Report) summarized() (Report, error) {
	if rp.each == nil {
		return rp, nil
	}
	if !rp.sum.done {
		if err := rp.rows(func(results.Row) error { return nil }); err != nil {
			return rp, err
		}
	}
	rp.Summary = rp.sum.s
	return rp, nil
}

// Kind says how a cell is written where types matter (CSV, XLSX).
type Kind int

const (
	Text   Kind = iota // data: neutralised in CSV, an inline string in XLSX
	Number             // an integer foidesk computed: written as a number
	Date               // YYYY-MM-DD: a date cell in XLSX
)

// Cell is one value of a row.
type Cell struct {
	Kind  Kind
	Value string // "" is an empty cell
}

// Columns are the rows table's headings.
var Columns = []string{"code", "authority", "nation", "regime", "reference", "sent", "delivery", "due", "replied_on",
	"working_days_late", "state", "outcome", "outcome_source", "exemptions", "labels", "notes", "documents", "document_links"}

// DocumentCommand is how a document is opened from the command line.
const DocumentCommand = "foidesk documents show "

// Cells are a row's values in Columns order. Documents are their ids;
// document_links the web app's relative /documents/ID for each.
func Cells(r results.Row) []Cell {
	late := ""
	if r.DaysLate != nil {
		late = strconv.Itoa(*r.DaysLate)
	}
	source := ""
	switch {
	case r.Outcome == "":
	case r.OutcomeInferred:
		source = "inferred"
	default:
		source = "coded"
	}
	var ids, links []string
	for _, d := range r.Documents {
		ids = append(ids, strconv.FormatInt(d, 10))
		links = append(links, fmt.Sprintf("/documents/%d", d))
	}
	t := func(s string) Cell { return Cell{Text, s} }
	return []Cell{t(r.Code), t(r.Name), t(r.Nation), t(r.Regime), t(r.Ref), {Date, r.Sent}, t(r.Delivery), {Date, r.Due}, {Date, r.RepliedOn},
		{Number, late}, t(r.State), t(r.Outcome), t(source), t(strings.Join(r.Exemptions, "; ")), t(strings.Join(r.Labels, "; ")), t(r.Notes),
		t(strings.Join(ids, " ")), t(strings.Join(links, " "))}
}

// Line is one figure of the summary: N of Of (Of 0: a plain count), or a
// Value in words (kappa, "not coded").
type Line struct {
	Figure string
	N      int
	Of     int
	Value  string
}

// Percent is N as a percentage of Of, to one decimal; "" when Of is 0.
func (l Line) Percent() string {
	if l.Of == 0 || l.Value != "" {
		return ""
	}
	return strconv.FormatFloat(float64(l.N)*100/float64(l.Of), 'f', 1, 64)
}

// Count is the line's count as text ("" for a Value line).
func (l Line) Count() string {
	if l.Value != "" {
		return ""
	}
	return strconv.Itoa(l.N)
}

// Lines are the Summary as the formats print it, in order.
func (rp Report) Lines() []Line {
	s := rp.Summary
	out := []Line{
		{Figure: "targeted", N: s.Targeted},
		{Figure: "sent", N: s.Sent, Of: s.Targeted},
		{Figure: "no address", N: s.NoAddress, Of: s.Targeted},
		{Figure: "delivered", N: s.Delivered, Of: s.Sent},
		{Figure: "bounced", N: s.Bounced, Of: s.Sent},
		{Figure: "replied", N: s.Replied, Of: s.Delivered},
		{Figure: "replied on time", N: s.RepliedOnTime, Of: s.Replied},
		{Figure: "replied late", N: s.RepliedLate, Of: s.Replied},
		{Figure: "never replied", N: s.NeverReplied, Of: s.Delivered},
		{Figure: "withdrawn", N: s.Withdrawn, Of: s.Targeted},
		{Figure: "refused", N: s.Refused, Of: s.Replied},
	}
	for _, c := range s.RefusedBy {
		out = append(out, Line{Figure: "refused under " + c.Name, N: c.N, Of: s.Refused})
	}
	out = append(out,
		Line{Figure: "not held", N: s.NotHeld, Of: s.Replied},
		Line{Figure: "published elsewhere", N: s.Published, Of: s.Replied},
		Line{Figure: "outcome inferred from the reply's kind", N: s.Inferred, Of: s.Replied},
	)
	if rp.Coded {
		out = append(out, Line{Figure: "coded", N: s.Coded, Of: s.Replied})
	} else {
		out = append(out, Line{Figure: "coded", Value: "not coded"})
	}
	for _, c := range s.States {
		out = append(out, Line{Figure: "state " + c.Name, N: c.N, Of: s.Targeted})
	}
	for _, n := range s.Nations {
		name := n.Nation
		if name == "" {
			name = "nation unknown"
		}
		out = append(out,
			Line{Figure: name + ": targeted", N: n.Targeted, Of: s.Targeted},
			Line{Figure: name + ": delivered", N: n.Delivered, Of: n.Sent},
			Line{Figure: name + ": replied", N: n.Replied, Of: n.Delivered},
			Line{Figure: name + ": replied on time", N: n.OnTime, Of: n.Replied},
			Line{Figure: name + ": replied late", N: n.Late, Of: n.Replied},
		)
		if !rp.Coded {
			out = append(out, Line{Figure: name + ": labels", Value: "not coded"})
			continue
		}
		out = append(out, Line{Figure: name + ": coded", N: n.Coded, Of: n.Replied})
		for _, l := range n.Labels {
			out = append(out, Line{Figure: name + ": label " + l.Label, N: l.N, Of: n.Coded})
		}
	}
	switch a := s.Agreement; {
	case !rp.Coded:
		out = append(out, Line{Figure: "agreement (Cohen's kappa)", Value: "not coded"})
	case a == nil:
		out = append(out, Line{Figure: "agreement (Cohen's kappa)", Value: "not double-coded"})
	default:
		out = append(out, Line{Figure: "agreement (Cohen's kappa)", Value: fmt.Sprintf("%.3f over %d requests coded twice (%d agreed)", a.Kappa, a.Items, a.Agreed)})
	}
	return out
}
