package extract

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// parseXLSX reads an Excel workbook: one page per sheet, in workbook order,
// named after the sheet; a row per line, cells separated by tabs. Values
// are what Excel stored (shared strings, inline strings, numbers as
// written), not what a format would display.
func parseXLSX(data []byte, lim Limits) Result {
	zr, err := openZip(data, lim)
	if err != nil {
		return failed(TypeXLSX, "%v", err)
	}
	files := zipFiles(zr)
	var shared []string
	if f := files["xl/sharedStrings.xml"]; f != nil {
		b, err := readZipMember(f, lim)
		if err != nil {
			return failed(TypeXLSX, "%v", err)
		}
		shared = xlsxSharedStrings(b)
	}
	wb := files["xl/workbook.xml"]
	if wb == nil {
		return failed(TypeXLSX, "damaged workbook: no xl/workbook.xml")
	}
	wbData, err := readZipMember(wb, lim)
	if err != nil {
		return failed(TypeXLSX, "%v", err)
	}
	targets := map[string]string{}
	if f := files["xl/_rels/workbook.xml.rels"]; f != nil {
		if b, err := readZipMember(f, lim); err == nil {
			var rels struct {
				Rel []struct {
					ID     string `xml:"Id,attr"`
					Target string `xml:"Target,attr"`
				} `xml:"Relationship"`
			}
			_ = xml.Unmarshal(b, &rels)
			for _, r := range rels.Rel {
				t := r.Target
				if strings.HasPrefix(t, "/") {
					t = strings.TrimPrefix(t, "/")
				} else {
					t = path.Join("xl", t)
				}
				targets[r.ID] = t
			}
		}
	}
	var book struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xml.Unmarshal(wbData, &book); err != nil {
		return failed(TypeXLSX, "xl/workbook.xml: %v", err)
	}
	res := Result{Engine: EngineGo}
	cells := 0
	for i, s := range book.Sheets {
		name := targets[s.RID]
		if name == "" {
			name = fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1)
		}
		f := files[name]
		if f == nil {
			res.Notes = append(res.Notes, fmt.Sprintf("sheet %q is missing from the file", s.Name))
			continue
		}
		b, err := readZipMember(f, lim)
		if err != nil {
			return failed(TypeXLSX, "sheet %q: %v", s.Name, err)
		}
		text, n, err := xlsxSheet(b, shared, lim.MaxSpreadsheetCells-cells)
		cells += n
		if err != nil {
			return failed(TypeXLSX, "sheet %q: %v", s.Name, err)
		}
		res.Pages = append(res.Pages, Page{Number: len(res.Pages) + 1, Origin: s.Name, Text: text})
	}
	return res
}

func xlsxSharedStrings(data []byte) []string {
	d := xml.NewDecoder(bytes.NewReader(data))
	var out []string
	var cur strings.Builder
	inT, inPh := false, 0
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				cur.Reset()
			case "t":
				inT = true
			case "rPh":
				inPh++ // phonetic guide text, not cell content
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				out = append(out, cur.String())
			case "t":
				inT = false
			case "rPh":
				inPh--
			}
		case xml.CharData:
			if inT && inPh == 0 {
				cur.Write(t)
			}
		}
	}
	return out
}

// xlsxSheet renders one worksheet; budget bounds the cells read.
func xlsxSheet(data []byte, shared []string, budget int) (string, int, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var b strings.Builder
	var row []string
	var cellType string
	var val strings.Builder
	inV, inIs := false, false
	n := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return b.String(), n, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "row":
				row = row[:0]
			case "c":
				cellType = ""
				for _, a := range t.Attr {
					if a.Name.Local == "t" {
						cellType = a.Value
					}
				}
				val.Reset()
				n++
				if n > budget {
					return b.String(), n, &limitError{"too many cells"}
				}
			case "v":
				inV = true
			case "is":
				inIs = true
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				inV = false
			case "is":
				inIs = false
			case "c":
				v := val.String()
				if cellType == "s" {
					if i, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && i >= 0 && i < len(shared) {
						v = shared[i]
					}
				} else if cellType == "b" {
					v = map[string]string{"1": "TRUE", "0": "FALSE"}[v]
				}
				row = append(row, v)
			case "row":
				line := strings.TrimRight(strings.Join(row, "\t"), "\t")
				if line != "" {
					b.WriteString(line)
					b.WriteByte('\n')
				}
			}
		case xml.CharData:
			if inV || inIs {
				val.Write(t)
			}
		}
	}
	return b.String(), n, nil
}
