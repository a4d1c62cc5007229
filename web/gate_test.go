package web

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"gatehouse/web/limit"
	gm "gatehouse/web/middleware"
	"gatehouse/web/render"
)

// TestRequestsBeyondTheGateWaitThenAre503: with every slot taken, a page
// waits its turn and, past the longest wait, is answered 503 "Gatehouse is
// busy" in the app's layout with Retry-After (the API: 429 rate_limited,
// SPEC's API errors ending at 429);
// sign-in steps are not behind the gate (they have their own bound); once
// the slot is free, pages are served again.
func TestRequestsBeyondTheGateWaitThenAre503(t *testing.T) {
	e := echo.New()
	e.HTTPErrorHandler = errorHandler(&render.Renderer{}, &gm.Guards{}, slog.New(slog.DiscardHandler))
	rl := &routeLimits{
		signIn:       limit.New(limit.Rate{PerMinute: 600, Burst: 100}),
		signInFlight: limit.NewInFlight(4),
		gate:         limit.NewGate(1, 50*time.Millisecond),
		byRoute:      map[string]*limit.Limiter{},
	}
	hold, entered := make(chan struct{}), make(chan struct{})
	ok := func(c echo.Context) error { return c.String(http.StatusOK, "ok") }
	g := e.Group("", rl.middleware)
	g.GET("/slow", func(c echo.Context) error { close(entered); <-hold; return ok(c) })
	g.GET("/t/:tenant/page", ok)
	g.GET("/api/v1/things", ok)
	g.POST("/t/:tenant/login", ok)
	rl.limit(rl.signIn, http.MethodPost, "/t/:tenant/login")
	srv := httptest.NewServer(e)
	defer srv.Close()

	slow := make(chan int)
	go func() {
		res, err := http.Get(srv.URL + "/slow")
		if err != nil {
			t.Error(err)
			slow <- 0
			return
		}
		res.Body.Close()
		slow <- res.StatusCode
	}()
	<-entered

	get := func(method, path string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, string(b)
	}
	start := time.Now()
	res, body := get(http.MethodGet, "/t/acme/page")
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "1" {
		t.Fatalf("page while the gate is full: %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Fatalf("refused after %s, before its longest wait", waited)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if h := strings.TrimSpace(doc.Find("main h1").First().Text()); h != "Gatehouse is busy" {
		t.Fatalf("busy page heading %q:\n%s", h, body)
	}
	res, body = get(http.MethodGet, "/api/v1/things")
	var apiErr struct {
		Error struct{ Code string } `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &apiErr); err != nil || res.StatusCode != http.StatusTooManyRequests || apiErr.Error.Code != "rate_limited" || res.Header.Get("Retry-After") != "1" {
		t.Fatalf("API while the gate is full: %d %s (%v)", res.StatusCode, body, err)
	}
	if res, _ := get(http.MethodPost, "/t/acme/login"); res.StatusCode != http.StatusOK {
		t.Fatalf("a sign-in step waited at the gate: %d", res.StatusCode)
	}

	close(hold)
	if code := <-slow; code != http.StatusOK {
		t.Fatalf("the slow request: %d", code)
	}
	if res, body := get(http.MethodGet, "/t/acme/page"); res.StatusCode != http.StatusOK || body != "ok" {
		t.Fatalf("after the slot was freed: %d %q", res.StatusCode, body)
	}
}
