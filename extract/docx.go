package extract

import (
	"bytes"
	"encoding/xml"
	"io"
	"sort"
	"strings"
)

// parseDOCX reads a Word document: body paragraphs and tables in order,
// then footnotes and endnotes, with headers first and footers last, as they
// appear on a printed page. Deleted tracked changes and field codes are left
// out; they are not what the authority sent as its text.
func parseDOCX(data []byte, lim Limits) Result {
	zr, err := openZip(data, lim)
	if err != nil {
		return failed(TypeDOCX, "%v", err)
	}
	files := zipFiles(zr)
	read := func(name string) (string, error) {
		f := files[name]
		if f == nil {
			return "", nil
		}
		b, err := readZipMember(f, lim)
		if err != nil {
			return "", err
		}
		return wordXMLText(b)
	}
	body, err := read("word/document.xml")
	if err != nil {
		return failed(TypeDOCX, "word/document.xml: %v", err)
	}
	var headers, footers []string
	var names []string
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		isHeader := strings.HasPrefix(name, "word/header") && strings.HasSuffix(name, ".xml")
		isFooter := strings.HasPrefix(name, "word/footer") && strings.HasSuffix(name, ".xml")
		if !isHeader && !isFooter {
			continue
		}
		t, err := read(name)
		if err != nil {
			return failed(TypeDOCX, "%s: %v", name, err)
		}
		if isHeader {
			headers = appendUnique(headers, t)
		} else {
			footers = appendUnique(footers, t)
		}
	}
	var notes []string
	for _, name := range []string{"word/footnotes.xml", "word/endnotes.xml"} {
		t, err := read(name)
		if err != nil {
			return failed(TypeDOCX, "%s: %v", name, err)
		}
		notes = appendUnique(notes, t)
	}
	parts := append(append(append(headers, body), notes...), footers...)
	return Result{Engine: EngineGo, Pages: []Page{{Number: 1, Text: joinNonEmpty(parts)}}}
}

func appendUnique(list []string, s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return list
	}
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func joinNonEmpty(parts []string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n\n")
}

// wordXMLText walks WordprocessingML: w:t is text, w:p ends a paragraph,
// w:tc a table cell, w:tr a row. Separator footnotes (w:footnote with a
// w:type) are skipped.
func wordXMLText(data []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	var b strings.Builder
	inText := false
	skip := 0 // depth inside an element whose text is not content
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return b.String(), err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 {
				skip++
				continue
			}
			switch t.Name.Local {
			case "t":
				inText = true
			case "delText", "instrText":
				skip = 1
			case "Fallback":
				// mc:AlternateContent holds the same text box twice: as
				// DrawingML (mc:Choice) and as VML for old readers.
				skip = 1
			case "footnote", "endnote":
				for _, a := range t.Attr {
					if a.Name.Local == "type" && a.Value != "normal" {
						skip = 1
					}
				}
			case "tab":
				b.WriteByte('\t')
			case "br", "cr":
				b.WriteByte('\n')
			case "noBreakHyphen":
				b.WriteByte('-')
			}
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			switch t.Name.Local {
			case "t":
				inText = false
			case "p":
				b.WriteByte('\n')
			case "tc":
				b.WriteByte('\t')
			case "tr":
				b.WriteByte('\n')
			}
		case xml.CharData:
			if inText && skip == 0 {
				b.Write(t)
			}
		}
	}
	return tidyCells(b.String()), nil
}

// tidyCells removes the newline a cell's last paragraph leaves before the
// cell's tab, so a table row reads as one line.
func tidyCells(s string) string {
	s = strings.ReplaceAll(s, "\n\t", "\t")
	return strings.ReplaceAll(s, "\t\n", "\n")
}
