package demo

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"strings"
)

// policyDOCX is a minimal Word document with one paragraph per line, as a
// council's guidance saved from Word would be.
func policyDOCX(lines ...string) []byte {
	var body strings.Builder
	for _, l := range lines {
		body.WriteString("<w:p><w:r><w:t>")
		xml.EscapeText(&body, []byte(l))
		body.WriteString("</w:t></w:r></w:p>")
	}
	return zipOf([][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body.String() + `</w:body></w:document>`},
	})
}

// zipOf is a zip archive of the named members.
func zipOf(members [][2]string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, m := range members {
		f, err := w.Create(m[0])
		if err != nil {
			panic(err) // writing to memory cannot fail
		}
		f.Write([]byte(m[1]))
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	return b.Bytes()
}
