package report

import (
	"io"
	"strconv"
	"time"

	"foidesk/store"
)

// EventColumns are the audit export's CSV headings.
var EventColumns = []string{"id", "at", "kind", "actor", "authority_id", "request_id", "message_id", "ref", "detail"}

// WriteEventsCSV writes the audit log as CSV, one event at a time as each
// calls back: the CSV rules of the report (BOM, CRLF, formulas
// neutralised), ids as numbers and the detail as JSON text.
func WriteEventsCSV(w io.Writer, each func(func(store.ExportedEvent) error) error) error {
	c, err := NewCSV(w)
	if err != nil {
		return err
	}
	if err := c.Texts(EventColumns...); err != nil {
		return err
	}
	id := func(n int64) Cell {
		if n == 0 {
			return Cell{Number, ""}
		}
		return Cell{Number, strconv.FormatInt(n, 10)}
	}
	n := 0
	err = each(func(ev store.ExportedEvent) error {
		if err := c.Record([]Cell{id(ev.ID), {Text, ev.At.UTC().Format(time.RFC3339Nano)}, {Text, ev.Kind}, {Text, ev.Actor},
			id(ev.Subject.Authority), id(ev.Subject.Request), id(ev.Subject.Message), {Text, ev.Ref}, {Text, string(ev.Detail)}}); err != nil {
			return err
		}
		if n++; n%512 == 0 {
			return c.Flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.Flush()
}
