package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"foidesk/deadline"
)

// deadlineCLI runs "foidesk --config CFG deadline ARGS..." with a config
// file holding cfg, so that no foidesk.toml around the tests can leak in.
func deadlineCLI(t *testing.T, cfg string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	path := writeFile(t, "foidesk.toml", cfg)
	return runCLI(t, append([]string{"--config", path, "deadline"}, args...)...)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func TestDeadlineWorkedExamples(t *testing.T) {
	cases := []struct{ regime, received, due string }{
		{"foia", "2015-06-26", "2015-07-27"},
		{"foisa", "2015-06-26", "2015-07-24"},
		{"foia", "2026-03-13", "2026-04-15"},
		{"foisa", "2026-03-13", "2026-04-13"},
		{"eir", "2026-03-13", "2026-04-15"},
		{"eisr", "2026-03-13", "2026-04-13"},
		{"FOIA", "2026-11-02", "2026-12-01"}, // St Andrew's Day stops the FOIA clock
	}
	for _, tc := range cases {
		out, errOut, code := deadlineCLI(t, "", "--regime", tc.regime, "--received", tc.received)
		if code != exitOK || out != tc.due+"\n" || errOut != "" {
			t.Errorf("%s %s: exit %d, stdout %q, stderr %q; want %s alone", tc.regime, tc.received, code, out, errOut, tc.due)
		}
	}
}

// An RFC 3339 time counts from its Europe/London date.
func TestDeadlineReceivedTime(t *testing.T) {
	cases := []struct{ received, due string }{
		// 23:30 UTC on Thursday 2 July 2026 is 00:30 BST on Friday 3 July.
		{"2026-07-02T23:30:00Z", "2026-07-31"},
		{"2026-07-02T22:30:00Z", "2026-07-30"},
		// In GMT the UTC date is the London date.
		{"2026-12-03T23:30:00Z", "2027-01-06"},
		// Any offset: 01:00+02:00 on 3 July is 00:00 BST on 3 July.
		{"2026-07-03T01:00:00+02:00", "2026-07-31"},
	}
	for _, tc := range cases {
		out, _, code := deadlineCLI(t, "", "--regime", "foisa", "--received", tc.received)
		if code != exitOK || firstLine(out) != tc.due {
			t.Errorf("%s: exit %d, due %q, want %s", tc.received, code, firstLine(out), tc.due)
		}
	}
	out, _, _ := deadlineCLI(t, "", "--regime", "foisa", "--received", "2026-07-02T23:30:00Z", "--json")
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got["received_date"] != "2026-07-03" || got["received"] != "2026-07-02T23:30:00Z" {
		t.Errorf("json: received %v, received_date %v", got["received"], got["received_date"])
	}
}

func TestDeadlineExplain(t *testing.T) {
	out, _, code := deadlineCLI(t, "", "--regime", "foia", "--received", "2026-11-02", "--explain")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || lines[0] != "2026-12-01" {
		t.Fatalf("exit %d, first line %q", code, lines[0])
	}
	for _, want := range []string{
		"2026-11-03 day 1",
		"2026-11-27 day 19",
		"2026-11-30 skipped: St Andrew's Day (scotland)",
		"2026-12-01 day 20: due",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("--explain lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "2026-11-07") {
		t.Errorf("--explain lists a weekend:\n%s", out)
	}
	// Christmas and the new year across nations, with substitutes.
	out, _, _ = deadlineCLI(t, "", "--regime", "foia", "--received", "2026-12-04", "--explain")
	for _, want := range []string{
		"2026-12-25 skipped: Christmas Day (england-and-wales, scotland, northern-ireland)",
		"2026-12-28 skipped: Boxing Day (england-and-wales, scotland, northern-ireland), substitute day",
		"2027-01-04 skipped: 2nd January (scotland), substitute day",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("--explain lacks %q:\n%s", want, out)
		}
	}
	// FOISA: Easter Monday and 17 March are working days.
	out, _, _ = deadlineCLI(t, "", "--regime", "foisa", "--received", "2026-03-13", "--explain")
	if !strings.Contains(out, "2026-04-03 skipped: Good Friday (scotland)\n") || !strings.Contains(out, "2026-04-06 day") || !strings.Contains(out, "2026-03-17 day") {
		t.Errorf("FOISA explain:\n%s", out)
	}
}

func TestDeadlineJSON(t *testing.T) {
	out, errOut, code := deadlineCLI(t, "", "--regime", "foia", "--received", "2015-06-26", "--json")
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Regime       string `json:"regime"`
		ReceivedDate string `json:"received_date"`
		DayOne       string `json:"day_one"`
		Due          string `json:"due"`
		WorkingDays  int    `json:"working_days"`
		Predicted    *bool  `json:"predicted"`
		ReceiptRule  string `json:"receipt_rule"`
		Skipped      []struct {
			Date    string `json:"date"`
			Reasons []struct {
				Title   string   `json:"title"`
				Nations []string `json:"nations"`
			} `json:"reasons"`
		} `json:"skipped"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Regime != "foia" || got.ReceivedDate != "2015-06-26" || got.DayOne != "2015-06-29" || got.Due != "2015-07-27" ||
		got.WorkingDays != 20 || got.Predicted == nil || *got.Predicted || got.ReceiptRule != "statutory" {
		t.Errorf("json: %+v", got)
	}
	if len(got.Skipped) != 1 || got.Skipped[0].Date != "2015-07-13" || got.Skipped[0].Reasons[0].Nations[0] != "northern-ireland" {
		t.Errorf("skipped: %+v", got.Skipped)
	}
}

func TestDeadlinePredicted(t *testing.T) {
	out, errOut, code := deadlineCLI(t, "", "--regime", "foia", "--received", "2029-03-09", "--json")
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != exitOK {
		t.Fatalf("exit %d: %v", code, err)
	}
	if got["predicted"] != true || got["due"] != "2029-04-11" || errOut != "" {
		t.Errorf("2029: %v, stderr %q", got, errOut)
	}
	out, errOut, _ = deadlineCLI(t, "", "--regime", "foia", "--received", "2029-03-09")
	if out != "2029-04-11\n" || !strings.Contains(errOut, "standing rules") {
		t.Errorf("2029 text: stdout %q, stderr %q", out, errOut)
	}
}

const extraHoliday = `{"scotland": {"division": "scotland", "events": [
  {"title": "Proclaimed holiday", "date": "2027-06-14", "notes": "", "bunting": true}
]}}`

func TestDeadlineHolidaysFile(t *testing.T) {
	file := writeFile(t, "extra.json", extraHoliday)
	base, _, _ := deadlineCLI(t, "", "--regime", "foia", "--received", "2027-06-01")
	if base != "2027-06-29\n" {
		t.Fatalf("without the file: %q", base)
	}
	for name, run := range map[string]func() (string, string, int){
		"flag": func() (string, string, int) {
			return deadlineCLI(t, "", "--regime", "foia", "--received", "2027-06-01", "--holidays", file, "--explain")
		},
		"config": func() (string, string, int) {
			return deadlineCLI(t, "[deadline]\nholidays_file = '"+file+"'\n", "--regime", "foia", "--received", "2027-06-01", "--explain")
		},
	} {
		out, errOut, code := run()
		if code != exitOK || firstLine(out) != "2027-06-30" || !strings.Contains(out, "2027-06-14 skipped: Proclaimed holiday (scotland)") {
			t.Errorf("%s: exit %d, stderr %q\n%s", name, code, errOut, out)
		}
	}
	// The flag overrides the config.
	bad := writeFile(t, "bad.json", "{}")
	out, _, code := deadlineCLI(t, "[deadline]\nholidays_file = '"+bad+"'\n", "--regime", "foia", "--received", "2027-06-01", "--holidays", file)
	if code != exitOK || out != "2027-06-30\n" {
		t.Errorf("flag over config: exit %d, %q", code, out)
	}
}

func TestDeadlineBadHolidaysFile(t *testing.T) {
	cases := map[string]string{
		"{\n  \"scotland\": {\"events\": [{\"title\": \"A\", \"date\": \"2027-13-01\"}]}\n}": `:2: scotland event: "2027-13-01" is not a real date`,
		"{\"wales\": {\"events\": []}}": `unknown division "wales"`,
		"not json":                      "not valid JSON",
	}
	for body, want := range cases {
		file := writeFile(t, "holidays.json", body)
		out, errOut, code := deadlineCLI(t, "", "--regime", "foia", "--received", "2027-06-01", "--holidays", file)
		if code != exitFailure || out != "" || !strings.Contains(errOut, file) || !strings.Contains(errOut, want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 1 naming %s and %q", body, code, out, errOut, file, want)
		}
	}
	_, errOut, code := deadlineCLI(t, "", "--regime", "foia", "--received", "2027-06-01", "--holidays", "/nonexistent/holidays.json")
	if code != exitFailure || !strings.Contains(errOut, "/nonexistent/holidays.json") {
		t.Errorf("missing file: exit %d, %q", code, errOut)
	}
}

func TestDeadlineReceiptRule(t *testing.T) {
	// Received on Saturday 3 October 2026.
	out, _, _ := deadlineCLI(t, "", "--regime", "foia", "--received", "2026-10-03")
	if out != "2026-10-30\n" {
		t.Errorf("statutory: %q", out)
	}
	out, _, _ = deadlineCLI(t, "", "--regime", "foia", "--received", "2026-10-03", "--receipt-rule", "next-working-day", "--explain")
	if firstLine(out) != "2026-11-02" || !strings.Contains(out, "counted as received on 2026-10-05") || !strings.Contains(out, "2026-10-06 day 1\n") {
		t.Errorf("next-working-day:\n%s", out)
	}
	cfg := "[deadline]\nreceipt_rule = \"next-working-day\"\n"
	out, _, _ = deadlineCLI(t, cfg, "--regime", "foia", "--received", "2026-10-03")
	if out != "2026-11-02\n" {
		t.Errorf("from config: %q", out)
	}
	out, _, _ = deadlineCLI(t, cfg, "--regime", "foia", "--received", "2026-10-03", "--receipt-rule", "statutory")
	if out != "2026-10-30\n" {
		t.Errorf("flag over config: %q", out)
	}
}

func TestDeadlineWorkingDays(t *testing.T) {
	out, _, code := deadlineCLI(t, "", "--regime", "eir", "--received", "2026-10-05", "--working-days", "40", "--json")
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != exitOK {
		t.Fatalf("exit %d: %v", code, err)
	}
	if got["due"] != "2026-12-01" || got["working_days"] != float64(40) {
		t.Errorf("40 WD: %v", got)
	}
}

func TestDeadlineBadUsage(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--received", "2026-11-02"}, "--regime is required"},
		{[]string{"--regime", "foi", "--received", "2026-11-02"}, `--regime must be foia, eir, foisa or eisr, not "foi"`},
		{[]string{"--regime", "foia"}, "--received is required"},
		{[]string{"--regime", "foia", "--received", "2026-02-30"}, "not a real date"},
		{[]string{"--regime", "foia", "--received", "02/11/2026"}, "is not a date written YYYY-MM-DD"},
		{[]string{"--regime", "foia", "--received", "2026-11-02T10:00:00"}, "RFC 3339 time with its offset"},
		{[]string{"--regime", "foia", "--received", "next tuesday"}, "neither a date"},
		{[]string{"--regime", "foia", "--received", "2026-11-02", "--working-days", "0"}, "--working-days must be between 1 and"},
		{[]string{"--regime", "foia", "--received", "2026-11-02", "--working-days", "-3"}, "--working-days must be between 1 and"},
		{[]string{"--regime", "foia", "--received", "2026-11-02", "--working-days", "twenty"}, "working-days"},
		{[]string{"--regime", "foia", "--received", "2026-11-02", "--receipt-rule", "lenient"}, "--receipt-rule must be statutory or next-working-day"},
		{[]string{"--regime", "foia", "--received", "2026-11-02", "extra"}, "takes no arguments"},
	}
	for _, tc := range cases {
		out, errOut, code := deadlineCLI(t, "", tc.args...)
		if code != exitUsage || out != "" {
			t.Errorf("%v: exit %d, stdout %q; want exit 2", tc.args, code, out)
		}
		if !strings.HasPrefix(errOut, "foidesk: ") || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 1 {
			t.Errorf("%v: stderr %q, want one clear message containing %q", tc.args, errOut, tc.want)
		}
	}
}

func TestDeadlineHelp(t *testing.T) {
	out, _, code := runCLI(t, "deadline", "--help")
	for _, want := range []string{"Usage: foidesk deadline", "-regime", "-received", "-working-days", "-holidays", "-receipt-rule", "-json", "-explain"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("help lacks %q (exit %d)", want, code)
		}
	}
	list, _, _ := runCLI(t, "help")
	if !strings.Contains(list, "deadline") {
		t.Errorf("'foidesk help' does not list deadline")
	}
}

// movedEarlyMay2027 is the 2027 GOV.UK feed with the early May holiday
// moved from Monday 3 May to Friday 7 May in every division.
func movedEarlyMay2027(t *testing.T) string {
	t.Helper()
	type event struct {
		Title   string `json:"title"`
		Date    string `json:"date"`
		Notes   string `json:"notes"`
		Bunting bool   `json:"bunting"`
	}
	type division struct {
		Division string  `json:"division"`
		Events   []event `json:"events"`
	}
	feed := map[string]division{}
	for _, n := range deadline.Nations {
		hs, _ := deadline.EmbeddedHolidays().Year(n, 2027)
		d := division{Division: n.String()}
		for _, x := range hs {
			date := x.Date.String()
			if date == "2027-05-03" {
				date = "2027-05-07"
			}
			d.Events = append(d.Events, event{Title: x.Title, Date: date, Notes: x.Notes, Bunting: true})
		}
		feed[n.String()] = d
	}
	b, err := json.MarshalIndent(feed, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A whole year in the file replaces the built-in one: a moved holiday
// leaves its old date, and stderr says which day was dropped.
func TestDeadlineHolidaysFileWholeYear(t *testing.T) {
	file := writeFile(t, "bank-holidays.json", movedEarlyMay2027(t))
	cases := []struct{ received, before, after, explain string }{
		{"2027-04-06", "2027-05-05", "2027-05-04", "2027-05-03 day 19\n"},
		{"2027-05-04", "2027-06-02", "2027-06-03", "2027-05-07 skipped: Early May bank holiday (england-and-wales, scotland, northern-ireland)\n"},
	}
	for _, tc := range cases {
		out, _, _ := deadlineCLI(t, "", "--regime", "foia", "--received", tc.received)
		if out != tc.before+"\n" {
			t.Errorf("received %s without the file: %q, want %s", tc.received, out, tc.before)
		}
		out, errOut, code := deadlineCLI(t, "", "--regime", "foia", "--received", tc.received, "--holidays", file, "--explain")
		if code != exitOK || firstLine(out) != tc.after || !strings.Contains(out, tc.explain) {
			t.Errorf("received %s with the file: exit %d, stderr %q\n%s\nwant due %s and %q", tc.received, code, errOut, out, tc.after, tc.explain)
		}
		for _, n := range []string{"england-and-wales", "scotland", "northern-ireland"} {
			want := "foidesk: note: " + file + " gives " + n + " 2027 as a whole year without 2027-05-03 (Early May bank holiday, a bank holiday in GOV.UK's data), so that day is not a bank holiday there\n"
			if !strings.Contains(errOut, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errOut)
			}
		}
	}
	out, _, code := deadlineCLI(t, "[deadline]\nholidays_file = '"+file+"'\n", "--regime", "foisa", "--received", "2027-04-06", "--json")
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != exitOK {
		t.Fatalf("exit %d: %v", code, err)
	}
	if got["due"] != "2027-05-04" || got["predicted"] != false {
		t.Errorf("FOISA from config: %v", got)
	}
}

// A file giving a whole year beyond the data makes that year's counts no
// longer predicted, for the nations it covers.
func TestDeadlineHolidaysFileNewYear(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i, n := range deadline.Nations {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%q: {\"division\": %q, \"events\": [", n, n)
		for j, x := range deadline.RuleHolidays(n, 2029) {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "\n  {\"title\": %q, \"date\": %q}", x.Title, x.Date)
		}
		b.WriteString("]}")
	}
	b.WriteString("}")
	file := writeFile(t, "2029.json", b.String())
	out, errOut, code := deadlineCLI(t, "", "--regime", "foia", "--received", "2029-03-09", "--holidays", file, "--json")
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != exitOK {
		t.Fatalf("exit %d: %v", code, err)
	}
	if got["predicted"] != false || got["due"] != "2029-04-11" || errOut != "" {
		t.Errorf("2029 with a whole-year file: %v, stderr %q", got, errOut)
	}
}
