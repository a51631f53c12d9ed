package report

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"

	"foidesk/store/results"
)

// spool writes every row with write and counts the summary in the same
// reading, for the formats that print the summary before the rows: a
// streamed report's rows go to a temporary file (a held report's to
// memory, where they already are). It returns the report with its
// Summary, what was written, and a func that removes the temporary file.
func (rp Report) spool(write func(*bufio.Writer, results.Row) error) (Report, io.Reader, func(), error) {
	if rp.each == nil {
		var buf bytes.Buffer
		b := bufio.NewWriter(&buf)
		for _, r := range rp.Rows {
			if err := write(b, r); err != nil {
				return rp, nil, func() {}, err
			}
		}
		err := b.Flush()
		return rp, &buf, func() {}, err
	}
	f, err := os.CreateTemp("", "foidesk-report-rows-*")
	if err != nil {
		return rp, nil, func() {}, fmt.Errorf("spool rows: %w", err)
	}
	cleanup := func() {
		f.Close()
		os.Remove(f.Name())
	}
	// A pass that spools counts the summary unless one already has.
	rp.sum.done = false
	b := bufio.NewWriterSize(f, 64<<10)
	err = rp.rows(func(r results.Row) error { return write(b, r) })
	if err == nil {
		err = b.Flush()
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		return rp, nil, func() {}, fmt.Errorf("spool rows: %w", err)
	}
	rp.Summary = rp.sum.s
	return rp, bufio.NewReaderSize(f, 64<<10), cleanup, nil
}
