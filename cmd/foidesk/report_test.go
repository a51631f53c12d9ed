package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	publish "foidesk/report"
	"foidesk/store"
	"foidesk/store/results"
	"foidesk/store/storetest"
)

// goldenDB builds the golden survey in a database of its own and returns
// its path and what was made.
func goldenDB(t *testing.T) (string, storetest.Golden) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "golden.db")
	now := storetest.GoldenNow
	st, err := store.Open(context.Background(), db, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	g, err := storetest.GoldenSurvey(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return db, g
}

func runIn(t *testing.T, db string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	cfg := filepath.Join(t.TempDir(), "foidesk.toml")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	code := run(context.Background(), append([]string{"--config", cfg, "--db", db}, args...), strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// expand fills a hand-written expectation's {CODE} with the request's
// reference and {dCODE} with its documents' ids (refs are drawn at random).
func expand(g storetest.Golden, s string) string {
	var pairs []string
	for code, r := range g.Requests {
		ids := make([]string, 0)
		links := make([]string, 0)
		for _, d := range g.Documents[code] {
			ids = append(ids, fmt.Sprint(d))
			links = append(links, fmt.Sprintf("/documents/%d", d))
		}
		pairs = append(pairs, "{"+code+"}", r.Ref, "{d"+code+"}", strings.Join(ids, " "), "{l"+code+"}", strings.Join(links, " "))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

const goldenCSV = "\ufeffcode,authority,nation,regime,reference,sent,delivery,due,replied_on,working_days_late,state,outcome,outcome_source,exemptions,labels,notes,documents,document_links\r\n" +
	`E02,"'=HYPERLINK(""http://evil.test/?x"",""Click"")",England,foia,{E02},2026-11-02,delivered,2026-12-01,2026-12-02,1,replied,answered,inferred,,,,{dE02},{lE02}` + "\r\n" +
	`E01,Avon Council,England,foia,{E01},2026-11-02,delivered,2026-12-01,2026-11-20,-6,replied,answered,inferred,,,,{dE01},{lE01}` + "\r\n" +
	`N01,Belfast Council,Northern Ireland,foia,{N01},2026-11-02,delivered,2026-12-01,2026-11-10,-14,replied,published,inferred,,,,,` + "\r\n" +
	`W01,Cardiff Council,Wales,foia,{W01},2026-11-02,delivered,2026-12-01,,10,overdue,,,,,,,` + "\r\n" +
	`N02,Derry Council,Northern Ireland,foia,,,,,,,no-address,,,,,,,` + "\r\n" +
	`S01,Fife Council,Scotland,foisa,{S01},2026-11-02,delivered,2026-12-01,2026-11-25,-3,replied,refused,inferred,s.30(c); s.38(1)(b),,,{dS01},{lS01}` + "\r\n" +
	`E03,Leeds Council,England,foia,{E03},,unknown,,,,unknown,,,,,,,` + "\r\n" +
	`S02,Moray Council,Scotland,foisa,{S02},2026-11-02,delivered,2026-12-01,2026-11-12,-12,replied,not-held,inferred,,,,,` + "\r\n" +
	`W02,Powys Council,Wales,foia,{W02},2026-11-02,bounced,,,,not-delivered,,,,,,,` + "\r\n"

// goldenSummary is the summary CSV's figures, by hand: 9 targeted, 7 sent
// (Derry has no address, Leeds's send is unknown), 6 delivered (Powys
// bounced), 5 replied, 4 on time and 1 (the hostile name) late, Cardiff
// never.
var goldenSummary = []string{
	"campaign,golden", "as_of,2026-12-15", "figure,n,of,percent,value",
	"targeted,9,,,", "sent,7,9,77.8,", "no address,1,9,11.1,", "delivered,6,7,85.7,", "bounced,1,7,14.3,",
	"replied,5,6,83.3,", "replied on time,4,5,80.0,", "replied late,1,5,20.0,", "never replied,1,6,16.7,", "withdrawn,0,9,0.0,",
	"refused,1,5,20.0,", "refused under s.30(c),1,1,100.0,", "refused under s.38(1)(b),1,1,100.0,",
	"not held,1,5,20.0,", "published elsewhere,1,5,20.0,", "outcome inferred from the reply's kind,5,5,100.0,", "coded,0,5,0.0,",
	"state replied,5,9,55.6,", "state no-address,1,9,11.1,", "state not-delivered,1,9,11.1,", "state overdue,1,9,11.1,", "state unknown,1,9,11.1,",
	"England: targeted,3,9,33.3,", "England: delivered,2,2,100.0,", "England: replied,2,2,100.0,", "England: replied on time,1,2,50.0,", "England: replied late,1,2,50.0,", "England: coded,0,2,0.0,",
	"Scotland: targeted,2,9,22.2,", "Scotland: delivered,2,2,100.0,", "Scotland: replied,2,2,100.0,", "Scotland: replied on time,2,2,100.0,", "Scotland: replied late,0,2,0.0,", "Scotland: coded,0,2,0.0,",
	"Wales: targeted,2,9,22.2,", "Wales: delivered,1,2,50.0,", "Wales: replied,0,1,0.0,", "Wales: replied on time,0,,,", "Wales: replied late,0,,,", "Wales: coded,0,,,",
	"Northern Ireland: targeted,2,9,22.2,", "Northern Ireland: delivered,1,1,100.0,", "Northern Ireland: replied,1,1,100.0,", "Northern Ireland: replied on time,1,1,100.0,", "Northern Ireland: replied late,0,1,0.0,", "Northern Ireland: coded,0,1,0.0,",
	"agreement (Cohen's kappa),,,,not double-coded",
}

func TestReportCSV(t *testing.T) {
	db, g := goldenDB(t)
	out, errs, code := runIn(t, db, "report", "golden", "--as-of", "2026-12-15", "--format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if want := expand(g, goldenCSV); out != want {
		t.Errorf("rows CSV:\n%s\nwant:\n%s", out, want)
	}
	// It reads back as RFC 4180, the hostile name intact but inert.
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 10 || recs[1][1] != "'"+storetest.HostileName || recs[2][9] != "-6" {
		t.Errorf("read back: %q", recs[:3])
	}
	sum, errs, code := runIn(t, db, "report", "golden", "--as-of", "2026-12-15", "--format", "csv", "--summary")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if want := "\ufeff" + strings.Join(goldenSummary, "\r\n") + "\r\n"; sum != want {
		t.Errorf("summary CSV:\n%s\nwant:\n%s", sum, want)
	}

	// --out writes both files, whole, and nothing else.
	dir := t.TempDir()
	path := filepath.Join(dir, "golden.csv")
	if _, errs, code := runIn(t, db, "report", "golden", "--as-of", "2026-12-15", "--format", "csv", "--out", path); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	rows, _ := os.ReadFile(path)
	summary, _ := os.ReadFile(filepath.Join(dir, "golden-summary.csv"))
	if string(rows) != out || string(summary) != sum {
		t.Errorf("--out wrote other bytes than standard output")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("%d files in the directory, want 2 (no temporary file left)", len(ents))
	}
}

func TestNeutraliseCells(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+44 20": "'+44 20", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"Avon": "Avon", "": "", "a=b": "a=b",
	} {
		if got := publish.Neutralise(in); got != want {
			t.Errorf("Neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReportMarkdown(t *testing.T) {
	db, g := goldenDB(t)
	out, errs, code := runIn(t, db, "report", "golden", "--as-of", "2026-12-15")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"## golden: results as of 2026-12-15\n\n| Figure | Number | Of | % |\n|---|---:|---:|---:|\n| targeted | 9 |  |  |\n| sent | 7 | 9 | 77.8 |\n",
		"| replied on time | 4 | 5 | 80.0 |\n| replied late | 1 | 5 | 20.0 |\n",
		"| refused under s.30(c) | 1 | 1 | 100.0 |\n",
		"| coded | 0 | 5 | 0.0 |\n",
		expand(g, `| E02 | =HYPERLINK("http://evil.test/?x","Click") | England | foia | {E02} | 2026-11-02 | delivered | 2026-12-01 | 2026-12-02 | 1 | replied | answered | inferred |  |  |  | {dE02} | {lE02} |`+"\n"),
		expand(g, "| S01 | Fife Council | Scotland | foisa | {S01} | 2026-11-02 | delivered | 2026-12-01 | 2026-11-25 | -3 | replied | refused | inferred | s.30(c); s.38(1)(b) |  |  | {dS01} | {lS01} |\n"),
		"| N02 | Derry Council | Northern Ireland | foia |  |  |  |  |  |  | no-address |  |  |  |  |  |  |  |\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks:\n%s\n--- in:\n%s", want, out)
		}
	}
	// Every table line has as many cells as the heading: no stray pipe.
	_, table, _ := strings.Cut(out, "| code |")
	for _, line := range strings.Split(strings.TrimSpace(table), "\n")[2:] {
		{
			if n := strings.Count(strings.ReplaceAll(line, `\|`, ""), "|"); n != len(publish.Columns)+1 {
				t.Errorf("%d pipes in %q", n, line)
			}
		}
	}
}

func TestReportJSON(t *testing.T) {
	db, g := goldenDB(t)
	out, errs, code := runIn(t, db, "report", "golden", "--as-of", "2026-12-15", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got struct {
		Campaign string          `json:"campaign"`
		AsOf     string          `json:"as_of"`
		Summary  results.Summary `json:"summary"`
		Rows     []results.Row   `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	s := got.Summary
	if got.Campaign != "golden" || got.AsOf != "2026-12-15" || len(got.Rows) != 9 || s.Targeted != 9 || s.Sent != 7 || s.Delivered != 6 ||
		s.Replied != 5 || s.RepliedOnTime != 4 || s.RepliedLate != 1 || s.NeverReplied != 1 || s.Refused != 1 || s.NotHeld != 1 {
		t.Errorf("json: %+v", got)
	}
	if r := got.Rows[1]; r.Code != "E01" || r.Ref != g.Requests["E01"].Ref || *r.DaysLate != -6 || !slices.Equal(r.Documents, g.Documents["E01"]) {
		t.Errorf("E01 row %+v", r)
	}
}

func TestReportXLSX(t *testing.T) {
	db, g := goldenDB(t)
	path := filepath.Join(t.TempDir(), "golden.xlsx")
	if _, errs, code := runIn(t, db, "report", "golden", "--as-of", "2026-12-15", "--format", "xlsx", "--out", path); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	sheets := readXLSX(t, path)
	rows := sheets["xl/worksheets/sheet1.xml"]
	if len(rows) != 10 {
		t.Fatalf("rows sheet has %d rows, want 10", len(rows))
	}
	// E02: the formula-like name an inline string, never a formula; dates
	// date cells (serial 46328 is 2026-11-02); days late a number.
	e02 := rows[1]
	if c := e02["B2"]; c.Type != "inlineStr" || c.Text != storetest.HostileName || c.Formula != "" {
		t.Errorf("name cell %+v", c)
	}
	if c := e02["F2"]; c.Style != "1" || c.Value != "46328" {
		t.Errorf("sent cell %+v, want a date (46328)", c)
	}
	if c := rows[2]["J3"]; c.Type != "" || c.Value != "-6" {
		t.Errorf("E01 days late %+v, want the number -6", c)
	}
	if c := rows[2]["E3"]; c.Text != g.Requests["E01"].Ref {
		t.Errorf("E01 reference %+v", c)
	}
	sum := sheets["xl/worksheets/sheet2.xml"]
	found := false
	for _, r := range sum {
		if r["A"+rowNum(r)].Text == "replied on time" {
			found = r["B"+rowNum(r)].Value == "4" && r["C"+rowNum(r)].Value == "5"
		}
	}
	if !found {
		t.Errorf("summary sheet lacks replied on time 4 of 5")
	}
	// foidesk's own spreadsheet reader, which knows nothing of how the
	// workbook was written, reads both sheets back.
	text, errs, code := runIn(t, db, "extract", path)
	if code != 0 {
		t.Fatalf("extract the workbook: exit %d: %s", code, errs)
	}
	for _, want := range []string{"code\tauthority\tnation", "E01\tAvon Council\tEngland\tfoia\t" + g.Requests["E01"].Ref, "replied on time\t4\t5\t80.0"} {
		if !strings.Contains(text, want) {
			t.Errorf("the workbook read back lacks %q:\n%s", want, text)
		}
	}
	if _, _, code := runIn(t, db, "report", "golden", "--format", "bogus"); code != 2 {
		t.Errorf("a bad --format exits %d, want 2", code)
	}
}

type xlsxCell struct {
	Ref     string `xml:"r,attr"`
	Type    string `xml:"t,attr"`
	Style   string `xml:"s,attr"`
	Value   string `xml:"v"`
	Formula string `xml:"f"`
	Text    string `xml:"is>t"`
}

func rowNum(r map[string]xlsxCell) string {
	for ref := range r {
		return strings.TrimLeft(ref, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	}
	return ""
}

// readXLSX opens a workbook as a zip and reads each sheet's cells by
// reference, checking the parts a spreadsheet needs are there.
func readXLSX(t *testing.T, path string) map[string][]map[string]xlsxCell {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	out := map[string][]map[string]xlsxCell{}
	names := map[string]bool{}
	for _, f := range z.File {
		names[f.Name] = true
		if !strings.HasPrefix(f.Name, "xl/worksheets/") {
			continue
		}
		rc, _ := f.Open()
		var ws struct {
			Rows []struct {
				Cells []xlsxCell `xml:"c"`
			} `xml:"sheetData>row"`
		}
		if err := xml.NewDecoder(rc).Decode(&ws); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		rc.Close()
		for _, r := range ws.Rows {
			m := map[string]xlsxCell{}
			for _, c := range r.Cells {
				m[c.Ref] = c
			}
			out[f.Name] = append(out[f.Name], m)
		}
	}
	for _, n := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"} {
		if !names[n] {
			t.Errorf("workbook lacks %s", n)
		}
	}
	return out
}
