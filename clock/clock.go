// Package clock is the campaign's clock: the time foidesk judges
// deadlines by, dates deliveries and replies with, and chases and alerts
// on. In production it is the wall clock. For soak tests and
// demonstrations it can start at a chosen moment and run faster than the
// wall clock (FOIDESK_CLOCK), so that six months of a campaign pass in
// minutes. Only the campaign's dates follow it: timeouts, retries, rate
// limits, leases and sessions stay on the wall clock, converting with
// Wall where a wait is measured in campaign time.
package clock

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Env is the environment variable that sets an accelerated clock for a
// process: "START" or "START xSPEED", START an RFC 3339 time and SPEED
// how many campaign seconds pass per wall second (default 1).
const Env = "FOIDESK_CLOCK"

// MaxSpeed bounds SPEED: at ten million times the wall clock a year
// passes in three seconds, as fast as the short soak test needs and
// beyond what the loops (which look at most once a wall second) resolve.
const MaxSpeed = 1e7

// Clock is a campaign clock. The zero value is the wall clock.
type Clock struct {
	start time.Time // the campaign time at wall
	wall  time.Time // the wall time (with its monotonic reading) it started
	speed float64   // 0: the wall clock
}

// Wallclock is the wall clock, what production runs on.
func Wallclock() Clock { return Clock{} }

// Accelerated is a clock that reads start at the wall time wall and then
// runs speed times as fast as the wall clock.
func Accelerated(start, wall time.Time, speed float64) Clock {
	return Clock{start: start, wall: wall, speed: speed}
}

// Now is the campaign time now.
func (c Clock) Now() time.Time {
	if c.speed == 0 {
		return time.Now()
	}
	return c.At(time.Now())
}

// At is the campaign time at the wall time w.
func (c Clock) At(w time.Time) time.Time {
	if c.speed == 0 {
		return w
	}
	return c.start.Add(time.Duration(float64(w.Sub(c.wall)) * c.speed))
}

// Wall is how long to wait on the wall clock for d to pass on this clock
// (an hourly look becomes a fraction of a second at high speed).
func (c Clock) Wall(d time.Duration) time.Duration {
	if c.speed == 0 {
		return d
	}
	return time.Duration(float64(d) / c.speed)
}

// IsWall reports whether c is the wall clock.
func (c Clock) IsWall() bool { return c.speed == 0 }

// String describes the clock for the log.
func (c Clock) String() string {
	if c.speed == 0 {
		return "the wall clock"
	}
	return fmt.Sprintf("started at %s, running %s times as fast as the wall clock (a day every %s)",
		c.start.UTC().Format(time.RFC3339), strconv.FormatFloat(c.speed, 'f', -1, 64), c.Wall(24*time.Hour).Round(time.Millisecond))
}

// Parse reads a clock spec (see Env), started at the wall time wall. An
// empty spec is the wall clock.
func Parse(spec string, wall time.Time) (Clock, error) {
	f := strings.Fields(spec)
	if len(f) == 0 {
		return Clock{}, nil
	}
	bad := func(why string) (Clock, error) {
		return Clock{}, fmt.Errorf("%s=%q: %s; want a start time and an optional speed, as in \"2026-06-01T09:00:00Z x20000\"", Env, spec, why)
	}
	if len(f) > 2 {
		return bad("too many fields")
	}
	start, err := time.Parse(time.RFC3339, f[0])
	if err != nil {
		return bad(fmt.Sprintf("the start %q is not an RFC 3339 time", f[0]))
	}
	speed := 1.0
	if len(f) == 2 {
		s, ok := strings.CutPrefix(f[1], "x")
		if !ok {
			return bad(fmt.Sprintf("the speed %q does not start with x", f[1]))
		}
		speed, err = strconv.ParseFloat(s, 64)
		if err != nil || !(speed > 0) || speed > MaxSpeed {
			return bad(fmt.Sprintf("the speed %q is not a number above 0 and at most %g", s, float64(MaxSpeed)))
		}
	}
	return Accelerated(start, wall, speed), nil
}
