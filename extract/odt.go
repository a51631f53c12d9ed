package extract

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"
)

// parseODT reads an OpenDocument text: paragraphs, headings, lists and
// tables from content.xml, footnotes and endnotes collected after the body
// (inline they would split sentences), and headers and footers from the
// master pages in styles.xml.
func parseODT(data []byte, lim Limits) Result {
	zr, err := openZip(data, lim)
	if err != nil {
		return failed(TypeODT, "%v", err)
	}
	files := zipFiles(zr)
	if odfEncrypted(files, lim) {
		return Result{Status: StatusEncrypted, Reason: "a password-protected OpenDocument file; ask the authority for an unprotected copy"}
	}
	cf := files["content.xml"]
	if cf == nil {
		return failed(TypeODT, "damaged OpenDocument: no content.xml")
	}
	content, err := readZipMember(cf, lim)
	if err != nil {
		return failed(TypeODT, "content.xml: %v", err)
	}
	body, notes, err := odfText(content, false)
	if err != nil {
		return failed(TypeODT, "content.xml: %v", err)
	}
	var headers, footers string
	if sf := files["styles.xml"]; sf != nil {
		if styles, err := readZipMember(sf, lim); err == nil {
			headers, footers, _ = odfText(styles, true)
		}
	}
	return Result{Engine: EngineGo, Pages: []Page{{Number: 1, Text: joinNonEmpty([]string{headers, body, notes, footers})}}}
}

// odfText walks ODF XML, returning the body and the notes. With
// headersOnly, only text inside style:header and style:footer (and their
// left/first variants) counts, returned as headers and footers: styles.xml
// also holds sample text that is not in the document.
func odfText(data []byte, headersOnly bool) (body, notes string, err error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	var b, nb strings.Builder
	inNote, inCitation, inHeader, inPara := 0, 0, 0, 0
	inFooter := false
	out := func() *strings.Builder {
		if inNote > 0 || inFooter {
			return &nb
		}
		return &b
	}
	skip := 0 // inside tracked changes: deleted text is not the document's
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return b.String(), nb.String(), err
		}
		if skip > 0 {
			switch tok.(type) {
			case xml.StartElement:
				skip++
			case xml.EndElement:
				skip--
			}
			continue
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "tracked-changes":
				skip = 1
			case "header", "footer", "header-left", "footer-left", "header-first", "footer-first":
				if t.Name.Space == "urn:oasis:names:tc:opendocument:xmlns:style:1.0" {
					inHeader++
					inFooter = strings.HasPrefix(t.Name.Local, "footer")
				}
			case "note":
				inNote++
			case "p", "h":
				inPara++
			case "note-citation":
				inCitation++
			case "tab":
				out().WriteByte('\t')
			case "line-break":
				out().WriteByte('\n')
			case "s":
				n := 1
				for _, a := range t.Attr {
					if a.Name.Local == "c" {
						if v, err := strconv.Atoi(a.Value); err == nil && v > 0 && v < 100 {
							n = v
						}
					}
				}
				out().WriteString(strings.Repeat(" ", n))
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "header", "footer", "header-left", "footer-left", "header-first", "footer-first":
				if inHeader > 0 && t.Name.Space == "urn:oasis:names:tc:opendocument:xmlns:style:1.0" {
					inHeader--
					out().WriteByte('\n')
					inFooter = false
				}
			case "note":
				inNote--
			case "note-citation":
				inCitation--
			case "p", "h":
				inPara--
				out().WriteByte('\n')
			case "table-cell":
				out().WriteByte('\t')
			case "table-row":
				out().WriteByte('\n')
			}
		case xml.CharData:
			if inPara == 0 || inCitation > 0 || (headersOnly && inHeader == 0) {
				continue
			}
			out().Write(t)
		}
	}
	return tidyCells(b.String()), tidyCells(nb.String()), nil
}

// odfEncrypted reports whether the package's manifest says its parts are
// encrypted (a password to open).
func odfEncrypted(files map[string]*zip.File, lim Limits) bool {
	f := files["META-INF/manifest.xml"]
	if f == nil {
		return false
	}
	b, err := readZipMember(f, lim)
	return err == nil && bytes.Contains(b, []byte("encryption-data"))
}
