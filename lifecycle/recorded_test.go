package lifecycle

import (
	"strings"
	"testing"

	"foidesk/deadline"
)

// recorded is a fact a person recorded, as event n, at noon on day.
func recorded(n int64, fact, day string) Recorded {
	return Recorded{Event: n, Fact: fact, At: at(day + "T12:00:00Z")}
}

// Each fact that arrives by post or phone, under each regime, for a
// request delivered on Monday 2 November 2026. The due dates are counted
// by hand in the comments: the holidays in reach are St Andrew's Day
// (Monday 30 November, Scotland, which every calendar here skips: FOIA's
// and EIR's skip every nation's holidays), Christmas (Friday 25th), the
// Boxing Day substitute (Monday 28th), New Year's Day (Friday 1 January
// 2027) and, in Scotland, the 2 January substitute (Monday 4th).
func TestRecordedFactsPerRegime(t *testing.T) {
	r := Statutory()
	sent := at("2026-11-02T10:00:00Z")
	type want struct{ status, due, replied string }
	cases := []struct {
		name    string
		facts   []Recorded
		replies []Reply
		want    map[string]want // by regime
		stage   string          // Detail.Stage
	}{
		{name: "clarification asked by post stops the clock",
			facts: []Recorded{recorded(1, FactClarificationRequested, "2026-11-05")},
			want: map[string]want{"foia": {AwaitingClarification, "", ""}, "eir": {AwaitingClarification, "", ""},
				"foisa": {AwaitingClarification, "", ""}, "eisr": {AwaitingClarification, "", ""}}},
		// Answered on Tuesday 10 November: day 1 is the 11th. 11-13 (3),
		// 16-20 (8), 23-27 (13), then past the 30th 1-4 December (17), 7-9
		// (20).
		{name: "clarification asked and answered by post restarts it",
			facts: []Recorded{recorded(1, FactClarificationRequested, "2026-11-05"), recorded(2, FactClarificationAnswered, "2026-11-10")},
			want: map[string]want{"foia": {AwaitingResponse, "2026-12-09", ""}, "eir": {AwaitingResponse, "2026-12-09", ""},
				"foisa": {AwaitingResponse, "2026-12-09", ""}, "eisr": {AwaitingResponse, "2026-12-09", ""}}},
		{name: "an answer recorded by post answers a clarification asked by email",
			replies: []Reply{{MessageID: 5, Kind: KindClarification, Confirmed: true, ReceivedAt: at("2026-11-05T09:00:00Z")}},
			facts:   []Recorded{recorded(2, FactClarificationAnswered, "2026-11-10")},
			want: map[string]want{"foia": {AwaitingResponse, "2026-12-09", ""}, "eir": {AwaitingResponse, "2026-12-09", ""},
				"foisa": {AwaitingResponse, "2026-12-09", ""}, "eisr": {AwaitingResponse, "2026-12-09", ""}}},
		// Due on the 20th working day from 2 November: 3-6 (4), 9-13 (9),
		// 16-20 (14), 23-27 (19), and past the 30th 1 December (20).
		{name: "a response by post stops the clock",
			facts: []Recorded{recorded(1, FactResponseReceived, "2026-11-20")},
			want: map[string]want{"foia": {Replied, "2026-12-01", "2026-11-20"}, "eir": {Replied, "2026-12-01", "2026-11-20"},
				"foisa": {Replied, "2026-12-01", "2026-11-20"}, "eisr": {Replied, "2026-12-01", "2026-11-20"}}},
		// Review asked for on Monday 23 November: day 1 is the 24th. 20
		// working days: 24-27 (4), 1-4 December (8), 7-11 (13), 14-18
		// (18), 21-22 (20). EIR's 40 run on past Christmas and the
		// Scottish 4 January: 21-24 December (22), 29-31 (25), 5-8 January
		// (29), 11-15 (34), 18-22 (39), 25 (40).
		{name: "an internal review starts its own clock",
			facts: []Recorded{recorded(1, FactResponseReceived, "2026-11-20"), recorded(2, FactReviewRequested, "2026-11-23")},
			want: map[string]want{"foia": {AwaitingReview, "2026-12-22", ""}, "eir": {AwaitingReview, "2027-01-25", ""},
				"foisa": {AwaitingReview, "2026-12-22", ""}, "eisr": {AwaitingReview, "2026-12-22", ""}},
			stage: "review"},
		{name: "a response by email after the review answers it",
			facts:   []Recorded{recorded(1, FactResponseReceived, "2026-11-20"), recorded(2, FactReviewRequested, "2026-11-23")},
			replies: []Reply{{MessageID: 7, Kind: KindResponse, ReceivedAt: at("2026-12-10T09:00:00Z")}},
			want: map[string]want{"foia": {Replied, "2026-12-22", "2026-12-10"}, "eir": {Replied, "2027-01-25", "2026-12-10"},
				"foisa": {Replied, "2026-12-22", "2026-12-10"}, "eisr": {Replied, "2026-12-22", "2026-12-10"}},
			stage: "review"},
		// FOIA s.10(3): to the date named. EIR and EISR reg 7: 40 working
		// days from 2 November: 3-6 (4), 9-13 (9), 16-20 (14), 23-27 (19),
		// 1-4 December (23), 7-11 (28), 14-18 (33), 21-24 (37), 29-31
		// (40). FOISA allows none.
		{name: "an extension",
			facts: []Recorded{{Event: 1, Fact: FactExtended, At: at("2026-11-20T12:00:00Z"), Until: mustDate(t, "2026-12-15")}},
			want: map[string]want{"foia": {Extended, "2026-12-15", ""}, "eir": {Extended, "2026-12-31", ""},
				"foisa": {AwaitingResponse, "2026-12-01", ""}, "eisr": {Extended, "2026-12-31", ""}}},
	}
	for _, c := range cases {
		for _, regime := range []string{"foia", "eir", "foisa", "eisr"} {
			t.Run(c.name+"/"+regime, func(t *testing.T) {
				facts := c.facts
				if regime != "foia" {
					// Only FOIA's extension names its date; reg 7 has its own.
					facts = append([]Recorded{}, c.facts...)
					for i := range facts {
						facts[i].Until = 0
					}
				}
				got, err := r.Derive(Facts{Ref: "R", Regime: regime, SentAt: sent, Replies: c.replies, Recorded: facts})
				if err != nil {
					t.Fatal(err)
				}
				w := c.want[regime]
				if got.Status != w.status || got.Due != w.due || got.RepliedOn != w.replied {
					t.Errorf("got %s due %q replied %q, want %s due %q replied %q", got.Status, got.Due, got.RepliedOn, w.status, w.due, w.replied)
				}
				if got.Detail.Stage != c.stage {
					t.Errorf("stage %q, want %q", got.Detail.Stage, c.stage)
				}
				if regime == "foisa" && c.name == "an extension" {
					if len(got.Ignored) != 1 || got.Ignored[0].Event != 1 || !strings.Contains(got.Ignored[0].Why, "no extension of time is allowed under FOISA") {
						t.Errorf("FOISA extension: ignored %+v", got.Ignored)
					}
				} else if len(got.Ignored) > 0 {
					t.Errorf("ignored %q", IgnoredText(got.Ignored))
				}
			})
		}
	}
}

