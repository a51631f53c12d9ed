package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// mdCell escapes a cell for a Markdown table: pipes and backslashes
// escaped, line breaks made spaces, and < > & as entities so that a name
// holding HTML stays text in the post.
var mdCell = strings.NewReplacer(`\`, `\\`, "|", `\|`, "\r\n", " ", "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;", "&", "&amp;", "`", "\\`")

// WriteMarkdown writes what a blog post pastes: a heading, the summary
// table and the rows table.
func (rp Report) WriteMarkdown(w io.Writer) error {
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, "## %s: results as of %s\n\n", mdCell.Replace(rp.Campaign), rp.AsOf)
	b.WriteString("| Figure | Number | Of | % |\n|---|---:|---:|---:|\n")
	for _, l := range rp.Lines() {
		n := l.Count()
		if l.Value != "" {
			n = l.Value
		}
		of := ""
		if l.Of > 0 {
			of = itoa(l.Of)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", mdCell.Replace(l.Figure), mdCell.Replace(n), of, l.Percent())
	}
	b.WriteString("\n| " + strings.Join(Columns, " | ") + " |\n|")
	for range Columns {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range rp.Rows {
		cells := Cells(r)
		vals := make([]string, len(cells))
		for i, c := range cells {
			vals[i] = mdCell.Replace(c.Value)
		}
		b.WriteString("| " + strings.Join(vals, " | ") + " |\n")
	}
	return b.Flush()
}

func itoa(n int) string { return fmt.Sprint(n) }
