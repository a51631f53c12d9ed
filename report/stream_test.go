package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"foidesk/store/results"
)

func streamRows() []results.Row {
	late, early := 3, -2
	return []results.Row{
		{RequestID: 1, AuthorityID: 1, Code: "A", Name: "Avon <b>&", Nation: "England", State: "replied", Delivery: "delivered", Sent: "2026-11-02",
			Due: "2026-12-01", RepliedOn: "2026-12-04", DaysLate: &late, Coded: true, Labels: []string{"policy"}, Outcome: results.OutcomeRefused,
			Exemptions: []string{"s.40", "s.43"}, CoderA: "policy", CoderB: "none", Documents: []int64{4, 9}, LastMessage: "2026-12-04", LastKind: "refusal"},
		{RequestID: 2, AuthorityID: 2, Code: "=B", Name: "Bute, \"the\" isle", Nation: "Scotland", State: "replied", Delivery: "delivered",
			Sent: "2026-11-02", Due: "2026-12-01", RepliedOn: "2026-11-28", DaysLate: &early, Outcome: results.OutcomeNotHeld, OutcomeInferred: true},
		{AuthorityID: 3, Code: "C", Name: "Conwy", Nation: "Wales", State: results.NoAddress},
	}
}

// TestStreamWritesWhatHeldRowsWrite: a streamed report writes, in every
// format, the bytes the same rows held write, reading its rows once per
// format; and JSON is what encoding/json's indenting encoder writes.
func TestStreamWritesWhatHeldRowsWrite(t *testing.T) {
	for _, rows := range [][]results.Row{streamRows(), nil} {
		held := New("c|1", "2026-12-15", true, rows)
		passes := 0
		streamed := func() Report {
			return Stream("c|1", "2026-12-15", true, func(fn func(results.Row) error) error {
				passes++
				for _, r := range rows {
					if err := fn(r); err != nil {
						return err
					}
				}
				return nil
			})
		}
		for name, write := range map[string]func(Report, io.Writer) error{
			"md": Report.WriteMarkdown, "csv": Report.WriteCSV, "json": Report.WriteJSON, "xlsx": Report.WriteXLSX, "summary": Report.WriteSummaryCSV,
		} {
			var want, got bytes.Buffer
			if err := write(held, &want); err != nil {
				t.Fatal(err)
			}
			passes = 0
			if err := write(streamed(), &got); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("%s, %d rows: streamed\n%s\nheld\n%s", name, len(rows), got.Bytes(), want.Bytes())
			}
			if passes != 1 {
				t.Errorf("%s read the rows %d times", name, passes)
			}
		}
		// The rows CSV and then its summary, from one report: one reading.
		passes = 0
		rp := streamed()
		var a, b bytes.Buffer
		if err := rp.WriteCSV(&a); err != nil {
			t.Fatal(err)
		}
		if err := rp.WriteSummaryCSV(&b); err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		held.WriteSummaryCSV(&want)
		if passes != 1 || !bytes.Equal(b.Bytes(), want.Bytes()) {
			t.Errorf("csv then summary: %d readings, summary\n%s", passes, b.Bytes())
		}
		var ref bytes.Buffer
		enc := json.NewEncoder(&ref)
		enc.SetIndent("", "  ")
		jr := rows
		if jr == nil {
			jr = []results.Row{}
		}
		enc.Encode(struct {
			Campaign string          `json:"campaign"`
			AsOf     string          `json:"as_of"`
			Coded    bool            `json:"coded"`
			Summary  results.Summary `json:"summary"`
			Rows     []results.Row   `json:"rows"`
		}{held.Campaign, held.AsOf, held.Coded, results.Summarize(rows), jr})
		var got bytes.Buffer
		streamed().WriteJSON(&got)
		if !bytes.Equal(got.Bytes(), ref.Bytes()) {
			t.Errorf("json\n%s\nwant\n%s", got.Bytes(), ref.Bytes())
		}
	}
}

// TestStreamStopsOnError: an error reading the rows is the writer's.
func TestStreamStopsOnError(t *testing.T) {
	bad := errors.New("database gone")
	for name, write := range map[string]func(Report, io.Writer) error{
		"md": Report.WriteMarkdown, "csv": Report.WriteCSV, "json": Report.WriteJSON, "xlsx": Report.WriteXLSX, "summary": Report.WriteSummaryCSV,
	} {
		rp := Stream("c", "2026-12-15", false, func(fn func(results.Row) error) error {
			fn(streamRows()[0])
			return bad
		})
		if err := write(rp, io.Discard); !errors.Is(err, bad) {
			t.Errorf("%s: %v, want %v", name, err, bad)
		}
	}
}
