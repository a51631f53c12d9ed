package report

import (
	"archive/zip"
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"foidesk/deadline"
	"foidesk/store/results"
)

// WriteXLSX writes an Office Open XML workbook of two sheets, "rows" and
// "summary": dates are date cells, counts number cells, everything else
// inline strings (never formulas, whatever they begin with). It is the
// minimal SpreadsheetML Excel and LibreOffice open, written with
// archive/zip, so the report needs no spreadsheet library.
func (rp Report) WriteXLSX(w io.Writer) error {
	z := zip.NewWriter(w)
	files := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="rows" sheetId="1" r:id="rId1"/><sheet name="summary" sheetId="2" r:id="rId2"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`},
		// Style 1 is the built-in date format yyyy-mm-dd (numFmt 164).
		{"xl/styles.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`},
	}
	for _, f := range files {
		fw, err := z.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return err
		}
		if _, err := io.WriteString(fw, f.body); err != nil {
			return err
		}
	}
	sh, err := newSheet(z, "xl/worksheets/sheet1.xml")
	if err != nil {
		return err
	}
	sh.row(textCells(Columns))
	if err := rp.rows(func(r results.Row) error { return sh.row(Cells(r)) }); err != nil {
		return err
	}
	if err := sh.close(); err != nil {
		return err
	}
	// The summary sheet comes after the rows, so it is the rows' count.
	rp, err = rp.summarized()
	if err != nil {
		return err
	}
	sum := [][]Cell{textCells([]string{"campaign", rp.Campaign}), textCells([]string{"as of", ""}), textCells([]string{"figure", "n", "of", "percent", "value"})}
	sum[1][1] = Cell{Date, rp.AsOf}
	for _, l := range rp.Lines() {
		of := ""
		if l.Of > 0 {
			of = itoa(l.Of)
		}
		sum = append(sum, []Cell{{Text, l.Figure}, {Number, l.Count()}, {Number, of}, {Number, l.Percent()}, {Text, l.Value}})
	}
	if sh, err = newSheet(z, "xl/worksheets/sheet2.xml"); err != nil {
		return err
	}
	for _, cells := range sum {
		if err := sh.row(cells); err != nil {
			return err
		}
	}
	if err := sh.close(); err != nil {
		return err
	}
	return z.Close()
}

func textCells(vals []string) []Cell {
	out := make([]Cell, len(vals))
	for i, v := range vals {
		out[i] = Cell{Text, v}
	}
	return out
}

// excelEpoch is day 0 of Excel's 1900 date system as it counts after
// February 1900.
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// ExcelSerial is a YYYY-MM-DD date as an Excel date serial number.
func ExcelSerial(s string) (int, error) {
	d, err := deadline.ParseDate(s)
	if err != nil {
		return 0, err
	}
	y, m, day := d.YMD()
	t := time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
	return int(t.Sub(excelEpoch).Hours() / 24), nil
}

// sheet writes a worksheet's rows one at a time.
type sheet struct {
	b *bufio.Writer
	n int // rows written
}

func newSheet(z *zip.Writer, name string) (*sheet, error) {
	fw, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return nil, err
	}
	b := bufio.NewWriter(fw)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	return &sheet{b: b}, nil
}

// row writes the next row of cells.
func (sh *sheet) row(row []Cell) error {
	sh.n++
	b, i := sh.b, sh.n
	fmt.Fprintf(b, `<row r="%d">`, i)
	for j, c := range row {
		if c.Value == "" {
			continue
		}
		ref := column(j) + fmt.Sprint(i)
		switch c.Kind {
		case Number:
			fmt.Fprintf(b, `<c r="%s"><v>%s</v></c>`, ref, c.Value)
			continue
		case Date:
			if n, err := ExcelSerial(c.Value); err == nil {
				fmt.Fprintf(b, `<c r="%s" s="1"><v>%d</v></c>`, ref, n)
				continue
			}
		}
		fmt.Fprintf(b, `<c r="%s" t="inlineStr"><is><t xml:space="preserve">`, ref)
		xml.EscapeText(b, []byte(xmlSafe(c.Value)))
		b.WriteString(`</t></is></c>`)
	}
	_, err := b.WriteString(`</row>`)
	return err
}

// close ends the sheet.
func (sh *sheet) close() error {
	sh.b.WriteString(`</sheetData></worksheet>`)
	return sh.b.Flush()
}

// column is a 0-based column's letters: A, …, Z, AA, …
func column(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// xmlSafe drops the characters XML 1.0 cannot hold at all.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || r >= 0x10000 {
			return r
		}
		return -1
	}, s)
}
