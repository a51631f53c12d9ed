package report

import (
	"bufio"
	"encoding/json"
	"io"

	"foidesk/store/results"
)

// WriteJSON writes {"campaign", "as_of", "coded", "summary", "rows"},
// indented by two spaces: the bytes encoding/json's indenting encoder
// writes for that object, with the rows written one at a time.
func (rp Report) WriteJSON(w io.Writer) error {
	first := true
	rp, rows, done, err := rp.spool(func(b *bufio.Writer, r results.Row) error {
		j, err := json.MarshalIndent(r, "    ", "  ")
		if err != nil {
			return err
		}
		if first {
			b.WriteString("\n    ")
			first = false
		} else {
			b.WriteString(",\n    ")
		}
		_, err = b.Write(j)
		return err
	})
	defer done()
	if err != nil {
		return err
	}
	b := bufio.NewWriter(w)
	head := []struct {
		key string
		v   any
	}{{"campaign", rp.Campaign}, {"as_of", rp.AsOf}, {"coded", rp.Coded}, {"summary", rp.Summary}}
	b.WriteString("{")
	for i, h := range head {
		j, err := json.MarshalIndent(h.v, "  ", "  ")
		if err != nil {
			return err
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  \"" + h.key + "\": ")
		b.Write(j)
	}
	b.WriteString(",\n  \"rows\": [")
	if _, err := b.ReadFrom(rows); err != nil {
		return err
	}
	if !first {
		b.WriteString("\n  ")
	}
	b.WriteString("]\n}\n")
	return b.Flush()
}
