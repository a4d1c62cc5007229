package limit

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
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

// TestGateLetsRequestsInTurn: n requests are let in at once; more wait and
// are let in in the order they came; one that waits too long is refused
// with ErrBusy, one whose request ends while waiting with its context's
// error; a release lets the next one in.
func TestGateLetsRequestsInTurn(t *testing.T) {
	g := NewGate(2, time.Minute)
	ctx := context.Background()
	var held []func()
	for range 2 {
		release, err := g.Enter(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, release)
	}
	// Five waiters, queued one after the other.
	order := make(chan int, 5)
	var done sync.WaitGroup
	for i := range 5 {
		done.Add(1)
		go func() {
			defer done.Done()
			release, err := g.Enter(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			order <- i
			release()
		}()
		// Wait until this one is queued before starting the next.
		for deadline := time.Now().Add(5 * time.Second); ; {
			if waiters(g) == i+1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiter %d not queued", i)
			}
			time.Sleep(time.Millisecond)
		}
	}
	held[0]() // one slot: the waiters go through it one at a time, in order
	done.Wait()
	close(order)
	want := 0
	for got := range order {
		if got != want {
			t.Fatalf("waiter %d let in when %d was next", got, want)
		}
		want++
	}
	if want != 5 {
		t.Fatalf("%d waiters let in", want)
	}

	// The gate full (one slot held, one taken here): a waiter past its
	// longest wait is refused, one whose request ends gets its error.
	busy := NewGate(1, 20*time.Millisecond)
	release, err := busy.Enter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := busy.Enter(ctx); !errors.Is(err, ErrBusy) {
		t.Fatalf("waited too long: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := busy.Enter(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("request gone: %v", err)
	}
	release()
	again, err := busy.Enter(ctx)
	if err != nil {
		t.Fatalf("after the release: %v", err)
	}
	again()
	held[1]()
}

// waiters is how many requests wait at g.
func waiters(g *Gate) int { return int(g.Waiting()) }
