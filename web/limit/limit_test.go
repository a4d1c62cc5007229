package limit

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

func ctxFrom(e *echo.Echo, addr string) echo.Context {
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	req.RemoteAddr = addr + ":1234"
	return e.NewContext(req, httptest.NewRecorder())
}

// TestLimiterCountsPerAddress: a burst, then one more is refused with a
// Retry-After of one refill; another address has its own count.
func TestLimiterCountsPerAddress(t *testing.T) {
	e := echo.New()
	l := New(Rate{PerMinute: 6, Burst: 2})
	for i := range 2 {
		if err := l.Allow(ctxFrom(e, "192.0.2.1")); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	var tm *TooMany
	if err := l.Allow(ctxFrom(e, "192.0.2.1")); !errors.As(err, &tm) || tm.RetryAfterSeconds() != 10 {
		t.Fatalf("over the burst: %v", err)
	}
	if err := l.Allow(ctxFrom(e, "192.0.2.2")); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

// TestInFlightTurnsAwayAtOnce: beyond n requests at once, the next is
// refused at once; a release makes room.
func TestInFlightTurnsAwayAtOnce(t *testing.T) {
	f := NewInFlight(2)
	r1, err := f.Enter()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Enter(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var tm *TooMany
	if _, err := f.Enter(); !errors.As(err, &tm) || tm.RetryAfterSeconds() != 1 {
		t.Fatalf("third at once: %v", err)
	}
	if time.Since(start) > 100*time.Millisecond {
		t.Fatal("the refusal waited")
	}
	r1()
	if _, err := f.Enter(); err != nil {
		t.Fatalf("after a release: %v", err)
	}
}
