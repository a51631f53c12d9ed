package report

import (
	"bytes"
	"strings"
	"testing"

	"foidesk/store/results"
)

func TestMarkdownEscapesCells(t *testing.T) {
	rp := New("a|b", "2026-12-15", false, []results.Row{{Code: "X1", Name: "Pipe | and\nnewline <script>alert(1)</script>", State: "no-address"}})
	var b bytes.Buffer
	if err := rp.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	want := `| X1 | Pipe \| and newline &lt;script&gt;alert(1)&lt;/script&gt; |`
	if !strings.Contains(out, want) || !strings.Contains(out, `## a\|b: results`) {
		t.Errorf("markdown:\n%s\nwant a line with %s", out, want)
	}
	if strings.Contains(out, "<script>") {
		t.Error("markdown carries a script tag")
	}
}

func TestCSVQuotesAndNeutralises(t *testing.T) {
	var b bytes.Buffer
	c, _ := NewCSV(&b)
	c.Record([]Cell{{Text, "-1"}, {Number, "-1"}, {Text, "a,b"}, {Text, "line\nbreak"}, {Text, `"q"`}, {Text, "@x"}})
	c.Flush()
	if want := "\ufeff'-1,-1,\"a,b\",\"line\nbreak\",\"\"\"q\"\"\",'@x\r\n"; b.String() != want {
		t.Errorf("csv %q, want %q", b.String(), want)
	}
}

func TestExcelSerial(t *testing.T) {
	for in, want := range map[string]int{"1900-03-01": 61, "2026-11-02": 46328, "2000-01-01": 36526} {
		if got, err := ExcelSerial(in); err != nil || got != want {
			t.Errorf("ExcelSerial(%s) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestCodedLines(t *testing.T) {
	late := 2
	rows := []results.Row{
		{Code: "A", Nation: "England", State: "replied", Delivery: "delivered", Sent: "2026-11-02", RepliedOn: "2026-12-03", DaysLate: &late,
			Coded: true, Labels: []string{"policy"}, Outcome: results.OutcomeRefused, Exemptions: []string{"s.40"}, CoderA: "policy", CoderB: "policy"},
		{Code: "B", Nation: "England", State: "replied", Delivery: "delivered", Sent: "2026-11-02", RepliedOn: "2026-11-20",
			Coded: true, Labels: []string{"no-policy"}, Outcome: results.OutcomeAnswered, CoderA: "no-policy", CoderB: "policy"},
	}
	rp := New("c", "2026-12-15", true, rows)
	got := map[string]string{}
	for _, l := range rp.Lines() {
		got[l.Figure] = strings.TrimSpace(l.Count() + " " + itoaIf(l.Of) + " " + l.Percent() + " " + l.Value)
	}
	for figure, want := range map[string]string{
		"coded":                     "2 2 100.0",
		"refused under s.40":        "1 1 100.0",
		"replied late":              "1 2 50.0",
		"England: label policy":     "1 2 50.0",
		"England: label no-policy":  "1 2 50.0",
		"agreement (Cohen's kappa)": "0.000 over 2 requests coded twice (1 agreed)",
	} {
		if got[figure] != want {
			t.Errorf("%s: %q, want %q", figure, got[figure], want)
		}
	}
}

func itoaIf(n int) string {
	if n == 0 {
		return ""
	}
	return itoa(n)
}
