package extract

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"
)

// File types, detected from content. Filenames and declared MIME types are
// ignored: councils' mail systems get both wrong ("policy.pdf" that is a
// Word file, "application/octet-stream" for everything).
const (
	TypePDF     = "pdf"
	TypeDOCX    = "docx"
	TypeXLSX    = "xlsx"
	TypePPTX    = "pptx"
	TypeOOXML   = "ooxml" // another Office Open XML package (Visio, …)
	TypeODT     = "odt"
	TypeODS     = "ods"
	TypeODF     = "odf" // another OpenDocument package
	TypeZip     = "zip"
	TypeDoc     = "doc" // OLE2 compound file: Word 97–2003 (or .xls/.msg, which antiword refuses)
	TypeRTF     = "rtf"
	TypeHTML    = "html"
	TypeEmail   = "email"
	TypeCSV     = "csv"
	TypeText    = "text"
	TypeImage   = "image"
	TypeUnknown = "unknown"
)

// sniffLen is how much of a file detection reads.
const sniffLen = 8192

// DetectFile reads the start of the file at path (and, for zips, the
// central directory) and names its type: the most likely reading when the
// bytes allow two (see detectFile).
func DetectFile(path string) (string, error) {
	d, err := detectFile(path)
	return d.typ, err
}

// detection is what a file's structure says it is. Some files are two
// things at once: a zip whose first member is stored uncompressed starts
// with that member's bytes, so a stored PDF puts a PDF header within the
// first kilobyte of a valid zip. Such a file has an alternative reading,
// and extractPath tries it too.
type detection struct {
	typ string
	// alt is another reading of the same bytes, or "".
	alt string
	// both: extract as typ and as alt and keep whichever yields more.
	// Otherwise alt is tried only when typ fails.
	both bool
	// why describes the ambiguity for the result's notes.
	why string
}

// detectFile detects the type of the file at path from its structure.
func detectFile(path string) (detection, error) {
	f, err := os.Open(path)
	if err != nil {
		return detection{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return detection{}, err
	}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return detection{}, err
	}
	return sniff(head[:n], f, fi.Size()), nil
}

// Detect names the type of a file from its first bytes, taken as the whole
// file: a zip is recognised by its end-of-central-directory record, so a
// head cut from a longer zip is reported as TypeZip from its local header
// alone.
func Detect(head []byte) string {
	return sniff(head, bytes.NewReader(head), int64(len(head))).typ
}

// pdfTolerance is how far into a file a PDF header may sit: readers accept
// up to a kilobyte of junk before it.
const pdfTolerance = 1024

// sniff detects a file's type from its head and, through r, its tail. A
// zip is a valid end-of-central-directory record (within the 64 KiB comment
// limit of the end) whose central directory parses; a PDF is a "%PDF-"
// header at offset 0, or after junk within the first kilobyte. When both
// hold, the file is ambiguous and both readings are kept. A PDF header after
// junk is tried as a PDF first and, when that fails, as what the rest of
// the head says.
func sniff(head []byte, r io.ReaderAt, size int64) detection {
	if len(head) == 0 {
		return detection{typ: "empty"}
	}
	pdfAt := bytes.Index(head[:min(len(head), pdfTolerance)], []byte("%PDF-"))
	if zr := openZipStructure(r, size); zr != nil {
		kind := zipKindOf(zr)
		if pdfAt >= 0 {
			return detection{typ: kind, alt: TypePDF, both: true,
				why: fmt.Sprintf("the file is a valid %s (%d entries) and also has a PDF header at byte %d (a zip whose first member is a PDF stored uncompressed looks like this)", kind, len(zr.File), pdfAt)}
		}
		return detection{typ: kind}
	}
	if pdfAt == 0 {
		return detection{typ: TypePDF}
	}
	other := detectHead(head)
	if pdfAt > 0 {
		return detection{typ: TypePDF, alt: other,
			why: fmt.Sprintf("the PDF header is at byte %d, after other content", pdfAt)}
	}
	return detection{typ: other}
}

// openZipStructure opens r as a zip when it has a valid end-of-central-
// directory record and central directory, or returns nil.
func openZipStructure(r io.ReaderAt, size int64) *zip.Reader {
	zr, err := zip.NewReader(r, size)
	if err != nil && !(errors.Is(err, zip.ErrInsecurePath) && zr != nil) {
		return nil
	}
	return zr
}

