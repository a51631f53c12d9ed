package results_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"foidesk/deadline"
	"foidesk/store"
	"foidesk/store/results"
	"foidesk/store/storetest"
)

// fixedCodes is coding as the coding work will supply it: fixed labels
// for three of the golden survey's requests, two of them coded twice.
type fixedCodes map[int64]results.Code

func (f fixedCodes) RequestCodes(ctx context.Context, campaignID int64) (map[int64]results.Code, error) {
	return f, nil
}

func golden(t *testing.T) (*store.Store, storetest.Golden) {
	t.Helper()
	ctx := context.Background()
	now := storetest.GoldenNow
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "r.db"), store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	g, err := storetest.GoldenSurvey(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	return st, g
}

// asOf is the day the golden survey is judged on.
var asOf, _ = deadline.ParseDate("2026-12-15")

func goldenRows(t *testing.T, codes results.Codes) (storetest.Golden, []results.Row) {
	t.Helper()
	st, g := golden(t)
	rows, err := results.New(st).Rows(context.Background(), g.Campaign, results.Options{On: asOf, Codes: codes})
	if err != nil {
		t.Fatal(err)
	}
	return g, rows
}

func goldenCodes(g storetest.Golden) fixedCodes {
	return fixedCodes{
		g.Requests["E01"].ID: {Labels: []string{"policy", "allows-recording"}, Outcome: results.OutcomeAnswered, Notes: "clear policy", CoderA: "policy", CoderB: "policy"},
		g.Requests["E02"].ID: {Labels: []string{"no-policy"}, Outcome: results.OutcomeAnswered, CoderA: "no-policy", CoderB: "policy"},
		g.Requests["S01"].ID: {Labels: []string{"no-policy"}, Outcome: results.OutcomeRefused, Exemptions: []string{"s.30(c)"}, CoderA: "no-policy", CoderB: "no-policy"},
		g.Requests["N01"].ID: {Labels: []string{"policy"}, Outcome: results.OutcomePublished},
	}
}

func TestGoldenRows(t *testing.T) {
	g, rows := goldenRows(t, nil)
	type want struct {
		code, state, delivery, sent, due, replied string
		late                                      string // "" for nil
		outcome                                   string
		exemptions                                string
		docs                                      int
		last                                      string
	}
	// Monday 30 November 2026 is St Andrew's Day, a bank holiday in
	// Scotland and so no working day under FOIA either (s.10(6)): the
	// 20th working day after 2 November is 1 December, and a reply on
	// Friday 20 November came 6 working days early (23-27 November, 1
	// December).
	wants := []want{ // by authority name; the hostile name sorts first ("=" before letters)
		{"E02", "replied", "delivered", "2026-11-02", "2026-12-01", "2026-12-02", "1", "answered", "", 1, "2026-12-02"},
		{"E01", "replied", "delivered", "2026-11-02", "2026-12-01", "2026-11-20", "-6", "answered", "", 2, "2026-11-20"},
		{"N01", "replied", "delivered", "2026-11-02", "2026-12-01", "2026-11-10", "-14", "published", "", 0, "2026-11-10"},
		{"W01", "overdue", "delivered", "2026-11-02", "2026-12-01", "", "10", "", "", 0, "2026-11-02"},
		{"N02", "no-address", "", "", "", "", "", "", "", 0, ""},
		{"S01", "replied", "delivered", "2026-11-02", "2026-12-01", "2026-11-25", "-3", "refused", "s.30(c)|s.38(1)(b)", 1, "2026-11-25"},
		{"E03", "unknown", "unknown", "", "", "", "", "", "", 0, ""},
		{"S02", "replied", "delivered", "2026-11-02", "2026-12-01", "2026-11-12", "-12", "not-held", "", 0, "2026-11-12"},
		{"W02", "not-delivered", "bounced", "2026-11-02", "", "", "", "", "", 0, "2026-11-02"},
	}
	if len(rows) != len(wants) {
		t.Fatalf("%d rows, want %d", len(rows), len(wants))
	}
	for i, w := range wants {
		r := rows[i]
		late := ""
		if r.DaysLate != nil {
			late = fmt.Sprint(*r.DaysLate)
		}
		got := want{r.Code, r.State, r.Delivery, r.Sent, r.Due, r.RepliedOn, late, r.Outcome, strings.Join(r.Exemptions, "|"), len(r.Documents), r.LastMessage}
		if got != w {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got, w)
		}
		if r.Outcome != "" && !r.OutcomeInferred {
			t.Errorf("%s: an outcome with no coding must be marked inferred", r.Code)
		}
		if r.Coded || r.Labels != nil || r.Notes != "" {
			t.Errorf("%s: coding columns filled with no coding: %+v", r.Code, r)
		}
		if req, ok := g.Requests[r.Code]; ok && (r.Ref != req.Ref || r.RequestID != req.ID) {
			t.Errorf("%s: ref %s id %d, want %s %d", r.Code, r.Ref, r.RequestID, req.Ref, req.ID)
		}
	}
	if rows[0].Name != storetest.HostileName {
		t.Errorf("row 0 name %q", rows[0].Name)
	}
	if !slices.Equal(rows[1].Documents, g.Documents["E01"]) {
		t.Errorf("E01 documents %v, want %v", rows[1].Documents, g.Documents["E01"])
	}
}

