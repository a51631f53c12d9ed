package monitor

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"foidesk/supervise"
)

// HealthHandler answers 200 "ok" when every loop is running and healthy,
// else 503 naming each loop that is not, since when and why; with
// ?format=json the same as a JSON object. A service manager or uptime
// checker needs only the status code; a person reads the text.
func HealthHandler(health func() []supervise.Health) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loops := health()
		ok := true
		for _, h := range loops {
			ok = ok && h.OK()
		}
		w.Header().Set("Cache-Control", "no-store")
		code := http.StatusOK
		if !ok {
			code = http.StatusServiceUnavailable
		}
		if r.URL.Query().Get("format") == "json" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			_ = json.NewEncoder(w).Encode(healthJSON(ok, loops))
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(code)
		if ok {
			fmt.Fprintln(w, "ok")
			return
		}
		for _, h := range loops {
			if !h.OK() {
				fmt.Fprintln(w, describe(h))
			}
		}
	})
}

// describe is one line about a loop that is not healthy.
func describe(h supervise.Health) string {
	if h.FailingSince.IsZero() {
		return h.Name + ": not running"
	}
	s := fmt.Sprintf("%s: failing since %s", h.Name, h.FailingSince.UTC().Format(time.RFC3339))
	if h.LastError != "" {
		s += ": " + oneLine(h.LastError)
	}
	return s + fmt.Sprintf(" (%d restarts)", h.Restarts)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

type loopJSON struct {
	Name         string     `json:"name"`
	OK           bool       `json:"ok"`
	Running      bool       `json:"running"`
	FailingSince *time.Time `json:"failing_since,omitempty"`
	LastError    string     `json:"last_error,omitempty"`
	Errors       int        `json:"errors"`
	Panics       int        `json:"panics"`
	Restarts     int        `json:"restarts"`
}

func healthJSON(ok bool, loops []supervise.Health) any {
	out := struct {
		OK    bool       `json:"ok"`
		Loops []loopJSON `json:"loops"`
	}{OK: ok, Loops: []loopJSON{}}
	for _, h := range loops {
		l := loopJSON{Name: h.Name, OK: h.OK(), Running: h.Running, LastError: h.LastError, Errors: h.Errors, Panics: h.Panics, Restarts: h.Restarts}
		if !h.FailingSince.IsZero() {
			t := h.FailingSince.UTC()
			l.FailingSince = &t
		}
		out.Loops = append(out.Loops, l)
	}
	return out
}
