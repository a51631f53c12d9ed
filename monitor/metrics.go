package monitor

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"foidesk/deadline"
	"foidesk/lifecycle"
	"foidesk/store/tally"
	"foidesk/supervise"
)

// Counter is what the metrics read from the database at each scrape
// (store/tally's Store is the one foidesk uses).
type Counter interface {
	Count(ctx context.Context) (tally.Counts, error)
}

// MetricsOptions is where the metrics come from.
type MetricsOptions struct {
	Counts Counter
	// Rule and Thresholds show each request's status on the day of the
	// scrape, as 'foidesk campaign status' does.
	Rule       *lifecycle.Rule
	Thresholds lifecycle.Thresholds
	// Now is the clock the shown statuses are judged by; default time.Now.
	Now func() time.Time
}

// Metrics are foidesk's Prometheus metrics. The counts of requests,
// replies and documents are read from the database at each scrape, so they
// are always the database's and survive a restart; the loops' counts and
// the last IMAP sync are the running process's.
type Metrics struct {
	opts     MetricsOptions
	reg      *prometheus.Registry
	lastSync prometheus.Gauge
}

// NewMetrics registers foidesk's metrics, and Go's and the process's own
// (memory, CPU, open files).
func NewMetrics(o MetricsOptions) *Metrics {
	if o.Now == nil {
		o.Now = time.Now
	}
	m := &Metrics{opts: o, reg: prometheus.NewRegistry()}
	m.lastSync = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "foidesk_imap_last_sync_timestamp_seconds",
		Help: "When every watched mailbox was last synced in full (Unix time); 0 before the first sync.",
	})
	m.reg.MustRegister(m.lastSync, &dbCollector{m: m}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// WatchLoops adds the loops' health (the supervisor's Health) to the
// metrics. Call it once, before serving.
func (m *Metrics) WatchLoops(health func() []supervise.Health) {
	m.reg.MustRegister(&loopCollector{loops: health})
}

// IMAPSynced records a completed sync of every watched mailbox.
func (m *Metrics) IMAPSynced(at time.Time) {
	m.lastSync.Set(float64(at.UnixNano()) / 1e9)
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError})
}

var (
	outboxDesc = prometheus.NewDesc("foidesk_outbox_requests",
		"Requests by outbox state: sent, failed and unknown are the messages' fates; queued, retry and sending are still to go.", []string{"state"}, nil)
	repliesDesc = prometheus.NewDesc("foidesk_replies_ingested",
		"Messages stored from IMAP, by kind.", []string{"kind"}, nil)
	unmatchedDesc = prometheus.NewDesc("foidesk_replies_unmatched",
		"Stored messages matched to no request and not dismissed: they wait for a person.", nil, nil)
	documentsDesc = prometheus.NewDesc("foidesk_documents",
		"Extracted documents by status.", []string{"status"}, nil)
	storedDesc = prometheus.NewDesc("foidesk_requests_stored",
		"Sent requests by stored lifecycle status.", []string{"status"}, nil)
	shownDesc = prometheus.NewDesc("foidesk_requests",
		"Every request by the status a person sees today (draft, sending, awaiting-response, due-soon, overdue, …).", []string{"status"}, nil)
	overdueDesc = prometheus.NewDesc("foidesk_requests_overdue",
		"Requests whose answer is late today: overdue, very-overdue, extension-overdue or review-overdue.", nil, nil)
)

// dbCollector reads the database's counts at scrape time.
type dbCollector struct{ m *Metrics }

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{outboxDesc, repliesDesc, unmatchedDesc, documentsDesc, storedDesc, shownDesc, overdueDesc} {
		ch <- d
	}
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	o := c.m.opts
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	counts, err := o.Counts.Count(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxDesc, err)
		return
	}
	gaugesBy(ch, outboxDesc, counts.Outbox)
	gaugesBy(ch, repliesDesc, counts.Messages)
	ch <- prometheus.MustNewConstMetric(unmatchedDesc, prometheus.GaugeValue, float64(counts.Unmatched))
	gaugesBy(ch, documentsDesc, counts.Documents)
	stored, shown := map[string]int{}, map[string]int{}
	overdue := 0
	on := deadline.ReceiptDate(o.Now())
	for _, g := range counts.Requests {
		if g.Outbox == "sent" {
			stored[g.Status] += g.N
		}
		sh, err := o.Rule.Show(lifecycle.Request{Regime: g.Regime, Outbox: g.Outbox, Status: g.Status, Due: g.Due, RepliedOn: g.RepliedOn}, on, o.Thresholds)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(shownDesc, err)
			return
		}
		shown[sh.Status] += g.N
		if Late(sh.Status) {
			overdue += g.N
		}
	}
	gaugesBy(ch, storedDesc, stored)
	gaugesBy(ch, shownDesc, shown)
	ch <- prometheus.MustNewConstMetric(overdueDesc, prometheus.GaugeValue, float64(overdue))
}

// Late reports whether a shown status is one of an answer past its due date.
func Late(shown string) bool {
	switch shown {
	case lifecycle.Overdue, lifecycle.VeryOverdue, lifecycle.ExtensionOverdue, lifecycle.ReviewOverdue:
		return true
	}
	return false
}

func gaugesBy(ch chan<- prometheus.Metric, d *prometheus.Desc, counts map[string]int) {
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(n), k)
	}
}

var (
	loopUpDesc = prometheus.NewDesc("foidesk_loop_up",
		"1 when the loop is running and healthy, else 0.", []string{"loop"}, nil)
	loopErrorsDesc = prometheus.NewDesc("foidesk_loop_errors_total",
		"Times the loop failed (returned an error or panicked) since foidesk started.", []string{"loop"}, nil)
	loopPanicsDesc = prometheus.NewDesc("foidesk_loop_panics_total",
		"Times the loop panicked since foidesk started.", []string{"loop"}, nil)
	loopRestartsDesc = prometheus.NewDesc("foidesk_loop_restarts_total",
		"Times the loop was started again after failing.", []string{"loop"}, nil)
)

// loopCollector reports the supervisor's loops.
type loopCollector struct{ loops func() []supervise.Health }

func (c *loopCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- loopUpDesc
	ch <- loopErrorsDesc
	ch <- loopPanicsDesc
	ch <- loopRestartsDesc
}

func (c *loopCollector) Collect(ch chan<- prometheus.Metric) {
	for _, h := range c.loops() {
		up := 0.0
		if h.OK() {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(loopUpDesc, prometheus.GaugeValue, up, h.Name)
		ch <- prometheus.MustNewConstMetric(loopErrorsDesc, prometheus.CounterValue, float64(h.Errors+h.Panics), h.Name)
		ch <- prometheus.MustNewConstMetric(loopPanicsDesc, prometheus.CounterValue, float64(h.Panics), h.Name)
		ch <- prometheus.MustNewConstMetric(loopRestartsDesc, prometheus.CounterValue, float64(h.Restarts), h.Name)
	}
}