// detectHead names a type from magic numbers at offset 0 and from what
// text looks like. A zip's local header with no valid directory is still
// reported as TypeZip, so that extractZip says it is damaged.
func detectHead(head []byte) string {
	switch {
	case len(head) == 0:
		return "empty"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return TypeZip
	case bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		return TypeDoc
	case bytes.HasPrefix(head, []byte(`{\rtf`)):
		return TypeRTF
	case bytes.HasPrefix(head, []byte("\x89PNG")), bytes.HasPrefix(head, []byte("\xFF\xD8\xFF")),
		bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")),
		bytes.HasPrefix(head, []byte("GIF8")):
		return TypeImage
	}
	if !looksText(head) {
		return TypeUnknown
	}
	s := string(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")))
	if looksEmail(s) {
		return TypeEmail
	}
	lower := strings.ToLower(strings.TrimSpace(s[:min(len(s), 1024)]))
	if strings.HasPrefix(lower, "<!doctype html") || strings.HasPrefix(lower, "<html") ||
		strings.Contains(lower, "<html") || strings.Contains(lower, "<body") ||
		(strings.HasPrefix(lower, "<") && htmlTag.MatchString(lower)) {
		return TypeHTML
	}
	if looksCSV(s) {
		return TypeCSV
	}
	return TypeText
}

var htmlTag = regexp.MustCompile(`<(p|div|table|br|h[1-6]|head|meta|span)[\s>/]`)

// looksText: no NUL bytes outside UTF-16, and mostly printable.
func looksText(b []byte) bool {
	if bytes.HasPrefix(b, []byte("\xFF\xFE")) || bytes.HasPrefix(b, []byte("\xFE\xFF")) {
		return true // UTF-16 with a byte-order mark
	}
	if bytes.IndexByte(b, 0) >= 0 {
		return false
	}
	if utf8.Valid(trimPartialRune(b)) {
		return true
	}
	// A legacy 8-bit charset: allow high bytes, refuse most control bytes.
	ctrl := 0
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' {
			ctrl++
		}
	}
	return ctrl*100 < len(b)
}

// trimPartialRune drops a multi-byte character cut off by the sniff window.
func trimPartialRune(b []byte) []byte {
	for i := 0; i < 3 && len(b) > 0; i++ {
		r, size := utf8.DecodeLastRune(b)
		if r != utf8.RuneError || size != 1 {
			break
		}
		b = b[:len(b)-1]
	}
	return b
}

var headerLine = regexp.MustCompile(`^[A-Za-z0-9-]+:[ \t]`)

// looksEmail: the file starts with an RFC 5322 header block that names at
// least two of the headers every real message has.
func looksEmail(s string) bool {
	s = strings.TrimPrefix(s, "From ") // an mbox "From " line
	known := 0
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			break
		}
		if i == 0 && strings.HasPrefix(s, "From ") {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // folded header
		}
		if !headerLine.MatchString(line) {
			return false
		}
		name := strings.ToLower(line[:strings.IndexByte(line, ':')])
		switch name {
		case "from", "to", "subject", "date", "message-id", "received", "mime-version", "return-path", "delivered-to":
			known++
		}
	}
	return known >= 2
}

// looksCSV: at least three lines, each with the same non-zero number of one
// delimiter.
func looksCSV(s string) bool {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	if len(lines) > 1 && len(s) == sniffLen {
		lines = lines[:len(lines)-1] // the last may be cut off
	}
	var nonEmpty []string
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			nonEmpty = append(nonEmpty, l)
		}
	}
	if len(nonEmpty) < 3 {
		return false
	}
	for _, d := range []string{",", ";", "\t"} {
		n := strings.Count(nonEmpty[0], d)
		if n == 0 {
			continue
		}
		ok := true
		for _, l := range nonEmpty[1:min(len(nonEmpty), 20)] {
			if strings.Count(l, d) != n {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// zipKindOf looks at a zip's member names to tell Office packages from
// plain archives.
func zipKindOf(zr *zip.Reader) string {
	names := map[string]*zip.File{}
	for _, f := range zr.File {
		names[f.Name] = f
	}
	if f, ok := names["mimetype"]; ok && f.UncompressedSize64 < 256 {
		if rc, err := f.Open(); err == nil {
			b, _ := io.ReadAll(io.LimitReader(rc, 256))
			rc.Close()
			switch mt := strings.TrimSpace(string(b)); {
			case mt == "application/vnd.oasis.opendocument.text":
				return TypeODT
			case mt == "application/vnd.oasis.opendocument.spreadsheet":
				return TypeODS
			case strings.HasPrefix(mt, "application/vnd.oasis.opendocument."):
				return TypeODF
			}
		}
	}
	if _, ok := names["[Content_Types].xml"]; ok {
		switch {
		case names["word/document.xml"] != nil:
			return TypeDOCX
		case names["xl/workbook.xml"] != nil:
			return TypeXLSX
		case names["ppt/presentation.xml"] != nil:
			return TypePPTX
		}
		return TypeOOXML
	}
	if names["content.xml"] != nil && names["META-INF/manifest.xml"] != nil {
		return TypeODT // an OpenDocument without its mimetype member
	}
	return TypeZip
}
