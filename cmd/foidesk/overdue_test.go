package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"foidesk/lifecycle"
	"foidesk/store"
	"foidesk/store/campaign"
	"foidesk/store/mail"
	"foidesk/store/storetest"
)

// The due dates below are counted by hand, not by the engine.
//
// Westshire (FOIA, England), delivered Thursday 3 December 2026. FOIA's
// working days leave out a bank holiday in any part of the UK: day 1 is
// Friday 4 December; 7-11 December are days 2-6, 14-18 days 7-11, 21-24
// days 12-15; 25 December (Christmas) and 28 December (Boxing Day,
// substitute) are holidays; 29, 30, 31 December are days 16-18; 1 January
// 2027 is a holiday, 2-3 January a weekend, Monday 4 January the Scottish
// substitute for 2 January (a UK bank holiday, so not a FOIA working
// day); 5 and 6 January are days 19 and 20. Due Wednesday 6 January 2027.
//
// Eastburgh (FOISA, Scotland), delivered Thursday 10 December 2026: 11
// December is day 1, 14-18 days 2-6, 21-24 days 7-10, 29-31 days 11-13, 4
// January is the 2nd January substitute, 5-8 January days 14-17, 11-13
// January days 18-20. Due Wednesday 13 January 2027 (a calendar that
// missed the substitute day would say the 12th).
//
// On Friday 15 January 2027 Westshire is 7 working days late (7, 8, 11,
// 12, 13, 14, 15 January) and Eastburgh 2 (14, 15). On Wednesday 3
// February Westshire is 20 late (add 18-22, 25-29 January, 1-3 February):
// very overdue is more than [deadline] very_overdue_days (20) past due, so
// from Thursday 4 February, 21 late; Eastburgh is then 16.
func TestOverdueAsOfAgainstHandCountedDueDates(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "foidesk.db")
	cfg := filepath.Join(dir, "foidesk.toml")
	if err := os.WriteFile(cfg, []byte("[requester]\nname = \"Ann Example\"\nemail = \"ann@example.org\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db, store.Options{Now: func() time.Time { return time.Date(2026, 12, 21, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	send := func(name, regime string, at time.Time) campaign.Request {
		r, err := storetest.Send(ctx, st, storetest.SentRequest{AuthorityName: name, AuthorityEmail: "foi@" + strings.ToLower(name) + ".example", Regime: regime, SentAt: at})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	reply := func(r campaign.Request, kind, bounce string, at time.Time) {
		h := sha256.Sum256([]byte(r.Ref + kind))
		if _, err := mail.New(st).RecordMessage(ctx, mail.NewMessage{SHA256: fmt.Sprintf("%x", h), Size: 1, Derived: mail.Derived{
			HeaderMessageID: r.Ref + "@reply.example", FromAddr: r.ToEmail, SentDate: at, RequestID: r.ID, MatchedBy: "test", Kind: kind, KindReason: "test", BounceStatus: bounce}}); err != nil {
			t.Fatal(err)
		}
	}
	dec := func(d int) time.Time { return time.Date(2026, 12, d, 11, 0, 0, 0, time.UTC) }
	west := send("Westshire", "foia", dec(3))
	east := send("Eastburgh", "foisa", dec(10))
	answered := send("Northshire", "foia", dec(3))
	reply(answered, lifecycle.KindResponse, "", dec(18))
	bounced := send("Southshire", "foia", dec(3))
	reply(bounced, lifecycle.KindBounce, "5.1.1", dec(3).Add(time.Hour))
	withdrawn := send("Midshire", "foia", dec(3))
	if _, err := st.RecordFact(ctx, withdrawn.Ref, store.Fact{Fact: lifecycle.FactWithdrawn, At: dec(20)}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if west.DueDate != "2027-01-06" || east.DueDate != "2027-01-13" {
		t.Fatalf("engine's due dates: Westshire %s, Eastburgh %s", west.DueDate, east.DueDate)
	}

	cli := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := run(ctx, append([]string{"--config", cfg, "--db", db, "overdue"}, args...), strings.NewReader(""), &out, &errb)
		return out.String(), errb.String(), code
	}
	type row struct {
		AuthorityCode   string `json:"authority_code"`
		AuthorityName   string `json:"authority_name"`
		Reference       string `json:"reference"`
		Campaign        string `json:"campaign"`
		Sent            string `json:"sent"`
		Due             string `json:"due"`
		WorkingDaysLate int    `json:"working_days_late"`
		State           string `json:"state"`
	}
	asOf := func(date string, extra ...string) []row {
		t.Helper()
		out, errOut, code := cli(append([]string{"--as-of", date, "--json"}, extra...)...)
		if code != 0 {
			t.Fatalf("overdue --as-of %s: exit %d\n%s%s", date, code, out, errOut)
		}
		var rows []row
		if err := json.Unmarshal([]byte(out), &rows); err != nil || rows == nil {
			t.Fatalf("%s: %v\n%s", date, err, out)
		}
		return rows
	}
	summary := func(rows []row) string {
		var s []string
		for _, r := range rows {
			s = append(s, fmt.Sprintf("%s %s %d", r.AuthorityName, r.State, r.WorkingDaysLate))
		}
		return strings.Join(s, ", ")
	}
	for date, want := range map[string]string{
		"2027-01-06": "",                                           // Westshire's due date
		"2027-01-07": "Westshire overdue 1",                        // the day after
		"2027-01-13": "Westshire overdue 5",                        // Eastburgh's due date
		"2027-01-14": "Westshire overdue 6, Eastburgh overdue 1",   //
		"2027-01-15": "Westshire overdue 7, Eastburgh overdue 2",   // most late first
		"2027-02-03": "Westshire overdue 20, Eastburgh overdue 15", // 20 working days past due: not yet very overdue
		"2027-02-04": "Westshire very-overdue 21, Eastburgh overdue 16",
	} {
		if got := summary(asOf(date)); got != want {
			t.Errorf("as of %s: %q, want %q", date, got, want)
		}
	}
	rows := asOf("2027-01-15")
	if r := rows[0]; r.Reference != west.Ref || r.Campaign != west.Campaign || r.Sent != "2026-12-03" || r.Due != "2027-01-06" {
		t.Errorf("Westshire's row %+v", r)
	}
	if rows := asOf("2027-01-15", "--campaign", east.Campaign); summary(rows) != "Eastburgh overdue 2" {
		t.Errorf("--campaign: %q", summary(rows))
	}
	out, _, code := cli("--as-of", "2027-01-06")
	if code != 0 || out != "No request is overdue on 2027-01-06.\n" {
		t.Errorf("empty table: exit %d %q", code, out)
	}
	if out, _, _ := cli("--as-of", "2027-01-06", "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("empty json: %q", out)
	}
	out, _, code = cli("--as-of", "2027-01-15")
	if code != 0 || !strings.Contains(out, "2 overdue on 2027-01-15, most late first") ||
		!strings.Contains(out, "AUTHORITY") || strings.Index(out, "Westshire") > strings.Index(out, "Eastburgh") {
		t.Errorf("table: exit %d\n%s", code, out)
	}
	// --limit keeps the most late, and says on stderr that there are more.
	out, errOut, code := cli("--as-of", "2027-01-15", "--json", "--limit", "1")
	var top []row
	if err := json.Unmarshal([]byte(out), &top); err != nil || code != 0 || summary(top) != "Westshire overdue 7" || errOut != "showing the 1 most late of 2 overdue\n" {
		t.Errorf("--limit 1: exit %d %v %q, stderr %q", code, err, summary(top), errOut)
	}
	if _, errOut, code = cli("--as-of", "2027-01-15", "--limit", "2"); errOut != "" || code != 0 {
		t.Errorf("--limit that takes all: exit %d, stderr %q", code, errOut)
	}
	if _, _, code = cli("--limit", "-1"); code != 2 {
		t.Errorf("--limit -1: exit %d", code)
	}
	if _, errOut, code := cli("--campaign", "nope"); code != 1 || !strings.Contains(errOut, "nope") {
		t.Errorf("unknown campaign: exit %d %q", code, errOut)
	}
	if _, _, code := cli("--as-of", "15/01/2027"); code != 2 {
		t.Errorf("bad date: exit %d", code)
	}
}