func TestGoldenSummary(t *testing.T) {
	_, rows := goldenRows(t, nil)
	s := results.Summarize(rows)
	got := fmt.Sprintf("targeted %d sent %d delivered %d bounced %d no-address %d replied %d on-time %d late %d never %d withdrawn %d refused %d not-held %d published %d inferred %d coded %d",
		s.Targeted, s.Sent, s.Delivered, s.Bounced, s.NoAddress, s.Replied, s.RepliedOnTime, s.RepliedLate, s.NeverReplied, s.Withdrawn, s.Refused, s.NotHeld, s.Published, s.Inferred, s.Coded)
	want := "targeted 9 sent 7 delivered 6 bounced 1 no-address 1 replied 5 on-time 4 late 1 never 1 withdrawn 0 refused 1 not-held 1 published 1 inferred 5 coded 0"
	if got != want {
		t.Errorf("summary\n got %s\nwant %s", got, want)
	}
	if fmt.Sprint(s.RefusedBy) != "[{s.30(c) 1} {s.38(1)(b) 1}]" {
		t.Errorf("refused by %v", s.RefusedBy)
	}
	var nations []string
	for _, n := range s.Nations {
		nations = append(nations, fmt.Sprintf("%s %d/%d/%d", n.Nation, n.Targeted, n.Sent, n.Replied))
	}
	if w := "England 3/2/2, Scotland 2/2/2, Wales 2/2/0, Northern Ireland 2/1/1"; strings.Join(nations, ", ") != w {
		t.Errorf("nations %s, want %s", strings.Join(nations, ", "), w)
	}
	if s.Agreement != nil {
		t.Errorf("agreement %+v with nothing coded twice", s.Agreement)
	}
}

