// Wiring: the settings from the environment, and Setup, which turns on what
// they ask for.

package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"gatehouse/models"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Config is the telemetry part of the configuration (names in SPEC.md).
type Config struct {
	// MetricsAddr is GATEHOUSE_METRICS_ADDR: host:port of the listener that
	// serves /metrics. Empty: no metrics at all (the main port never has them).
	MetricsAddr string
	// Tracing is on when OTEL_EXPORTER_OTLP_ENDPOINT (or
	// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set and OTEL_SDK_DISABLED is
	// not true; the exporter reads the OTEL_* variables itself.
	Tracing bool
}

// LoadConfig reads the telemetry settings from getenv (os.Getenv in production).
func LoadConfig(getenv func(string) string) (Config, error) {
	c := Config{MetricsAddr: strings.TrimSpace(getenv("GATEHOUSE_METRICS_ADDR"))}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
			return c, fmt.Errorf("GATEHOUSE_METRICS_ADDR must be host:port such as 0.0.0.0:9090, got %q", c.MetricsAddr)
		}
	}
	endpoint := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")) != "" ||
		strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) != ""
	c.Tracing = endpoint && !strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true")
	return c, nil
}

// Deps are what the telemetry observes.
type Deps struct {
	Store       *models.Store // its Observer is set to the metrics
	IdleTimeout time.Duration // the session idle timeout (active sessions)
	Logger      *slog.Logger
}

// Telemetry is what Setup turned on.
type Telemetry struct {
	// Middleware is for web.Deps.Instrument: empty when both are off.
	Middleware []echo.MiddlewareFunc
	Metrics    *Metrics                 // nil when metrics are off
	Tracer     *sdktrace.TracerProvider // nil when tracing is off

	metricsSrv *http.Server
	metricsLn  net.Listener
	logger     *slog.Logger
}

// Setup turns on what cfg asks for: the metrics (registry, middleware, sign-in
// observer on the store, and the listener, already accepting when Setup
// returns) and the tracing (OTLP exporter, middleware, SQL spans on the
// store's database). Call Shutdown when done.
func Setup(ctx context.Context, cfg Config, deps Deps) (*Telemetry, error) {
	logger := deps.Logger
	if logger == nil {
		logger = slog.Default()
	}
	t := &Telemetry{logger: logger}
	if cfg.MetricsAddr != "" {
		m, err := NewMetrics(MetricsOptions{Store: deps.Store, IdleTimeout: deps.IdleTimeout, Logger: logger})
		if err != nil {
			return nil, err
		}
		ln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return nil, fmt.Errorf("metrics listener (GATEHOUSE_METRICS_ADDR): %w", err)
		}
		t.Metrics, t.metricsLn = m, ln
		t.Middleware = append(t.Middleware, m.Middleware())
		if deps.Store != nil {
			deps.Store.Observer = m
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		t.metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
		go func() {
			if err := t.metricsSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("metrics listener stopped", "err", err)
			}
		}()
		logger.Info("metrics listening", "addr", ln.Addr().String(), "path", "/metrics")
	}
	if cfg.Tracing {
		tp, err := NewTracerProvider(ctx)
		if err != nil {
			_ = t.Shutdown(ctx)
			return nil, fmt.Errorf("tracing: %w", err)
		}
		t.Tracer = tp
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { logger.Warn("tracing", "err", err) }))
		if deps.Store != nil {
			if err := TraceSQL(deps.Store, tp); err != nil {
				_ = t.Shutdown(ctx)
				return nil, fmt.Errorf("tracing: %w", err)
			}
		}
		t.Middleware = append(t.Middleware, TracingMiddleware(tp))
		logger.Info("tracing on: spans go to the OTLP/HTTP endpoint")
	}
	return t, nil
}

// MetricsAddr is the address the metrics listener accepts on ("" when off).
func (t *Telemetry) MetricsAddr() string {
	if t.metricsLn == nil {
		return ""
	}
	return t.metricsLn.Addr().String()
}

// Shutdown stops the metrics listener and flushes the spans not sent yet,
// within ctx.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	var errs []error
	if t.metricsSrv != nil {
		errs = append(errs, t.metricsSrv.Shutdown(ctx))
		_ = t.metricsLn.Close() // in case Serve had not started yet
	}
	if t.Tracer != nil {
		errs = append(errs, t.Tracer.Shutdown(ctx))
	}
	return errors.Join(errs...)
}
