package report

import (
	"encoding/json"
	"io"

	"foidesk/store/results"
)

// WriteJSON writes {"campaign", "as_of", "coded", "summary", "rows"}.
func (rp Report) WriteJSON(w io.Writer) error {
	rows := rp.Rows
	if rows == nil {
		rows = []results.Row{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Campaign string          `json:"campaign"`
		AsOf     string          `json:"as_of"`
		Coded    bool            `json:"coded"`
		Summary  results.Summary `json:"summary"`
		Rows     []results.Row   `json:"rows"`
	}{rp.Campaign, rp.AsOf, rp.Coded, rp.Summary, rows})
}
