// Package monitor is what a running foidesk says about itself over HTTP:
// GET /healthz (is every loop running, and if not which is failing and
// since when) and GET /metrics (Prometheus). Both are on one ServeMux that
// the review app can add its own routes to.
package monitor

import (
	"net/http"

	"foidesk/supervise"
)

// NewMux serves /healthz from health (the supervisor's Health) and
// /metrics from m. The caller may add routes to the mux it returns.
func NewMux(health func() []supervise.Health, m *Metrics) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", HealthHandler(health))
	mux.Handle("GET /metrics", m.Handler())
	return mux
}