func TestGoldenCoded(t *testing.T) {
	st, g := golden(t)
	rows, err := results.New(st).Rows(context.Background(), g.Campaign, results.Options{On: asOf, Codes: goldenCodes(g)})
	if err != nil {
		t.Fatal(err)
	}
	s := results.Summarize(rows)
	// S01 coded refused under s.30(c) alone; S02's not-held still inferred.
	if s.Coded != 4 || s.Refused != 1 || fmt.Sprint(s.RefusedBy) != "[{s.30(c) 1}]" || s.NotHeld != 1 || s.Inferred != 1 {
		t.Errorf("coded %d refused %d %v not-held %d inferred %d", s.Coded, s.Refused, s.RefusedBy, s.NotHeld, s.Inferred)
	}
	labels := map[string]string{}
	for _, n := range s.Nations {
		var ls []string
		for _, l := range n.Labels {
			ls = append(ls, fmt.Sprintf("%s %d %.1f%%", l.Label, l.N, l.Percent))
		}
		labels[n.Nation] = strings.Join(ls, ", ")
	}
	want := map[string]string{
		"England":          "allows-recording 1 50.0%, no-policy 1 50.0%, policy 1 50.0%",
		"Scotland":         "no-policy 1 100.0%",
		"Northern Ireland": "policy 1 100.0%",
		"Wales":            "",
	}
	for n, w := range want {
		if labels[n] != w {
			t.Errorf("%s labels %q, want %q", n, labels[n], w)
		}
	}
	// Three items coded twice, two agreed: po 2/3; A gave policy 1,
	// no-policy 2; B policy 2, no-policy 1: pe = (1*2 + 2*1)/9 = 4/9;
	// kappa = (6/9 - 4/9) / (5/9) = 0.4.
	if a := s.Agreement; a == nil || a.Items != 3 || a.Agreed != 2 || a.Kappa != 0.4 {
		t.Errorf("agreement %+v, want 3 items, 2 agreed, kappa 0.4", a)
	}
}

// TestSummaryRecomputable recomputes every figure of the summary from the
// rows alone, by other means than Summarize, coded and not.
func TestSummaryRecomputable(t *testing.T) {
	st, g := golden(t)
	for _, codes := range []results.Codes{nil, goldenCodes(g)} {
		rows, err := results.New(st).Rows(context.Background(), g.Campaign, results.Options{On: asOf, Codes: codes})
		if err != nil {
			t.Fatal(err)
		}
		s := results.Summarize(rows)
		count := func(f func(results.Row) bool) int {
			n := 0
			for _, r := range rows {
				if f(r) {
					n++
				}
			}
			return n
		}
		checks := []struct {
			name string
			got  int
			want int
		}{
			{"targeted", s.Targeted, len(rows)},
			{"sent", s.Sent, count(func(r results.Row) bool {
				return r.Sent != "" && (r.Delivery == "delivered" || r.Delivery == "bounced")
			})},
			{"delivered", s.Delivered, count(func(r results.Row) bool { return r.Delivery == "delivered" })},
			{"bounced", s.Bounced, count(func(r results.Row) bool { return r.Delivery == "bounced" })},
			{"no address", s.NoAddress, count(func(r results.Row) bool { return r.State == "no-address" })},
			{"replied", s.Replied, count(func(r results.Row) bool { return r.RepliedOn != "" })},
			{"on time", s.RepliedOnTime, count(func(r results.Row) bool { return r.RepliedOn != "" && r.DaysLate != nil && *r.DaysLate <= 0 })},
			{"late", s.RepliedLate, count(func(r results.Row) bool { return r.RepliedOn != "" && r.DaysLate != nil && *r.DaysLate > 0 })},
			{"never", s.NeverReplied, count(func(r results.Row) bool {
				return r.Delivery == "delivered" && r.RepliedOn == "" && r.State != "withdrawn"
			})},
			{"refused", s.Refused, count(func(r results.Row) bool { return r.Outcome == "refused" })},
			{"not held", s.NotHeld, count(func(r results.Row) bool { return r.Outcome == "not-held" })},
			{"published", s.Published, count(func(r results.Row) bool { return r.Outcome == "published" })},
			{"coded", s.Coded, count(func(r results.Row) bool { return r.Coded })},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s: summary %d, rows %d", c.name, c.got, c.want)
			}
		}
		total := 0
		for _, c := range s.States {
			total += c.N
			if c.N != count(func(r results.Row) bool { return r.State == c.Name }) {
				t.Errorf("state %s: %d", c.Name, c.N)
			}
		}
		if total != len(rows) {
			t.Errorf("states sum to %d of %d rows", total, len(rows))
		}
		for _, n := range s.Nations {
			in := func(f func(results.Row) bool) int {
				return count(func(r results.Row) bool { return r.Nation == n.Nation && f(r) })
			}
			if n.Targeted != in(func(results.Row) bool { return true }) || n.Replied != in(results.Row.Replied) || n.Coded != in(func(r results.Row) bool { return r.Coded }) {
				t.Errorf("nation %s: %+v", n.Nation, n)
			}
			for _, l := range n.Labels {
				k := in(func(r results.Row) bool { return r.Coded && slices.Contains(r.Labels, l.Label) })
				if l.N != k || l.Percent != math.Round(float64(k)*1000/float64(n.Coded))/10 {
					t.Errorf("nation %s label %s: %+v, rows %d of %d", n.Nation, l.Label, l, k, n.Coded)
				}
			}
		}
		if codes != nil {
			agreed, items := 0, 0
			for _, r := range rows {
				if r.CoderA != "" && r.CoderB != "" {
					items++
					if r.CoderA == r.CoderB {
						agreed++
					}
				}
			}
			if s.Agreement == nil || s.Agreement.Items != items || s.Agreement.Agreed != agreed {
				t.Errorf("agreement %+v, rows %d of %d", s.Agreement, agreed, items)
			}
		}
	}
}

