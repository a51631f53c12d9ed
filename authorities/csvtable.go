package authorities

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxFileBytes bounds an input file: the UK has about 400 councils, so a
// file this large is a mistake, and reading it whole keeps line numbers and
// the binary check simple.
const MaxFileBytes = 64 << 20

// InputError is a file that cannot be read as a CSV at all: empty, binary,
// not UTF-8, or without a header. Its message is one sentence for the user.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputErrorf(format string, a ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, a...)}
}

// record is one CSV record with the physical line it starts on.
type record struct {
	line   int   // where the record starts
	lines  []int // where each field starts: a quoted field may span lines
	fields []string
}

// table is a CSV file split into its header and records, every cell trimmed.
type table struct {
	header     []string // lower case
	headerLine int
	cols       map[string]int
	records    []record
}

// col returns the cell of column name in r, "" when the column is absent.
func (t *table) col(r record, name string) (string, bool) {
	i, ok := t.cols[name]
	if !ok || i >= len(r.fields) {
		return "", ok
	}
	return r.fields[i], true
}

// lineOf returns the line where column name's field of r starts, so a
// problem in a field after a multi-line one points at the right line.
func (t *table) lineOf(r record, name string) int {
	if i, ok := t.cols[name]; ok && i < len(r.lines) {
		return r.lines[i]
	}
	return r.line
}

// readAll reads at most MaxFileBytes from r.
func readAll(file string, r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	if len(data) > MaxFileBytes {
		return nil, inputErrorf("%s is larger than %d MiB, far more than any authority list; check it is the right file", file, MaxFileBytes>>20)
	}
	return data, nil
}

// readTable splits data into header and records. Whole-file failures come
// back as an *InputError; a malformed record is a problem on its line and
// readImport reads file whole and parses it as a table, for an Import that
// will collect the problems found in it.
func readImport(file string, r io.Reader) (*Import, *table, error) {
	data, err := readAll(file, r)
	if err != nil {
		return nil, nil, err
	}
	im := &Import{File: file}
	t, err := readTable(im, data)
	if err != nil {
		return nil, nil, err
	}
	return im, t, nil
}

// reading goes on, so the user sees every fault at once.
func readTable(im *Import, data []byte) (*table, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // UTF-8 byte order mark, as Excel writes
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, inputErrorf("%s is empty: it needs a header line naming the columns and one line per authority", im.File)
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, inputErrorf("%s is not a CSV file: it holds binary data (if it is a spreadsheet, save it as \"CSV UTF-8\")", im.File)
	}
	if !utf8.Valid(data) {
		bad := 0
		for i := 0; i < len(data); {
			r, n := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && n == 1 {
				bad = i
				break
			}
			i += n
		}
		return nil, inputErrorf("%s is not UTF-8 text (first bad byte on line %d): save it as \"CSV UTF-8\"", im.File, bytes.Count(data[:bad], []byte("\n"))+1)
	}

	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1 // counts are checked per record, with a clearer message
	t := &table{cols: map[string]int{}}
	first := true
	for {
		fields, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			if first {
				return nil, inputErrorf("%s is not a CSV file: line %d: %s", im.File, pe.Line, csvReason(pe.Err))
			}
			im.problem(pe.Line, "%s", csvReason(pe.Err))
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", im.File, err)
		}
		line, _ := cr.FieldPos(0)
		empty := true
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
			if fields[i] != "" {
				empty = false
			}
		}
		if empty { // a spreadsheet's trailing ",,,," rows
			continue
		}
		if first {
			first = false
			t.headerLine = line
			for i, h := range fields {
				h = strings.ToLower(h)
				t.header = append(t.header, h)
				if h == "" {
					continue
				}
				if prev, dup := t.cols[h]; dup {
					im.problem(line, "column %q appears twice in the header (columns %d and %d)", h, prev+1, i+1)
					continue
				}
				t.cols[h] = i
			}
			continue
		}
		if len(fields) != len(t.header) {
			im.problem(line, "has %d fields but the header has %d columns", len(fields), len(t.header))
			continue
		}
		lines := make([]int, len(fields))
		for i := range fields {
			lines[i], _ = cr.FieldPos(i)
		}
		t.records = append(t.records, record{line: line, lines: lines, fields: fields})
	}
	if first {
		return nil, inputErrorf("%s is empty: it needs a header line naming the columns and one line per authority", im.File)
	}
	return t, nil
}

func csvReason(err error) string {
	switch {
	case errors.Is(err, csv.ErrBareQuote):
		return `a quote mark inside an unquoted field (quote the whole field and double the quote mark: "a ""b"" c")`
	case errors.Is(err, csv.ErrQuote):
		return "a quoted field is not closed, or has text after its closing quote"
	}
	return err.Error()
}

// unknownColumns warns about header cells none of known names.
func unknownColumns(im *Import, t *table, known ...string) {
	for i, h := range t.header {
		found := false
		for _, k := range known {
			if h == k {
				found = true
			}
		}
		if !found {
			name := h
			if name == "" {
				name = fmt.Sprintf("(unnamed column %d)", i+1)
			}
			im.warn(t.headerLine, "unknown column %q ignored (known columns: %s)", name, strings.Join(known, ", "))
		}
	}
}
