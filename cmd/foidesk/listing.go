package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"foidesk/store"
)

// pageFlags are --limit and --after, which every listing command takes:
// keyset pagination by the listing's id, oldest first. The next page is
// --after the last id shown; a listing cut by --limit says so on standard
// error (pageNotice), so standard output stays one table or one JSON array.
type pageFlags struct {
	limit int
	after int64
}

func (p *pageFlags) define(fs *flag.FlagSet) {
	fs.IntVar(&p.limit, "limit", 0, "show at most `N` items (0: all)")
	fs.Int64Var(&p.after, "after", 0, "show only the items after id `ID` (the last id of the page before)")
}

// page is the part of the listing the flags ask for, or a usage error.
func (p *pageFlags) page() (store.Page, error) {
	if p.limit < 0 {
		return store.Page{}, usagef("--limit %d: want a number of items, 0 for all", p.limit)
	}
	if p.after < 0 {
		return store.Page{}, usagef("--after %d: want an id from an earlier page", p.after)
	}
	return store.Page{After: p.after, Limit: p.limit}, nil
}

// pageNotice says on standard error that --limit cut a listing after
// shown items, the last with id last, and how to ask for the next page.
func pageNotice(e *env, shown int, more bool, last int64) {
	if more {
		fmt.Fprintf(e.stderr, "showing %d; more: --after %d\n", shown, last)
	}
}

// jsonArray writes one JSON array an element at a time, indented as
// json.Encoder with SetIndent("", "  ") writes a slice, so a listing of
// any length is printed without holding it.
type jsonArray struct {
	w      *bufio.Writer
	n      int
	indent string // before each element's lines
	end    string // after the closing bracket
}

func newJSONArray(w io.Writer) *jsonArray {
	return &jsonArray{w: bufio.NewWriter(w), indent: "  ", end: "\n"}
}

// newJSONObjectArray starts a JSON object with the members of head (a
// struct) and, last, a member key whose array the caller writes with add:
// the shape json.Encoder gives a struct with a slice field, written as it
// goes.
func newJSONObjectArray(w io.Writer, head any, key string) (*jsonArray, error) {
	b, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		return nil, err
	}
	a := &jsonArray{w: bufio.NewWriter(w), indent: "    ", end: "\n}\n"}
	if rest := bytes.TrimSuffix(b, []byte("\n}")); len(rest) < len(b) && len(rest) > 1 {
		a.w.Write(rest)
		a.w.WriteString(",")
	} else {
		a.w.WriteString("{") // an object without members
	}
	k, _ := json.Marshal(key)
	fmt.Fprintf(a.w, "\n  %s: ", k)
	return a, nil
}

// add writes v as the array's next element.
func (a *jsonArray) add(v any) error {
	b, err := json.MarshalIndent(v, a.indent, "  ")
	if err != nil {
		return err
	}
	sep := ",\n" + a.indent
	if a.n == 0 {
		sep = "[\n" + a.indent
	}
	a.n++
	a.w.WriteString(sep)
	_, err = a.w.Write(b)
	return err
}

// close ends the array ("[]" when nothing was added) and what holds it,
// and flushes them.
func (a *jsonArray) close() error {
	if a.n == 0 {
		a.w.WriteString("[]")
	} else {
		a.w.WriteString("\n" + a.indent[2:] + "]")
	}
	a.w.WriteString(a.end)
	return a.w.Flush()
}

// streamTable is a tab-aligned table written as it goes: columns are
// aligned within each block of store.Batch rows, so a table of any length
// is printed in bounded memory (a text/tabwriter holds every row until it
// is flushed).
type streamTable struct {
	tw   *tabwriter.Writer
	rows int
}

func newStreamTable(w io.Writer) *streamTable {
	return &streamTable{tw: tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)}
}

// row writes one line of tab-separated cells, newline included.
func (t *streamTable) row(format string, a ...any) error {
	if _, err := fmt.Fprintf(t.tw, format, a...); err != nil {
		return err
	}
	if t.rows++; t.rows%store.Batch == 0 {
		return t.tw.Flush()
	}
	return nil
}

func (t *streamTable) flush() error { return t.tw.Flush() }
