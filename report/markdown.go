package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"foidesk/store/results"
)

// mdCell escapes a cell for a Markdown table: pipes and backslashes
// escaped, line breaks made spaces, and < > & as entities so that a name
// holding HTML stays text in the post.
var mdCell = strings.NewReplacer(`\`, `\\`, "|", `\|`, "\r\n", " ", "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;", "&", "&amp;", "`", "\\`")

// WriteMarkdown writes what a blog post pastes: a heading, the summary
// table and the rows table.
func (rp Report) WriteMarkdown(w io.Writer) error {
	rp, rows, done, err := rp.spool(func(b *bufio.Writer, r results.Row) error {
		cells := Cells(r)
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" ")
			b.WriteString(mdCell.Replace(c.Value))
			b.WriteString(" |")
		}
		_, err := b.WriteString("\n")
		return err
	})
	defer done()
	if err != nil {
		return err
	}
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
	if _, err := b.ReadFrom(rows); err != nil {
		return err
	}
	return b.Flush()
}

func itoa(n int) string { return fmt.Sprint(n) }
