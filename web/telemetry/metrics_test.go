package telemetry_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"gatehouse/models"
	"gatehouse/models/modelstest"
	"gatehouse/web/telemetry"
	"gatehouse/web/webtest"

	"github.com/labstack/echo/v4"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startWithTelemetry runs the app with telemetry set up by Setup from cfg,
// exactly as serve wires it.
func startWithTelemetry(t *testing.T, db modelstest.DB, cfg telemetry.Config) (*webtest.App, *telemetry.Telemetry) {
	t.Helper()
	var tel *telemetry.Telemetry
	app := webtest.Start(t, db, webtest.Options{Instrument: func(s *models.Store) []echo.MiddlewareFunc {
		var err error
		tel, err = telemetry.Setup(context.Background(), cfg, telemetry.Deps{Store: s, IdleTimeout: 30 * time.Minute, Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		return tel.Middleware
	}})
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	return app, tel
}

type families map[string]*dto.MetricFamily

func scrape(t *testing.T, addr string) families {
	t.Helper()
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %d", res.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// series returns the metrics of family name whose labels include want.
func (f families) series(name string, want map[string]string) []*dto.Metric {
	fam := f[name]
	if fam == nil {
		return nil
	}
	var out []*dto.Metric
	for _, m := range fam.GetMetric() {
		ok := true
		for k, v := range want {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			ok = ok && found
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

// value is the value of the one series of name with labels want.
func (f families) value(t *testing.T, name string, want map[string]string) float64 {
	t.Helper()
	s := f.series(name, want)
	if len(s) != 1 {
		t.Fatalf("%s%v: %d series, want 1", name, want, len(s))
	}
	m := s[0]
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	t.Fatalf("%s: no value", name)
	return 0
}

func TestMetricsAfterTraffic(t *testing.T) {
	modelstest.Each(t, func(t *testing.T, db modelstest.DB) {
		app, tel := startWithTelemetry(t, db, telemetry.Config{MetricsAddr: "127.0.0.1:0"})
		if tel.MetricsAddr() == "" || tel.Metrics == nil {
			t.Fatal("metrics are not on")
		}
		owner, tenant, _ := app.Owner("acme", "owner@example.com") // one successful sign-in
		app.AdminWithRoles(tenant, "bob@example.com", "tenant_member")

		// Five wrong passwords lock bob (the default limit); the sixth is refused unchecked.
		bob := app.Client()
		for i := 0; i < 6; i++ {
			r := bob.Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"bob@example.com"}, "password": {"wrong password"}})
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("wrong password %d: %d", i+1, r.Status)
			}
		}
		if r := bob.Submit("/t/acme/login", "/t/acme/login", url.Values{"email": {"nobody@example.com"}, "password": {"x"}}); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("unknown e-mail: %d", r.Status)
		}

		if r := owner.Get("/t/acme/settings/administrators"); r.Status != http.StatusOK {
			t.Fatalf("administrators: %d", r.Status)
		}
		if r := owner.Get("/t/acme/settings/administrators/999999"); r.Status != http.StatusNotFound {
			t.Fatalf("unknown administrator: %d", r.Status)
		}
		if r := owner.Get("/no/such/page-9f3a"); r.Status != http.StatusNotFound {
			t.Fatalf("unknown page: %d", r.Status)
		}
		if r := owner.Get("/t/acme/settings/administrators/"); r.Status != http.StatusMovedPermanently {
			t.Fatalf("trailing slash: %d", r.Status)
		}
		// Nothing on the main port.
		if r := owner.Get("/metrics"); r.Status != http.StatusNotFound {
			t.Fatalf("/metrics on the main port: %d", r.Status)
		}
		app.Clock.Add(10 * time.Minute) // the tenant's invitation e-mail has waited 10 minutes

		f := scrape(t, tel.MetricsAddr())

		// Requests by route pattern, never by raw path.
		const admins = "/t/:tenant/settings/administrators"
		if v := f.value(t, "gatehouse_http_requests_total", map[string]string{"route": admins, "method": "GET", "code": "200"}); v < 1 {
			t.Errorf("administrators list counted %v times", v)
		}
		if v := f.value(t, "gatehouse_http_requests_total", map[string]string{"route": admins + "/:admin", "method": "GET", "code": "404"}); v != 1 {
			t.Errorf("unknown administrator counted %v times, want 1", v)
		}
		if v := f.value(t, "gatehouse_http_requests_total", map[string]string{"route": "/t/:tenant/login", "method": "POST", "code": "422"}); v != 7 {
			t.Errorf("refused sign-ins counted %v times, want 7", v)
		}
		if v := f.value(t, "gatehouse_http_requests_total", map[string]string{"route": telemetry.Unmatched, "method": "GET", "code": "404"}); v < 2 {
			t.Errorf("unmatched 404s counted %v times, want the page and /metrics", v)
		}
		if v := f.value(t, "gatehouse_http_requests_total", map[string]string{"route": telemetry.Unmatched, "method": "GET", "code": "301"}); v != 1 {
			t.Errorf("trailing-slash redirect counted %v times, want 1", v)
		}
		if v := f.value(t, "gatehouse_http_request_duration_seconds", map[string]string{"route": admins, "method": "GET"}); v < 1 {
			t.Errorf("latency histogram has %v samples", v)
		}
		patterns := map[string]bool{telemetry.Unmatched: true}
		for _, r := range app.Web.Echo.Routes() {
			if r.Method != echo.RouteNotFound {
				patterns[r.Path] = true
			}
		}
		for _, name := range []string{"gatehouse_http_requests_total", "gatehouse_http_request_duration_seconds"} {
			if f[name] == nil {
				t.Fatalf("no %s", name)
			}
			for _, m := range f[name].GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "route" && !patterns[l.GetValue()] {
						t.Errorf("%s has route label %q, which is not a route pattern", name, l.GetValue())
					}
					if strings.Contains(l.GetValue(), "acme") || strings.Contains(l.GetValue(), "999999") || strings.Contains(l.GetValue(), "page-9f3a") {
						t.Errorf("%s label %s=%q carries a raw path", name, l.GetName(), l.GetValue())
					}
				}
			}
		}

		// Sign-ins and lockouts.
		for outcome, want := range map[string]float64{"succeeded": 1, "failed": 6, "locked_out": 1} {
			if v := f.value(t, "gatehouse_sign_ins_total", map[string]string{"outcome": outcome}); v != want {
				t.Errorf("sign-ins %s = %v, want %v", outcome, v, want)
			}
		}
		if v := f.value(t, "gatehouse_lockouts_total", nil); v != 1 {
			t.Errorf("lockouts = %v, want 1", v)
		}

		// Outbox backlog and sessions, from the database.
		pending, err := models.PendingOutboxCount(context.Background(), db.DB)
		if err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			t.Fatal("test needs mail waiting in the outbox")
		}
		if v := f.value(t, "gatehouse_outbox_pending_messages", nil); v != float64(pending) {
			t.Errorf("outbox pending = %v, want %d", v, pending)
		}
		if v := f.value(t, "gatehouse_outbox_oldest_pending_age_seconds", nil); math.Abs(v-600) > 1 {
			t.Errorf("oldest pending age = %v s, want 600", v)
		}
		if v := f.value(t, "gatehouse_active_sessions", nil); v != 1 {
			t.Errorf("active sessions = %v, want 1 (the owner's)", v)
		}
		if v := f.value(t, "gatehouse_stats_up", nil); v != 1 {
			t.Errorf("stats_up = %v", v)
		}
		// The pool, the runtime, the process.
		for _, name := range []string{"go_sql_open_connections", "go_sql_max_open_connections", "go_goroutines", "go_memstats_heap_alloc_bytes", "process_cpu_seconds_total", "process_resident_memory_bytes"} {
			if f[name] == nil {
				t.Errorf("no %s", name)
			}
		}
		if len(f.series("go_sql_open_connections", map[string]string{"db_name": "gatehouse"})) != 1 {
			t.Error("pool stats are not labelled db_name=gatehouse")
		}

		// Signing out ends the owner's session: the gauge follows; sent mail leaves the backlog.
		if r := owner.Submit("/t/acme/", "/t/acme/logout", url.Values{}); r.Status != http.StatusSeeOther {
			t.Fatalf("logout: %d", r.Status)
		}
		if err := db.DB.Model(&models.OutboxEmail{}).Where("sent_at IS NULL").Update("sent_at", app.Clock.Now()).Error; err != nil {
			t.Fatal(err)
		}
		f = scrape(t, tel.MetricsAddr())
		if v := f.value(t, "gatehouse_active_sessions", nil); v != 0 {
			t.Errorf("active sessions after sign-out = %v, want 0", v)
		}
		if v := f.value(t, "gatehouse_outbox_pending_messages", nil); v != 0 {
			t.Errorf("outbox pending after delivery = %v", v)
		}
		if v := f.value(t, "gatehouse_outbox_oldest_pending_age_seconds", nil); v != 0 {
			t.Errorf("oldest pending age with nothing pending = %v", v)
		}
	})
}

