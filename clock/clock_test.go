package clock

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	wall := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := Parse("2026-06-01T09:00:00Z x20000", wall)
	if err != nil {
		t.Fatal(err)
	}
	if c.IsWall() {
		t.Fatal("an accelerated clock reports itself as the wall clock")
	}
	if got, want := c.At(wall.Add(time.Second)), time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC).Add(20000*time.Second); !got.Equal(want) {
		t.Errorf("one wall second later: %v, want %v", got, want)
	}
	if got := c.Wall(20000 * time.Second); got != time.Second {
		t.Errorf("Wall(20000s) = %v, want 1s", got)
	}
	one, err := Parse(" 2026-06-01T09:00:00+01:00 ", wall)
	if err != nil {
		t.Fatal(err)
	}
	if got := one.At(wall.Add(time.Hour)); !got.Equal(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("speed 1, an hour later: %v", got)
	}
	w, err := Parse("", wall)
	if err != nil || !w.IsWall() {
		t.Fatalf("empty spec: %v, %v", w, err)
	}
	if d := time.Since(w.Now()); d < 0 || d > time.Minute {
		t.Errorf("the wall clock is %v off", d)
	}
	if w.Wall(time.Hour) != time.Hour {
		t.Errorf("the wall clock converts waits")
	}
}

func TestParseRefuses(t *testing.T) {
	for spec, want := range map[string]string{
		"2026-06-01":                 "not an RFC 3339 time",
		"2026-06-01T09:00:00Z 20000": "does not start with x",
		"2026-06-01T09:00:00Z x0":    "not a number above 0",
		"2026-06-01T09:00:00Z x-3":   "not a number above 0",
		"2026-06-01T09:00:00Z xNaN":  "not a number above 0",
		"2026-06-01T09:00:00Z x1e8":  "at most",
		"2026-06-01T09:00:00Z x2 y":  "too many fields",
	} {
		_, err := Parse(spec, time.Now())
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), Env) {
			t.Errorf("Parse(%q) = %v, want an error naming %s saying %q", spec, err, Env, want)
		}
	}
}
