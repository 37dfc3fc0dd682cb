// Package web serves everything over HTTP: the web UI, the JSON API (package
// api), health and metrics, composed into one handler.
package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"shangji/internal/api"
	"shangji/internal/app"
)

var (
	requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "shangji_http_requests_total", Help: "HTTP requests by route pattern and status.",
	}, []string{"pattern", "status"})
	latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "shangji_http_request_seconds", Help: "HTTP request latency by route pattern.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	}, []string{"pattern"})
	registry = prometheus.NewRegistry()
)

func init() {
	registry.MustRegister(requests, latency, prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
}

// Handler returns the whole HTTP surface of Shangji.
func Handler(a *app.App) http.Handler {
	mux := http.NewServeMux()
	api.Register(mux, a)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if err := a.DB.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(map[string]string{"status": "unavailable"})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok"})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	registerPages(mux, a)
	// Cross-origin state-changing browser requests are refused (CSRF); API
	// clients with bearer tokens send no Sec-Fetch-Site/Origin and pass.
	return measure(http.NewCrossOriginProtection().Handler(mux))
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

// Unwrap lets http.ResponseController reach the connection (flushing the
// import's progress stream).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func measure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: 200}
		next.ServeHTTP(sw, r)
		pattern := r.Pattern
		if pattern == "" {
			pattern = "unmatched"
		}
		requests.WithLabelValues(pattern, strconv.Itoa(sw.status)).Inc()
		latency.WithLabelValues(pattern).Observe(time.Since(start).Seconds())
	})
}
