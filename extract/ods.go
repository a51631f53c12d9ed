package extract

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
)

// parseODS reads an OpenDocument spreadsheet: one page per sheet, a row
// per line, cells separated by tabs. Repeated rows and columns (how ODF
// stores blank areas) are expanded only when they hold text, and within the
// cell budget, so a sheet that declares a million repeated rows costs
// nothing.
func parseODS(data []byte, lim Limits) Result {
	zr, err := openZip(data, lim)
	if err != nil {
		return failed(TypeODS, "%v", err)
	}
	files := zipFiles(zr)
	if odfEncrypted(files, lim) {
		return Result{Status: StatusEncrypted, Reason: "a password-protected OpenDocument file; ask the authority for an unprotected copy"}
	}
	cf := files["content.xml"]
	if cf == nil {
		return failed(TypeODS, "damaged OpenDocument: no content.xml")
	}
	content, err := readZipMember(cf, lim)
	if err != nil {
		return failed(TypeODS, "content.xml: %v", err)
	}
	d := xml.NewDecoder(bytes.NewReader(content))
	d.Strict = false
	res := Result{Engine: EngineGo}
	var sheet strings.Builder
	var sheetName string
	var row []string
	var cell strings.Builder
	rowRepeat, cellRepeat := 1, 1
	inCell, inPara := false, 0
	cells := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return failed(TypeODS, "content.xml: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "table":
				sheet.Reset()
				sheetName = attr(t, "name")
			case "table-row":
				row = row[:0]
				rowRepeat = repeat(attr(t, "number-rows-repeated"))
			case "table-cell", "covered-table-cell":
				inCell = true
				cell.Reset()
				cellRepeat = repeat(attr(t, "number-columns-repeated"))
			case "p", "h":
				if inCell && cell.Len() > 0 {
					cell.WriteByte(' ')
				}
				inPara++
			case "s":
				cell.WriteByte(' ')
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "p", "h":
				inPara--
			case "table-cell", "covered-table-cell":
				inCell = false
				v := cell.String()
				if v == "" {
					cellRepeat = min(cellRepeat, 1)
				}
				for i := 0; i < cellRepeat; i++ {
					cells++
					if cells > lim.MaxSpreadsheetCells {
						return failed(TypeODS, "more than %d cells", lim.MaxSpreadsheetCells)
					}
					row = append(row, v)
				}
			case "table-row":
				line := strings.TrimRight(strings.Join(row, "\t"), "\t")
				if line != "" {
					for i := 0; i < rowRepeat; i++ {
						cells += len(row)
						if cells > lim.MaxSpreadsheetCells {
							return failed(TypeODS, "more than %d cells", lim.MaxSpreadsheetCells)
						}
						sheet.WriteString(line)
						sheet.WriteByte('\n')
					}
				}
			case "table":
				res.Pages = append(res.Pages, Page{Number: len(res.Pages) + 1, Origin: sheetName, Text: sheet.String()})
			}
		case xml.CharData:
			if inCell && inPara > 0 {
				cell.Write(t)
			}
		}
	}
	return res
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func repeat(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 1
	}
	return n
}
