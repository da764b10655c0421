// Package metrics holds hjx's Prometheus metrics on a registry of its own (no
// global default registry: two Apps in one test process keep separate counts).
// It knows Prometheus, not HTTP routing or GraphQL: the server and the GraphQL
// handler report to it through plain methods. Every label takes values from a
// fixed set (routes, root fields of the schema, error codes, reasons), never
// from what a client typed, so the number of series stays bounded.
package metrics

import (
	"database/sql"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one process's set of metrics. A nil *Metrics records nothing, so
// code paths built without metrics (unit tests) need no special case.
type Metrics struct {
	registry     *prometheus.Registry
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	operations   *prometheus.CounterVec
	opDuration   *prometheus.HistogramVec
	uploadRows   *prometheus.CounterVec
	uploads      *prometheus.CounterVec
	suppressed   *prometheus.CounterVec
	rateLimited  *prometheus.CounterVec
}

// New registers hjx's metrics, the Go runtime's and process's, and the
// connection pool's statistics of db (when not nil).
func New(db *sql.DB) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		registry: reg,
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hjx_http_requests_total",
			Help: "HTTP requests by route and status code."}, []string{"route", "code"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hjx_http_request_duration_seconds",
			Help: "HTTP request latency by route.", Buckets: prometheus.DefBuckets}, []string{"route"}),
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hjx_graphql_operations_total",
			Help: "GraphQL operations by type, first root field and outcome (OK or the first error code)."},
			[]string{"type", "field", "outcome"}),
		opDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hjx_graphql_operation_duration_seconds",
			Help: "GraphQL operation latency by type and first root field.", Buckets: prometheus.DefBuckets},
			[]string{"type", "field"}),
		uploadRows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hjx_upload_rows_total",
			Help: "Rows of uploads: accepted (stored) and rejected (rows named by an issue of a refused upload)."},
			[]string{"result"}),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hjx_uploads_total",
			Help: "Uploads (CSV or JSON) by result: accepted, rejected or dry_run."}, []string{"result"}),
		suppressed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hjx_suppressed_cells_total",
			Help: "Outcome cells served suppressed, by reason."}, []string{"reason"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hjx_rate_limited_requests_total",
			Help: "Requests refused with RATE_LIMITED, by the kind of key limited (token or ip)."}, []string{"key"}),
	}
	reg.MustRegister(m.httpRequests, m.httpDuration, m.operations, m.opDuration, m.uploadRows, m.uploads,
		m.suppressed, m.rateLimited,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		reg.MustRegister(collectors.NewDBStatsCollector(db, "hjx"))
	}
	return m
}

// Handler serves the metrics in Prometheus' text format. It is meant for a
// listener of its own (HJX_METRICS_ADDR), never the public API's.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Registry is the registry itself, for tests that read a value back.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// HTTPRequest records one request on a named route (not the raw path).
func (m *Metrics) HTTPRequest(route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.httpRequests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.httpDuration.WithLabelValues(route).Observe(d.Seconds())
}

// Operation records one GraphQL operation: its type (query, mutation), its
// first root field and its outcome ("OK" or an error code).
func (m *Metrics) Operation(opType, field, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.operations.WithLabelValues(opType, field, outcome).Inc()
	m.opDuration.WithLabelValues(opType, field).Observe(d.Seconds())
}

// Upload records one upload's result and its rows.
func (m *Metrics) Upload(result string, acceptedRows, rejectedRows int) {
	if m == nil {
		return
	}
	m.uploads.WithLabelValues(result).Inc()
	if acceptedRows > 0 {
		m.uploadRows.WithLabelValues("accepted").Add(float64(acceptedRows))
	}
	if rejectedRows > 0 {
		m.uploadRows.WithLabelValues("rejected").Add(float64(rejectedRows))
	}
}

// Suppressed records n outcome cells served suppressed for reason.
func (m *Metrics) Suppressed(reason string, n int) {
	if m == nil || n <= 0 {
		return
	}
	m.suppressed.WithLabelValues(reason).Add(float64(n))
}

// RateLimited records a request refused by the rate limiter; key is "token" or "ip".
func (m *Metrics) RateLimited(key string) {
	if m == nil {
		return
	}
	m.rateLimited.WithLabelValues(key).Inc()
}