// A FOISA review across the Scottish Christmas and New Year. A request
// delivered on Monday 3 November 2025 is answered on Friday 5 December; the
// requester asks for a review on Monday 8 December. Day 1 is Tuesday 9
// December; Scotland closes on 25 and 26 December (Thursday, Friday) and
// 1 and 2 January 2026 (Thursday, Friday): 9-12 December (4), 15-19 (9),
// 22-24 (12), 29-31 (15), 5-9 January (20). The review is due on Friday 9
// January 2026.
func TestReviewUnderFOISAAcrossNewYear(t *testing.T) {
	r := Statutory()
	got, err := r.Derive(Facts{Ref: "R", Regime: "foisa", SentAt: at("2025-11-03T10:00:00Z"), Recorded: []Recorded{
		recorded(1, FactResponseReceived, "2025-12-05"), recorded(2, FactReviewRequested, "2025-12-08")}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != AwaitingReview || got.Due != "2026-01-09" || got.Detail.Stage != "review" || got.Detail.Received != "2025-12-08" {
		t.Errorf("got %s due %s stage %q received %s, want awaiting-review due 2026-01-09 from 2025-12-08", got.Status, got.Due, got.Detail.Stage, got.Detail.Received)
	}
	if got.Reason != "review-requested, recorded by a person (event 2) on 2025-12-08" {
		t.Errorf("reason %q", got.Reason)
	}
	// The review's answer, by post, makes it replied; its due date stays.
	got, err = r.Derive(Facts{Ref: "R", Regime: "foisa", SentAt: at("2025-11-03T10:00:00Z"), Recorded: []Recorded{
		recorded(1, FactResponseReceived, "2025-12-05"), recorded(2, FactReviewRequested, "2025-12-08"), recorded(3, FactResponseReceived, "2026-01-12")}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != Replied || got.Due != "2026-01-09" || got.RepliedOn != "2026-01-12" {
		t.Errorf("after the review's answer: %s due %s replied %s", got.Status, got.Due, got.RepliedOn)
	}
}

// What the clock cannot use is left out, with the engine's reason.
func TestRecordedFactsRefused(t *testing.T) {
	r := Statutory()
	sent := at("2026-11-02T10:00:00Z")
	for name, c := range map[string]struct {
		facts []Recorded
		why   string
	}{
		"an answer to no clarification": {[]Recorded{recorded(1, FactClarificationAnswered, "2026-11-10")}, "no clarification was asked for"},
		"a fee paid with no notice":     {[]Recorded{recorded(1, FactFeePaid, "2026-11-10")}, "no fee was pending"},
		"a review before the due date":  {[]Recorded{recorded(1, FactReviewRequested, "2026-11-10")}, "internal review can be asked for after a response"},
		"a second review": {[]Recorded{recorded(3, FactResponseReceived, "2026-11-09"), recorded(4, FactReviewRequested, "2026-11-10"),
			recorded(1, FactReviewRequested, "2026-11-11")}, "already asked for"},
	} {
		got, err := r.Derive(Facts{Ref: "R", Regime: "foia", SentAt: sent, Recorded: c.facts})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Ignored) != 1 || got.Ignored[0].Event != 1 || !strings.Contains(got.Ignored[0].Why, c.why) {
			t.Errorf("%s: ignored %+v, want event 1 because %q", name, got.Ignored, c.why)
		}
	}
	if err := ValidFact("lost-in-post"); err == nil || !strings.Contains(err.Error(), "review-requested") {
		t.Errorf("unknown fact: %v", err)
	}
	for _, f := range RecordedFacts {
		if err := ValidFact(f); err != nil {
			t.Error(err)
		}
	}
}

func mustDate(t *testing.T, s string) deadline.Date {
	t.Helper()
	d, err := deadline.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
