package deadline

import (
	"math/rand/v2"
	"testing"
	"time"
)

const openRequests = 100_000

// openRequestSet makes n requests received over 2026-2027 under the four
// regimes, a fifth of them clarified, a tenth paused for a fee, some
// extended and some answered: roughly what the daemon recomputes.
func openRequestSet(n int) (regimes []Regime, events [][]Event) {
	rng := rand.New(rand.NewPCG(1, 2))
	start := NewDate(2026, time.January, 1)
	for i := 0; i < n; i++ {
		r := Regimes[rng.IntN(len(Regimes))]
		d := start + Date(rng.IntN(700))
		evs := []Event{{Kind: Delivered, Date: d}}
		switch rng.IntN(10) {
		case 0, 1:
			evs = append(evs, Event{Kind: ClarificationRequested, Date: d + 3}, Event{Kind: ClarificationAnswered, Date: d + 10})
		case 2:
			evs = append(evs, Event{Kind: FeesNotice, Date: d + 5}, Event{Kind: FeePaid, Date: d + 19})
		case 3:
			if r != FOISA {
				evs = append(evs, Event{Kind: Extended, Date: d + 14, Until: d + 50})
			}
		case 4:
			evs = append(evs, Event{Kind: ResponseReceived, Date: d + 20})
		}
		regimes = append(regimes, r)
		events = append(events, evs)
	}
	return regimes, events
}

// BenchmarkDue100k: one op computes the due dates of 100,000 requests, as
// the mailer does on send and a recompute after a calendar change does.
func BenchmarkDue100k(b *testing.B) {
	regimes, events := openRequestSet(openRequests)
	cals := embeddedCalendars
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, r := range regimes {
			cals[r].Due(events[i][0].Date, DefaultWorkingDays, Statutory)
		}
	}
}

// BenchmarkClock100k: one op replays the events of 100,000 open requests
// into their clocks and lateness: the daemon's whole recompute.
func BenchmarkClock100k(b *testing.B) {
	regimes, events := openRequestSet(openRequests)
	cals := embeddedCalendars
	today := NewDate(2027, time.June, 1)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, r := range regimes {
			cl, err := cals[r].Clock(events[i], Options{})
			if err != nil {
				b.Fatal(err)
			}
			cals[r].ClockLateness(cl, today, DefaultVeryOverdueDays)
		}
	}
}

// BenchmarkNewCalendar: building all four regimes' calendars from the
// embedded feed and a user file, the price of a calendar change.
func BenchmarkNewCalendar(b *testing.B) {
	u, err := ParseHolidays("extra.json", []byte(worldCup2027))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		h := EmbeddedHolidays().Merge(u)
		for _, r := range Regimes {
			NewCalendar(r, h)
		}
	}
}

// The benchmark's workload is valid: every request's events replay.
func TestOpenRequestSetReplays(t *testing.T) {
	regimes, events := openRequestSet(2000)
	for i, r := range regimes {
		cl, err := embeddedCalendars[r].Clock(events[i], Options{})
		if err != nil {
			t.Fatalf("request %d (%s): %v", i, r, err)
		}
		if cl.State != Running && cl.State != Answered {
			t.Fatalf("request %d (%s): state %s", i, r, cl.State)
		}
	}
}
