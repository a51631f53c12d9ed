package report

import (
	"bufio"
	"io"
	"strings"

	"foidesk/store/results"
)

// BOM starts every CSV: Excel reads UTF-8 only when it is there.
const BOM = "\ufeff"

// Neutralise makes a text cell safe to open in a spreadsheet: one that
// begins with =, +, -, @, a tab or a carriage return would be read as a
// formula (and could run one), so it gets a leading apostrophe, which
// Excel and LibreOffice show as text. Numbers foidesk computed are
// written as they are (a negative count of days stays a number).
func Neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// CSVWriter writes RFC 4180 CSV: CRLF line ends, a field quoted when it
// holds a comma, a quote, CR or LF, quotes doubled; text cells
// neutralised.
type CSVWriter struct {
	w *bufio.Writer
}

// NewCSV starts a CSV on w with the BOM.
func NewCSV(w io.Writer) (*CSVWriter, error) {
	bw := bufio.NewWriter(w)
	_, err := bw.WriteString(BOM)
	return &CSVWriter{w: bw}, err
}

// Record writes one line of cells.
func (c *CSVWriter) Record(cells []Cell) error {
	for i, cell := range cells {
		if i > 0 {
			c.w.WriteByte(',')
		}
		v := cell.Value
		if cell.Kind == Text {
			v = Neutralise(v)
		}
		if strings.ContainsAny(v, ",\"\r\n") {
			v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
		}
		c.w.WriteString(v)
	}
	_, err := c.w.WriteString("\r\n")
	return err
}

// Texts writes a line of text cells.
func (c *CSVWriter) Texts(vals ...string) error {
	cells := make([]Cell, len(vals))
	for i, v := range vals {
		cells[i] = Cell{Text, v}
	}
	return c.Record(cells)
}

// Flush writes what is buffered.
func (c *CSVWriter) Flush() error { return c.w.Flush() }

// WriteCSV writes the rows table.
func (rp Report) WriteCSV(w io.Writer) error {
	c, err := NewCSV(w)
	if err != nil {
		return err
	}
	if err := c.Texts(Columns...); err != nil {
		return err
	}
	if err := rp.rows(func(r results.Row) error { return c.Record(Cells(r)) }); err != nil {
		return err
	}
	return c.Flush()
}

// WriteSummaryCSV writes the summary: figure, n, of, percent, value.
func (rp Report) WriteSummaryCSV(w io.Writer) error {
	rp, err := rp.summarized()
	if err != nil {
		return err
	}
	c, err := NewCSV(w)
	if err != nil {
		return err
	}
	c.Texts("campaign", rp.Campaign)
	c.Texts("as_of", rp.AsOf)
	c.Texts("figure", "n", "of", "percent", "value")
	for _, l := range rp.Lines() {
		of := ""
		if l.Of > 0 {
			of = itoa(l.Of)
		}
		if err := c.Record([]Cell{{Text, l.Figure}, {Number, l.Count()}, {Number, of}, {Number, l.Percent()}, {Text, l.Value}}); err != nil {
			return err
		}
	}
	return c.Flush()
}
