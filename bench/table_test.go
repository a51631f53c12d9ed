//go:build linux

package bench

import (
	"fmt"
	"io"
	"time"
)

// titles say what each sub-benchmark runs, for the table.
var titles = map[string]string{
	"recompute-unchanged":   "`requests recompute`, nothing changed (per request)",
	"recompute-all-changed": "`requests recompute`, every clock moved by a holidays file (per request)",
	"campaign-status":       "`campaign status NAME --json` of one 400-request campaign (per request shown)",
	"authorities-list":      "`authorities list`, the whole register (per authority)",
	"messages-list":         "`messages list --limit 100` (per message listed)",
	"messages-list-all":     "`messages list`, every message (per message)",
	"search":                "`search recording` (per result, 50 shown)",
	"extract-none-stored":   "`documents extract` of 1,000 new replies, no mail stored (per reply: its attachment and its body)",
	"extract-stored":        "`documents extract` of 1,000 new replies, the scale's mail and documents stored (per reply)",
}

// printTable writes, for each command, its wall time, cost per item and
// peak resident memory at each scale, the growth of the cost per item
// from the smallest scale to the largest, then the goals.
func printTable(w io.Writer, all []*timed) {
	byCommand := map[string][]*timed{}
	var order []string
	for _, t := range all {
		if len(t.runs) == 0 {
			continue
		}
		if byCommand[t.command] == nil {
			order = append(order, t.command)
		}
		byCommand[t.command] = append(byCommand[t.command], t)
	}
	for _, c := range order {
		ts := byCommand[c]
		fmt.Fprintf(w, "\n%s\n\n| requests | items | runs | wall (median) | fastest | per item (median) | peak RSS | foidesk alone | PDF worker | load |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n", titles[c])
		for _, t := range ts {
			tree, self, worker := t.peakKB()
			wk := "—"
			if worker > 0 {
				wk = mb(worker)
			}
			fmt.Fprintf(w, "| %d | %d | %d | %s | %s | %s | %s | %s | %s | %s |\n", t.n, t.items, len(t.runs), ms(t.median()), ms(t.fastest()), perItem(t), mb(tree), mb(self), wk, t.load)
		}
		if len(ts) > 1 {
			first, last := ts[0], ts[len(ts)-1]
			fmt.Fprintf(w, "\nPer item at %d over %d: %.2f× by the medians, %.2f× by the fastest runs (goal ≤ 1.5×)\n", last.n, first.n,
				itemCost(last)/itemCost(first), float64(last.fastest())/float64(last.items)/(float64(first.fastest())/float64(first.items)))
		}
	}
	fmt.Fprintf(w, "\nGoals\n\n")
	for _, t := range byCommand["recompute-all-changed"] {
		if t.n == 100000 {
			fmt.Fprintf(w, "- `requests recompute` of 100,000, every clock moved: %s, fastest %s (goal < 1 s)\n", ms(t.median()), ms(t.fastest()))
		}
	}
	for _, t := range byCommand["recompute-unchanged"] {
		if t.n == 100000 {
			fmt.Fprintf(w, "- `requests recompute` of 100,000, nothing changed: %s, fastest %s (goal < 1 s)\n", ms(t.median()), ms(t.fastest()))
		}
	}
	for i, s := range byCommand["extract-stored"] {
		if none := byCommand["extract-none-stored"]; i < len(none) {
			fmt.Fprintf(w, "- `documents extract` at %d, stored over none stored: %.2f× by the medians, %.2f× by the fastest runs (goal ≤ 1.3×)\n", s.n,
				float64(s.median())/float64(none[i].median()), float64(s.fastest())/float64(none[i].fastest()))
		}
	}
	var most int64
	var which string
	for _, t := range all {
		if tree, _, _ := t.peakKB(); tree > most {
			most, which = tree, fmt.Sprintf("%s at %d", t.command, t.n)
		}
	}
	fmt.Fprintf(w, "- largest peak RSS: %s, %s (goal < 200 MB)\n", mb(most), which)
}

func itemCost(t *timed) float64 { return float64(t.median()) / float64(t.items) }

func perItem(t *timed) string {
	us := itemCost(t) / float64(time.Microsecond)
	if us >= 1000 {
		return fmt.Sprintf("%.2f ms", us/1000)
	}
	return fmt.Sprintf("%.1f µs", us)
}

func ms(d time.Duration) string {
	if d >= time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
}

func mb(kb int64) string { return fmt.Sprintf("%.0f MB", float64(kb)/1024) }
