// Prometheus metrics: HTTP requests by route pattern, the database pool,
// the outbox backlog, active sessions, sign-ins and lockouts, webhook
// deliveries by outcome, the Go runtime and the process, in a Registry of
// its own (never the global one).

package telemetry

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"gatehouse/models"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// DefaultQueryTimeout bounds the database reads of one scrape.
const DefaultQueryTimeout = 2 * time.Second

// MetricsOptions are what the collectors read.
type MetricsOptions struct {
	// Store gives the database (pool statistics, outbox backlog, active
	// sessions) and the clock. Nil leaves those metrics out.
	Store *models.Store
	// IdleTimeout is the session idle timeout: sessions idle for longer
	// are not counted as active.
	IdleTimeout time.Duration
	// QueryTimeout bounds the database reads of one scrape (default 2 s).
	QueryTimeout time.Duration
	Logger       *slog.Logger
}

// Metrics holds the registry and the instruments the app updates.
type Metrics struct {
	Registry *prometheus.Registry

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
	signIns  *prometheus.CounterVec
	lockouts prometheus.Counter
	webhooks *prometheus.CounterVec

	routes routeSet
}

// NewMetrics builds the registry with every collector registered.
func NewMetrics(opts MetricsOptions) (*Metrics, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.QueryTimeout <= 0 {
		opts.QueryTimeout = DefaultQueryTimeout
	}
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "gatehouse_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "gatehouse_http_requests_in_flight",
			Help: "HTTP requests being answered now.",
		}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_sign_ins_total",
			Help: "Administrator sign-in attempts by outcome: succeeded, failed (wrong or unknown credentials at any step), locked_out (refused unchecked).",
		}, []string{"outcome"}),
		lockouts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gatehouse_lockouts_total",
			Help: "Administrator accounts locked by too many failed attempts.",
		}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gatehouse_webhook_deliveries_total",
			Help: "Webhook delivery attempts by outcome: delivered (2xx) or failed (any other answer, or none).",
		}, []string{"outcome"}),
	}
	for _, o := range []models.SignInOutcome{models.SignInSucceeded, models.SignInFailed, models.SignInLockedOut} {
		m.signIns.WithLabelValues(string(o)) // every outcome present from the start, at 0
	}
	for _, o := range []models.WebhookOutcome{models.WebhookDelivered, models.WebhookFailed} {
		m.webhooks.WithLabelValues(string(o))
	}
	cs := []prometheus.Collector{
		m.requests, m.duration, m.inFlight, m.signIns, m.lockouts, m.webhooks,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	}
	if opts.Store != nil {
		sqlDB, err := opts.Store.DB.DB()
		if err != nil {
			return nil, err
		}
		cs = append(cs, collectors.NewDBStatsCollector(sqlDB, "gatehouse"), newStoreCollector(opts))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Handler serves the registry in the Prometheus text (or OpenMetrics) format.
// A collector that fails leaves its series out; the rest are still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{
		Registry:      m.Registry, // promhttp_metric_handler_errors_total
		ErrorHandling: promhttp.ContinueOnError,
		Timeout:       10 * time.Second,
	})
}

// SignIn counts a sign-in attempt (models.Observer).
func (m *Metrics) SignIn(o models.SignInOutcome) { m.signIns.WithLabelValues(string(o)).Inc() }

// Lockout counts an account lockout (models.Observer).
func (m *Metrics) Lockout() { m.lockouts.Inc() }

// WebhookDelivery counts a webhook delivery attempt (models.Observer).
func (m *Metrics) WebhookDelivery(o models.WebhookOutcome) {
	m.webhooks.WithLabelValues(string(o)).Inc()
}

var _ models.Observer = (*Metrics)(nil)

// Middleware records every request: count by route pattern, method and
// status code, latency by route pattern and method. Install it outermost
// (echo's Pre), so that requests answered before routing are counted too
// and the status is the one the error handler finally sent.
func (m *Metrics) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			m.inFlight.Inc()
			defer m.inFlight.Dec()
			err := next(c)
			route, method := m.routes.label(c), Method(c.Request().Method)
			m.requests.WithLabelValues(route, method, strconv.Itoa(Status(c, err))).Inc()
			m.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
			return err
		}
	}
}

// storeCollector reads the outbox backlog and the active sessions at scrape
// time: a few indexed queries under one short timeout.
type storeCollector struct {
	opts     MetricsOptions
	pending  *prometheus.Desc
	oldest   *prometheus.Desc
	sessions *prometheus.Desc
	up       *prometheus.Desc
}

func newStoreCollector(opts MetricsOptions) *storeCollector {
	return &storeCollector{
		opts:     opts,
		pending:  prometheus.NewDesc("gatehouse_outbox_pending_messages", "Messages in the outbox not delivered yet (e-mails, text messages, webhook deliveries).", nil, nil),
		oldest:   prometheus.NewDesc("gatehouse_outbox_oldest_pending_age_seconds", "Age of the oldest outbox message not delivered yet (0 when none).", nil, nil),
		sessions: prometheus.NewDesc("gatehouse_active_sessions", "Administrator sessions neither expired nor idle past the idle timeout.", nil, nil),
		up:       prometheus.NewDesc("gatehouse_stats_up", "1 if this scrape could read the outbox and session figures from the database, else 0.", nil, nil),
	}
}

func (s *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- s.pending
	ch <- s.oldest
	ch <- s.sessions
	ch <- s.up
}

func (s *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.QueryTimeout)
	defer cancel()
	store := s.opts.Store
	up := 1.0
	if b, err := store.OutboxBacklog(ctx); err != nil {
		s.opts.Logger.Warn("metrics: read outbox backlog", "err", err)
		up = 0
	} else {
		age := 0.0
		if b.Oldest != nil {
			age = max(0, store.Now().Sub(*b.Oldest).Seconds())
		}
		ch <- prometheus.MustNewConstMetric(s.pending, prometheus.GaugeValue, float64(b.Pending))
		ch <- prometheus.MustNewConstMetric(s.oldest, prometheus.GaugeValue, age)
	}
	if n, err := store.ActiveSessions(ctx, s.opts.IdleTimeout); err != nil {
		s.opts.Logger.Warn("metrics: count active sessions", "err", err)
		up = 0
	} else {
		ch <- prometheus.MustNewConstMetric(s.sessions, prometheus.GaugeValue, float64(n))
	}
	ch <- prometheus.MustNewConstMetric(s.up, prometheus.GaugeValue, up)
}
