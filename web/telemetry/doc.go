// Package telemetry is how operators see Gatehouse at work (SPEC Part 3,
// Operations): Prometheus metrics served on their own listener
// (GATEHOUSE_METRICS_ADDR) and OpenTelemetry traces of HTTP requests and
// SQL statements exported over OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT).
// Each is off, and costs nothing, while its setting is unset: no listener,
// no middleware, no GORM callbacks.
//
// Labels and span names carry route patterns (/t/:tenant/users/:user), never
// raw paths, so their number is bounded by the route table and one-time
// tokens in URLs never reach a metrics or tracing backend.
package telemetry