func TestMetricsOffByDefault(t *testing.T) {
	cfg, err := telemetry.LoadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	app, tel := startWithTelemetry(t, modelstest.SQLite(t), cfg)
	if tel.Metrics != nil || tel.Tracer != nil || len(tel.Middleware) != 0 || tel.MetricsAddr() != "" {
		t.Fatalf("telemetry on without settings: %+v", tel)
	}
	if app.Store.Observer != nil {
		t.Fatal("sign-in observer set without metrics")
	}
	if r := app.Client().Get("/metrics"); r.Status != http.StatusNotFound {
		t.Fatalf("/metrics on the main port: %d", r.Status)
	}
}

func TestLoadConfig(t *testing.T) {
	for _, tc := range []struct {
		env     map[string]string
		want    telemetry.Config
		wantErr string
	}{
		{env: nil, want: telemetry.Config{}},
		{env: map[string]string{"GATEHOUSE_METRICS_ADDR": "0.0.0.0:9090"}, want: telemetry.Config{MetricsAddr: "0.0.0.0:9090"}},
		{env: map[string]string{"GATEHOUSE_METRICS_ADDR": ":9090"}, want: telemetry.Config{MetricsAddr: ":9090"}},
		{env: map[string]string{"GATEHOUSE_METRICS_ADDR": "9090"}, wantErr: "GATEHOUSE_METRICS_ADDR"},
		{env: map[string]string{"GATEHOUSE_METRICS_ADDR": "localhost:"}, wantErr: "GATEHOUSE_METRICS_ADDR"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, want: telemetry.Config{Tracing: true}},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, want: telemetry.Config{Tracing: true}},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"}, want: telemetry.Config{}},
	} {
		got, err := telemetry.LoadConfig(func(k string) string { return tc.env[k] })
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%v: err %v, want one naming %s", tc.env, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%v: %+v, %v; want %+v", tc.env, got, err, tc.want)
		}
	}
}

func TestMethodLabelIsBounded(t *testing.T) {
	for in, want := range map[string]string{"GET": "GET", "POST": "POST", "DELETE": "DELETE", "PROPFIND": "OTHER", "get": "OTHER", "X-ANYTHING-GOES": "OTHER"} {
		if got := telemetry.Method(in); got != want {
			t.Errorf("Method(%q) = %q, want %q", in, got, want)
		}
	}
}
