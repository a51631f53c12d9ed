package web

import (
	"fmt"
	"html"
	"html/template"
	"sort"
	"strings"

	"foidesk/deadline"
	"foidesk/store/results"
)

// Charts are drawn on the server as inline SVG: no script, no external
// file, and every piece of text in them (nation, state, label, campaign
// names are data) escaped as it is written. Colours are presentation
// attributes, not style attributes, which the CSP refuses. Each bar
// carries its figure in data-* attributes and a <title>, so a test (or a
// screen reader) reads the numbers drawn.

// svgText escapes s for an SVG text node or attribute value.
func svgText(s string) string { return html.EscapeString(s) }

// stateColours gives each state a fill; others are grey.
var stateColours = map[string]string{
	"replied": "#2e7d32", "awaiting-response": "#1f5fa8", "due-soon": "#5b8fd1", "extended": "#7e57c2", "awaiting-clarification": "#8d6e63",
	"fee-pending": "#a1887f", "awaiting-review": "#00838f", "overdue": "#ef6c00", "very-overdue": "#c62828", "extension-overdue": "#d84315",
	"review-overdue": "#ad1457", "not-delivered": "#6d4c41", "no-address": "#9e9e9e", "not-added": "#bdbdbd", "unknown": "#fbc02d",
	"failed": "#5d4037", "withdrawn": "#757575", "draft": "#cfd8dc", "sending": "#90a4ae",
}

var labelColours = []string{"#1f5fa8", "#2e7d32", "#ef6c00", "#7e57c2", "#00838f", "#c62828", "#6d4c41", "#ad1457"}

func stateColour(s string) string {
	if c, ok := stateColours[s]; ok {
		return c
	}
	return "#9e9e9e"
}

