package demo

import (
	"bytes"
	"fmt"
	"strings"
)

// PolicyPDF is a small valid PDF whose one page carries lines of text in
// Helvetica, as a council's exported policy would.
func PolicyPDF(lines ...string) []byte {
	var content strings.Builder
	content.WriteString("BT /F1 12 Tf 72 760 Td 16 TL\n")
	for _, l := range lines {
		l = strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(l)
		fmt.Fprintf(&content, "(%s) Tj T*\n", l)
	}
	content.WriteString("ET\n")
	return writePDF("%PDF-1.4\n", [][]byte{
		[]byte("<< /Type /Catalog /Pages 2 0 R >>"),
		[]byte("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
		[]byte("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"),
		stream("", []byte(content.String())),
		[]byte("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"),
	})
}

// stream is a PDF stream object: data under a dictionary of its length
// and the entries in dict (e.g. "/Filter /DCTDecode").
func stream(dict string, data []byte) []byte {
	var b bytes.Buffer
	if dict != "" {
		dict += " "
	}
	fmt.Fprintf(&b, "<< %s/Length %d >>\nstream\n", dict, len(data))
	b.Write(data)
	b.WriteString("endstream")
	return b.Bytes()
}

// writePDF lays out objs as objects 1, 2, … after header, with the
// cross-reference table a reader seeks by; object 1 is the catalog.
func writePDF(header string, objs [][]byte) []byte {
	var b bytes.Buffer
	b.WriteString(header)
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n", i+1)
		b.Write(o)
		b.WriteString("\nendobj\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
