package server

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/hjx-exchange/hjx/internal/metrics"
)

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// accessLog writes one JSON line per request. It logs the path, never the query
// string or headers: a token or an identifier in a URL must not reach the logs.
// It also counts the request in the metrics under its route pattern (a fixed
// set), not its path (which a client chooses).
func accessLog(log *slog.Logger, m *metrics.Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		took := time.Since(start)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		route := r.Pattern
		if route == "" {
			route = "other"
		}
		m.HTTPRequest(route, status, took)
		log.InfoContext(r.Context(), "request", "method", r.Method, "path", r.URL.Path, "status", status,
			"bytes", rec.bytes, "duration_ms", took.Milliseconds())
	})
}