// stackedBars draws one horizontal bar per nation, split into segments by
// state; each segment is a rect with data-nation, data-state and data-n.
func stackedBars(s results.Summary) template.HTML {
	const left, width, barH, gap = 130, 440, 22, 10
	max := 0
	for _, n := range s.Nations {
		if n.Targeted > max {
			max = n.Targeted
		}
	}
	if max == 0 {
		return ""
	}
	var present []string // the states drawn, for the legend, in the summary's order
	for _, c := range s.States {
		present = append(present, c.Name)
	}
	const perLine = 4
	legendLines := (len(present) + perLine - 1) / perLine
	h := len(s.Nations)*(barH+gap) + 20 + legendLines*18
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-states" role="img" aria-labelledby="chart-states-title" viewBox="0 0 %d %d" width="%d" height="%d">`, left+width+60, h, left+width+60, h)
	b.WriteString(`<title id="chart-states-title">Requests by state in each nation</title>`)
	for i, n := range s.Nations {
		y := 10 + i*(barH+gap)
		name := n.Nation
		if name == "" {
			name = "unknown"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="13">%s</text>`, left-8, y+barH-6, svgText(name))
		x := float64(left)
		for _, c := range n.States {
			w := float64(width) * float64(c.N) / float64(max)
			fmt.Fprintf(&b, `<rect class="bar" x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" data-nation="%s" data-state="%s" data-n="%d"><title>%s, %s: %d</title></rect>`,
				x, y, w, barH, stateColour(c.Name), svgText(n.Nation), svgText(c.Name), c.N, svgText(name), svgText(c.Name), c.N)
			x += w
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="12">%d</text>`, x+4, y+barH-6, n.Targeted)
	}
	top := 10 + len(s.Nations)*(barH+gap)
	for i, st := range present {
		x, y := left+(i%perLine)*120, top+(i/perLine)*18
		fmt.Fprintf(&b, `<rect class="legend" x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d" font-size="12">%s</text>`,
			x, y, stateColour(st), x+16, y+11, svgText(st))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// labelBars draws, per nation, one bar per label: the share of the
// nation's coded requests carrying it (data-percent) and the count
// (data-n).
func labelBars(s results.Summary) template.HTML {
	labels := map[string]bool{}
	for _, n := range s.Nations {
		for _, l := range n.Labels {
			labels[l.Label] = true
		}
	}
	if len(labels) == 0 {
		return ""
	}
	order := make([]string, 0, len(labels))
	for l := range labels {
		order = append(order, l)
	}
	sort.Strings(order)
	colour := map[string]string{}
	for i, l := range order {
		colour[l] = labelColours[i%len(labelColours)]
	}
	const left, width, barH = 130, 400, 14
	rows := 0
	for _, n := range s.Nations {
		if n.Coded > 0 {
			rows += len(n.Labels) + 1
		}
	}
	h := rows*(barH+4) + 20
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-labels" role="img" aria-labelledby="chart-labels-title" viewBox="0 0 %d %d" width="%d" height="%d">`, left+width+200, h, left+width+200, h)
	b.WriteString(`<title id="chart-labels-title">Labels by nation, as a share of coded requests</title>`)
	y := 10
	for _, n := range s.Nations {
		if n.Coded == 0 {
			continue
		}
		name := n.Nation
		if name == "" {
			name = "unknown"
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="13" font-weight="bold">%s</text>`, left-8, y+barH-2, svgText(name))
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12">%d coded</text>`, left, y+barH-2, n.Coded)
		y += barH + 4
		for _, l := range n.Labels {
			w := float64(width) * l.Percent / 100
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="12">%s</text>`, left-8, y+barH-2, svgText(l.Label))
			fmt.Fprintf(&b, `<rect class="bar" x="%d" y="%d" width="%.1f" height="%d" fill="%s" data-nation="%s" data-label="%s" data-n="%d" data-percent="%.1f"><title>%s, %s: %d (%.1f%%)</title></rect>`,
				left, y, w, barH, colour[l.Label], svgText(n.Nation), svgText(l.Label), l.N, l.Percent, svgText(name), svgText(l.Label), l.N, l.Percent)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="12">%d (%.1f%%)</text>`, float64(left)+w+4, y+barH-2, l.N, l.Percent)
			y += barH + 4
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// replyCurve is the replies chart's series, counted one row at a time:
// replies and due dates by day, and the first day sent. Its memory is by
// day, never by row.
type replyCurve struct {
	first, last  deadline.Date // last: the latest reply or due date
	replied, due map[deadline.Date]int
}

// add counts row r, when it was sent.
func (c *replyCurve) add(r results.Row) {
	if r.Sent == "" {
		return
	}
	if c.replied == nil {
		c.replied, c.due = map[deadline.Date]int{}, map[deadline.Date]int{}
	}
	if d, err := deadline.ParseDate(r.Sent); err == nil && (c.first == 0 || d < c.first) {
		c.first = d
	}
	if d, err := deadline.ParseDate(r.RepliedOn); err == nil {
		c.replied[d]++
		c.last = max(c.last, d)
	}
	if d, err := deadline.ParseDate(r.Due); err == nil {
		c.due[d]++
		c.last = max(c.last, d)
	}
}

// svg draws two step lines over the days from the first sending to on
// (or the latest reply or due date after it): cumulative replies by the
// date they came, and cumulative due dates (how many answers the law
// required by each day). Each line ends in a point carrying its total
// (data-total).
func (c *replyCurve) svg(on deadline.Date) template.HTML {
	first, replied, due := c.first, c.replied, c.due
	last := max(on, c.last)
	if first == 0 || last < first {
		return ""
	}
	days := int(last-first) + 1
	totalR, totalD := 0, 0
	for _, n := range replied {
		totalR += n
	}
	for _, n := range due {
		totalD += n
	}
	top := max(totalR, totalD, 1)
	const left, width, height, pad = 40, 560, 200, 20
	x := func(d deadline.Date) float64 { return left + float64(width)*float64(d-first)/float64(max(days-1, 1)) }
	y := func(n int) float64 { return pad + float64(height)*(1-float64(n)/float64(top)) }
	line := func(counts map[deadline.Date]int) (string, int) {
		var pts []string
		n := 0
		for d := first; d <= last; d++ {
			if counts[d] > 0 {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(d), y(n)))
				n += counts[d]
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(d), y(n)))
		}
		return strings.Join(pts, " "), n
	}
	rp, rn := line(replied)
	dp, dn := line(due)
	var b strings.Builder
	w, h := left+width+120, height+2*pad+30
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-replies" role="img" aria-labelledby="chart-replies-title" viewBox="0 0 %d %d" width="%d" height="%d">`, w, h, w, h)
	b.WriteString(`<title id="chart-replies-title">Replies received over time, against answers due by law</title>`)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#5f6368"/>`, left, pad+height, left+width, pad+height)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#5f6368"/>`, left, pad, left, pad+height)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="11">%d</text>`, left-4, pad+4, top)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="11">0</text>`, left-4, pad+height)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11">%s</text>`, left, pad+height+16, first)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="11">%s</text>`, left+width, pad+height+16, last)
	if on >= first && on <= last {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#9e9e9e" stroke-dasharray="3 3"/><text x="%.1f" y="%d" font-size="11" text-anchor="middle">today</text>`,
			x(on), pad, x(on), pad+height, x(on), pad-6)
	}
	fmt.Fprintf(&b, `<polyline class="series" data-series="due" data-total="%d" points="%s" fill="none" stroke="#ef6c00" stroke-width="2" stroke-dasharray="6 3"/>`, dn, dp)
	fmt.Fprintf(&b, `<polyline class="series" data-series="replied" data-total="%d" points="%s" fill="none" stroke="#2e7d32" stroke-width="2"/>`, rn, rp)
	fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="12" fill="#ef6c00">due by law: %d</text>`, left+width+6, y(dn)+4, dn)
	fmt.Fprintf(&b, `<text x="%d" y="%.1f" font-size="12" fill="#2e7d32">replied: %d</text>`, left+width+6, y(rn)+16, rn)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
