package telemetry_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/telemetry"
	"gatehouse/web/webtest"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func attr(s sdktrace.ReadOnlySpan, key string) (attribute.Value, bool) {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// get sends a GET with the client's cookies and extra headers.
func get(t *testing.T, app *webtest.App, c *webtest.Client, path string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, app.URL(path), nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

func TestRequestSpanWithSQLChildren(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		exp := tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
		t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		app := webtest.Start(t, db, webtest.Options{Instrument: func(s *models.Store) []echo.MiddlewareFunc {
			if err := telemetry.TraceSQL(s, tp); err != nil {
				t.Fatal(err)
			}
			return []echo.MiddlewareFunc{telemetry.TracingMiddleware(tp)}
		}})
		owner, _, _ := app.Owner("acme", "owner@example.com")

		// A request that continues the caller's trace.
		const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
		exp.Reset()
		res := get(t, app, owner, "/t/acme/settings/administrators", http.Header{"Traceparent": {"00-" + traceID + "-" + parentID + "-01"}})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("administrators: %d", res.StatusCode)
		}
		spans := exp.GetSpans().Snapshots()
		var server sdktrace.ReadOnlySpan
		for _, s := range spans {
			if s.SpanKind() == trace.SpanKindServer {
				if server != nil {
					t.Fatalf("two server spans for one request")
				}
				server = s
			}
		}
		if server == nil {
			t.Fatalf("no server span among %d spans", len(spans))
		}
		if server.Name() != "GET /t/:tenant/settings/administrators" {
			t.Errorf("server span name %q", server.Name())
		}
		if v, _ := attr(server, "http.route"); v.AsString() != "/t/:tenant/settings/administrators" {
			t.Errorf("http.route = %q", v.AsString())
		}
		if v, _ := attr(server, "http.response.status_code"); v.AsInt64() != 200 {
			t.Errorf("status attribute %d", v.AsInt64())
		}
		rid := res.Header.Get(echo.HeaderXRequestID)
		if v, _ := attr(server, "gatehouse.request_id"); rid == "" || v.AsString() != rid {
			t.Errorf("request id attribute %q, response header %q", v.AsString(), rid)
		}
		if got := server.SpanContext().TraceID().String(); got != traceID {
			t.Errorf("trace id %s, want the caller's %s", got, traceID)
		}
		if got := server.Parent().SpanID().String(); got != parentID || !server.Parent().IsRemote() {
			t.Errorf("parent %s (remote %v), want the caller's %s", got, server.Parent().IsRemote(), parentID)
		}
		for _, s := range spans {
			for _, kv := range s.Attributes() {
				if strings.Contains(kv.Value.String(), "/t/acme") {
					t.Errorf("span %q attribute %s carries the raw path: %q", s.Name(), kv.Key, kv.Value.String())
				}
			}
		}

		// SQL spans are children of the request's span and carry placeholders, not values.
		var sql []sdktrace.ReadOnlySpan
		for _, s := range spans {
			if s.SpanKind() == trace.SpanKindClient {
				sql = append(sql, s)
			}
		}
		if len(sql) == 0 {
			t.Fatal("no SQL spans")
		}
		sawAdmins := false
		for _, s := range sql {
			if s.Parent().SpanID() != server.SpanContext().SpanID() || s.SpanContext().TraceID() != server.SpanContext().TraceID() {
				t.Errorf("SQL span %q is not a child of the request's span", s.Name())
			}
			q, ok := attr(s, "db.query.text")
			if !ok || q.AsString() == "" {
				t.Errorf("SQL span %q has no query text", s.Name())
			}
			if strings.Contains(q.AsString(), "acme") || strings.Contains(q.AsString(), "owner@example.com") {
				t.Errorf("SQL span %q carries a bound value: %s", s.Name(), q.AsString())
			}
			if sys, _ := attr(s, "db.system.name"); sys.AsString() != map[string]string{"sqlite": "sqlite", "postgres": "postgresql"}[db.Name] {
				t.Errorf("db.system.name %q on %s", sys.AsString(), db.Name)
			}
			if s.Name() == "SELECT administrators" {
				sawAdmins = true
			}
		}
		if !sawAdmins {
			names := []string{}
			for _, s := range sql {
				names = append(names, s.Name())
			}
			t.Errorf("no \"SELECT administrators\" span among %v", names)
		}

		// An unknown path: a span without a route, named by its method only.
		exp.Reset()
		if res := get(t, app, owner, "/no/such/page", nil); res.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown page: %d", res.StatusCode)
		}
		for _, s := range exp.GetSpans().Snapshots() {
			if s.SpanKind() != trace.SpanKindServer {
				continue
			}
			if _, ok := attr(s, "http.route"); ok || s.Name() != "GET" {
				t.Errorf("unknown page span %q with a route", s.Name())
			}
		}

		// Background queries (no request) start no trace.
		exp.Reset()
		if _, err := models.PendingOutboxCount(context.Background(), db.DB); err != nil {
			t.Fatal(err)
		}
		if n := len(exp.GetSpans()); n != 0 {
			t.Errorf("a query outside any trace made %d spans", n)
		}
	})
}

// Setup with OTEL_EXPORTER_OTLP_ENDPOINT exports over OTLP/HTTP; without it
// installs nothing: no middleware, no GORM callbacks.
func TestTracingSetup(t *testing.T) {
	var mu sync.Mutex
	posts := map[string]int{}
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		if r.Method == http.MethodPost && len(b) > 0 {
			posts[r.URL.Path]++
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	defer collector.Close()

	db := modelstest.SQLite(t)
	store, err := models.NewStore(db.DB, "http://x", nil, modelstest.Keys())
	if err != nil {
		t.Fatal(err)
	}
	off, err := telemetry.Setup(context.Background(), telemetry.Config{}, telemetry.Deps{Store: store, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if len(off.Middleware) != 0 || off.Tracer != nil || db.DB.Callback().Query().Get("gatehouse:trace_before_query") != nil {
		t.Fatal("tracing installed something while off")
	}

	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	cfg, err := telemetry.LoadConfig(func(k string) string { return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL}[k] })
	if err != nil || !cfg.Tracing {
		t.Fatalf("config %+v, %v", cfg, err)
	}
	var tel *telemetry.Telemetry
	app := webtest.Start(t, db, webtest.Options{Instrument: func(s *models.Store) []echo.MiddlewareFunc {
		var err error
		tel, err = telemetry.Setup(context.Background(), cfg, telemetry.Deps{Store: s, Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		return tel.Middleware
	}})
	if tel.Tracer == nil || len(tel.Middleware) != 1 || db.DB.Callback().Query().Get("gatehouse:trace_before_query") == nil {
		t.Fatal("tracing not installed")
	}
	if r := app.Client().Get("/readyz"); r.Status != http.StatusOK {
		t.Fatalf("readyz: %d", r.Status)
	}
	if err := tel.Shutdown(context.Background()); err != nil { // flushes the batch
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if posts["/v1/traces"] == 0 {
		t.Fatalf("no spans reached the collector: %v", posts)
	}
}
