package deadline

import (
	"encoding/json"
	"testing"
)

func TestCountJSON(t *testing.T) {
	c := embeddedCalendars[FOISA].Due(mustDate(t, "2026-03-13"), 20, NextWorkingDay)
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"regime":"foisa","receipt_rule":"next-working-day","received_date":"2026-03-13","counted_from":"2026-03-13","day_one":"2026-03-16","due":"2026-04-13","working_days":20,"predicted":false}`
	if string(b) != want {
		t.Errorf("json:\n got %s\nwant %s", b, want)
	}
}

func TestExplain(t *testing.T) {
	c := embeddedCalendars[FOIA]
	days := c.Explain(mustDate(t, "2017-01-01"), mustDate(t, "2017-01-04"))
	if len(days) != 3 {
		t.Fatalf("days: %+v", days)
	}
	// 2 January 2017: England, Wales and Northern Ireland's New Year
	// substitute and Scotland's own 2 January, on one day.
	var got []string
	for _, r := range days[0].Reasons {
		got = append(got, r.String())
	}
	if len(got) != 2 || got[0] != "New Year's Day (england-and-wales, northern-ireland), substitute day" || got[1] != "2nd January (scotland)" {
		t.Errorf("2017-01-02 reasons: %q", got)
	}
	if days[1].N != 0 || days[1].Reasons[0].String() != "New Year's Day (scotland), substitute day" {
		t.Errorf("2017-01-03: %+v", days[1])
	}
	if days[2].N != 1 || days[2].Reasons != nil {
		t.Errorf("2017-01-04: %+v", days[2])
	}
	// Under FOISA 2 and 3 January are Scotland's only.
	if rs := embeddedCalendars[FOISA].Reasons(mustDate(t, "2017-01-02")); len(rs) != 1 || rs[0].String() != "2nd January (scotland)" {
		t.Errorf("FOISA 2017-01-02: %v", rs)
	}
	if rs := c.Reasons(mustDate(t, "2017-01-05")); rs != nil {
		t.Errorf("a working day has reasons: %v", rs)
	}
}
