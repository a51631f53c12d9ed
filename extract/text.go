package extract

import (
	"bytes"
	"encoding/csv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// decodeText turns bytes of unknown charset into a string: a byte-order
// mark wins, then valid UTF-8, else Windows-1252, the superset of
// ISO-8859-1 that UK council systems actually produce. It also returns the
// charset it chose, for the notes.
func decodeText(b []byte) (string, string) {
	switch {
	case bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")):
		return string(b[3:]), "utf-8"
	case bytes.HasPrefix(b, []byte("\xFF\xFE")):
		s, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(b)
		if err == nil {
			return string(s), "utf-16le"
		}
	case bytes.HasPrefix(b, []byte("\xFE\xFF")):
		s, err := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder().Bytes(b)
		if err == nil {
			return string(s), "utf-16be"
		}
	}
	if utf8.Valid(b) {
		return string(b), "utf-8"
	}
	s, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD"), "unknown"
	}
	return string(s), "windows-1252"
}

// parseText reads plain text in whatever charset it came in.
func parseText(data []byte) Result {
	s, cs := decodeText(data)
	res := Result{Engine: EngineGo, Pages: []Page{{Number: 1, Text: s}}}
	if cs != "utf-8" {
		res.Notes = append(res.Notes, "charset: "+cs)
	}
	return res
}

// parseCSV reads comma-, semicolon- or tab-separated values: a row per
// line, cells separated by tabs. Text that will not parse as CSV is kept as
// plain text rather than lost.
func parseCSV(data []byte) Result {
	s, _ := decodeText(data)
	delim := ','
	first, _, _ := strings.Cut(s, "\n")
	best := strings.Count(first, ",")
	for _, d := range []rune{';', '\t'} {
		if n := strings.Count(first, string(d)); n > best {
			delim, best = d, n
		}
	}
	r := csv.NewReader(strings.NewReader(s))
	r.Comma = delim
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var b strings.Builder
	for {
		rec, err := r.Read()
		if err != nil {
			if err.Error() != "EOF" {
				return parseText(data)
			}
			break
		}
		b.WriteString(strings.TrimRight(strings.Join(rec, "\t"), "\t"))
		b.WriteByte('\n')
	}
	return Result{Engine: EngineGo, Pages: []Page{{Number: 1, Text: b.String()}}}
}
