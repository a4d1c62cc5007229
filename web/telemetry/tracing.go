// OpenTelemetry tracing: a server span per HTTP request, named by method
// and route pattern, with the request id as an attribute; SQL statements
// made with the request's context become its children (gorm.go).

package telemetry

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// ScopeName is the instrumentation scope of Gatehouse's spans.
const ScopeName = "gatehouse"

// RequestIDKey is the span attribute that carries the request id (the
// X-Request-ID header, also in the access log and on error pages).
const RequestIDKey = attribute.Key("gatehouse.request_id")

// propagator reads the caller's trace context (W3C traceparent, baggage).
var propagator propagation.TextMapPropagator = propagation.NewCompositeTextMapPropagator(
	propagation.TraceContext{}, propagation.Baggage{})

// NewTracerProvider returns an SDK tracer provider that batches spans to
// an OTLP/HTTP collector. The exporter takes its endpoint, headers, timeout
// and TLS settings from the standard OTEL_EXPORTER_OTLP_* variables, the
// sampler from OTEL_TRACES_SAMPLER (default: parent-based, always on), and
// the resource OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES over
// service.name=gatehouse. Nothing is sent until the first span ends.
func NewTracerProvider(ctx context.Context) (*sdktrace.TracerProvider, error) {
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName("gatehouse")),
		resource.WithFromEnv(), // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES win
		resource.WithTelemetrySDK(),
		resource.WithHost(),
	)
	if err != nil {
		return nil, err
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}

// TracingMiddleware starts a server span for each request, continuing the
// caller's trace when a traceparent header came with it, and puts it in the
// request's context for the handlers and the SQL below them. The span is
// named "METHOD /route/:pattern" once routing is done; url.path and the
// query are left out on purpose (invitation and reset tokens travel in
// paths). Install it with echo's Pre, after the request id is known or
// not: the id is read from the response header when the request is done.
func TracingMiddleware(tp trace.TracerProvider) echo.MiddlewareFunc {
	tracer := tp.Tracer(ScopeName)
	var routes routeSet
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			method := Method(req.Method)
			ctx := propagator.Extract(req.Context(), propagation.HeaderCarrier(req.Header))
			ctx, span := tracer.Start(ctx, method, trace.WithSpanKind(trace.SpanKindServer),
				trace.WithAttributes(
					semconv.HTTPRequestMethodKey.String(method),
					semconv.ClientAddress(c.RealIP()),
					semconv.UserAgentOriginal(req.UserAgent()),
				))
			defer span.End()
			c.SetRequest(req.WithContext(ctx))

			err := next(c)

			status := Status(c, err)
			if route := routes.label(c); route != Unmatched {
				span.SetName(method + " " + route)
				span.SetAttributes(semconv.HTTPRoute(route))
			}
			span.SetAttributes(semconv.HTTPResponseStatusCode(status))
			if id := c.Response().Header().Get(echo.HeaderXRequestID); id != "" {
				span.SetAttributes(RequestIDKey.String(id))
			}
			if status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(status))
				if err != nil {
					span.RecordError(err)
				}
			}
			return err
		}
	}
}