// TestEachStreamsWhatRowsLists: Each gives the rows one at a time in
// Rows' order, keeps only the authorities asked for, and stops at the
// first error its callback returns; a Tally fed row by row sums to
// Summarize.
func TestEachStreamsWhatRowsLists(t *testing.T) {
	st, g := golden(t)
	ctx := context.Background()
	o := results.Options{On: asOf, Codes: goldenCodes(g)}
	rows, err := results.New(st).Rows(ctx, g.Campaign, o)
	if err != nil {
		t.Fatal(err)
	}
	var streamed []results.Row
	var tally results.Tally
	if err := results.New(st).Each(ctx, g.Campaign, o, func(r results.Row) error {
		streamed = append(streamed, r)
		tally.Add(r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if js(t, streamed) != js(t, rows) {
		t.Errorf("Each gave\n%v\nRows gave\n%v", streamed, rows)
	}
	if got, want := js(t, tally.Summary()), js(t, results.Summarize(rows)); got != want {
		t.Errorf("tally %s\nsummarize %s", got, want)
	}
	// The last row and one with a request, by authority id.
	pick := []int64{rows[len(rows)-1].AuthorityID, rows[0].AuthorityID}
	o.Authorities = pick
	some, err := results.New(st).Rows(ctx, g.Campaign, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(some) != 2 || js(t, some[0]) != js(t, rows[0]) || js(t, some[1]) != js(t, rows[len(rows)-1]) {
		t.Errorf("authorities %v: %v", pick, some)
	}
	o.Authorities = []int64{}
	if none, err := results.New(st).Rows(ctx, g.Campaign, o); err != nil || len(none) != 0 {
		t.Errorf("no authorities: %v, %v", none, err)
	}
	o.Authorities = nil
	stop := fmt.Errorf("stop")
	n := 0
	err = results.New(st).Each(ctx, g.Campaign, o, func(results.Row) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("stopped after %d rows with %v", n, err)
	}
}

func js(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A response that triage marked "not held" (s.1(1)(a) FOIA) counts as
// not held, inferred, like a refusal whose detail says so.
func TestANotHeldResponseIsNotHeld(t *testing.T) {
	st, g := golden(t)
	ctx := context.Background()
	w := g.Requests["W01"]
	if _, _, err := storetest.Deliver(ctx, st, w.ID, storetest.Mail{Kind: "response", Detail: "not held", Date: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC),
		Subject: "RE: FOI", Body: "The Council does not hold any written policy."}); err != nil {
		t.Fatal(err)
	}
	rows, err := results.New(st).Rows(ctx, g.Campaign, results.Options{On: asOf})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Code == "W01" && (r.Outcome != results.OutcomeNotHeld || !r.OutcomeInferred) {
			t.Errorf("W01: outcome %q inferred %v, want not-held inferred", r.Outcome, r.OutcomeInferred)
		}
	}
	if s := results.Summarize(rows); s.NotHeld != 2 {
		t.Errorf("not held %d, want 2 (S02's refusal and W01's response)", s.NotHeld)
	}
}
