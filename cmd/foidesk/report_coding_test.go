package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"foidesk/store"
	"foidesk/store/coding"
	"foidesk/store/storetest"
)

// The report reads what reviewers coded: labels, the outcome a person
// chose (not the one inferred from the reply's kind), a refusal's
// exemptions and the notes, and counts the request as coded.
func TestReportReadsTheReviewersCoding(t *testing.T) {
	db, g := goldenDB(t)
	ctx := context.Background()
	now := storetest.GoldenNow
	st, err := store.Open(ctx, db, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	cs := coding.New(st)
	fife := g.Documents["S01"]
	coded := 0
	for {
		it, err := cs.Next(ctx, g.Campaign.ID, "ann", coding.DefaultLease)
		if err != nil {
			t.Fatal(err)
		}
		if it == nil {
			break
		}
		in := coding.Input{ReviewID: it.ReviewID, Reviewer: "ann", Labels: []string{"no-policy"}, Outcome: coding.OutcomeProvided}
		if slices.Contains(fife, it.DocumentID) {
			in = coding.Input{ReviewID: it.ReviewID, Reviewer: "ann", Labels: []string{"prohibits-recording"},
				Outcome: coding.OutcomeRefused, OutcomeDetail: "s.30(c); s.38(1)(b)", Notes: "refuses, yet cites a policy"}
		}
		if _, err := cs.Code(ctx, in); err != nil {
			t.Fatal(err)
		}
		coded++
	}
	st.Close()
	if coded == 0 {
		t.Fatal("the golden survey queued nothing to code")
	}
	out, errs, code := runIn(t, db, "report", "golden", "--as-of", "2026-12-15", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep struct {
		Summary struct {
			Coded int `json:"coded"`
		} `json:"summary"`
		Rows []struct {
			Code       string   `json:"code"`
			Outcome    string   `json:"outcome"`
			Inferred   bool     `json:"outcome_inferred"`
			Exemptions []string `json:"exemptions"`
			Coded      bool     `json:"coded"`
			Labels     []string `json:"labels"`
			Notes      string   `json:"notes"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	rows := map[string]int{}
	for i, r := range rep.Rows {
		rows[r.Code] = i
	}
	s := rep.Rows[rows["S01"]]
	if !s.Coded || s.Inferred || s.Outcome != "refused" || !slices.Equal(s.Labels, []string{"prohibits-recording"}) ||
		!slices.Equal(s.Exemptions, []string{"s.30(c)", "s.38(1)(b)"}) || s.Notes != "refuses, yet cites a policy" {
		t.Errorf("Fife's row: %+v", s)
	}
	e := rep.Rows[rows["E01"]]
	if !e.Coded || e.Inferred || e.Outcome != "answered" || !slices.Equal(e.Labels, []string{"no-policy"}) {
		t.Errorf("Avon's row: %+v", e)
	}
	n := 0
	for _, r := range rep.Rows {
		if r.Coded {
			n++
		}
	}
	if rep.Summary.Coded != n || n == 0 {
		t.Errorf("summary counts %d coded, the rows %d", rep.Summary.Coded, n)
	}
}

// A campaign name nobody made says where the names are, in every command
// that takes one.
func TestAnUnknownCampaignSaysWhereToLook(t *testing.T) {
	db, _ := goldenDB(t)
	for _, args := range [][]string{{"report", "nosuch"}, {"codebook", "show", "nosuch"}, {"review", "stats", "nosuch"}, {"campaign", "chasers", "nosuch"}} {
		_, errs, code := runIn(t, db, args...)
		if code != 1 || !strings.Contains(errs, `campaign "nosuch": not found (see 'foidesk campaign list')`) {
			t.Errorf("%v: exit %d, %q", args, code, errs)
		}
	}
}
