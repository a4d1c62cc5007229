// Package limit rate-limits requests per client address (Echo's memory
// store over golang.org/x/time/rate token buckets) and bounds how many are
// worked on at once (golang.org/x/sync/semaphore). The client address is
// Echo's RealIP, which believes X-Forwarded-For only from the proxies named
// by GATEHOUSE_TRUSTED_PROXIES (see web.New). Each replica counts on its
// own: the limits bound the work one address can cause on one replica,
// while lockouts (counted in the database) bound guesses per account.
package limit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"
)

// Rate is a limit: Burst requests at once, then PerMinute a minute.
type Rate struct {
	PerMinute float64
	Burst     int
}

// TooMany is the error of a request over its limit: 429 with Retry-After.
type TooMany struct {
	RetryAfter time.Duration
}

func (e *TooMany) Error() string {
	return fmt.Sprintf("too many requests from this address: retry after %v", e.RetryAfter)
}

// RetryAfterSeconds is the Retry-After header's value (whole seconds, at least 1).
func (e *TooMany) RetryAfterSeconds() int {
	return max(1, int(math.Ceil(e.RetryAfter.Seconds())))
}

// Limiter limits one kind of request per client address.
type Limiter struct {
	store *middleware.RateLimiterMemoryStore
	retry time.Duration
}

// New returns a limiter for r.
func New(r Rate) *Limiter {
	perSecond := r.PerMinute / 60
	refill := time.Duration(float64(time.Second) / perSecond) // one more request after
	full := time.Duration(float64(r.Burst)) * refill          // a whole burst back after
	return &Limiter{
		store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(perSecond), Burst: r.Burst, ExpiresIn: full + time.Minute,
		}),
		retry: refill,
	}
}

// Allow counts a request from c's client address: nil, or *TooMany.
func (l *Limiter) Allow(c echo.Context) error {
	ok, err := l.store.Allow(c.RealIP())
	if err != nil {
		return err
	}
	if !ok {
		return &TooMany{RetryAfter: l.retry}
	}
	return nil
}

// AllowKey is Allow for a key of the caller's choosing (an API token's id)
// instead of the client's address.
func (l *Limiter) AllowKey(key string) error {
	ok, err := l.store.Allow(key)
	if err != nil {
		return err
	}
	if !ok {
		return &TooMany{RetryAfter: l.retry}
	}
	return nil
}

// InFlight bounds how many requests of a kind are worked on at once (over
// all addresses): one more is turned away at once (*TooMany), before any
// work is done for it, so a flood from many addresses cannot make every
// request wait behind it.
type InFlight struct {
	sem *semaphore.Weighted
}

// NewInFlight lets n requests in at once.
func NewInFlight(n int) *InFlight {
	return &InFlight{sem: semaphore.NewWeighted(int64(max(1, n)))}
}

// Enter lets a request in (call the returned release when it is done) or
// refuses it with *TooMany.
func (f *InFlight) Enter() (release func(), err error) {
	if !f.sem.TryAcquire(1) {
		return nil, &TooMany{RetryAfter: time.Second}
	}
	return func() { f.sem.Release(1) }, nil
}

// ErrBusy refuses a request that waited its longest for a Gate (503 with
// Retry-After).
var ErrBusy = errors.New("limit: the server is busy")

// Gate lets n requests be worked on at once; more wait their turn in the
// order they came (a FIFO queue), each for at most wait, then are refused
// with ErrBusy. Bounding the work in progress to what the machine can do
// keeps every request's time close to the mean under load: without it, as
// many requests as arrive compete at once for the cores and the database
// connections (which database/sql hands to a random waiter), and the slowest
// ones waited several times the mean.
type Gate struct {
	sem     *semaphore.Weighted
	wait    time.Duration
	waiting atomic.Int64
	release func() // made once: Enter allocates nothing
}

// Waiting is how many requests wait their turn now.
func (g *Gate) Waiting() int64 { return g.waiting.Load() }

// NewGate lets n (at least 1) requests in at once, others waiting at most wait.
func NewGate(n int, wait time.Duration) *Gate {
	g := &Gate{sem: semaphore.NewWeighted(int64(max(1, n))), wait: wait}
	g.release = func() { g.sem.Release(1) }
	return g
}

// Enter waits for the request's turn (call release when it is done): an
// error when its context ends first, ErrBusy when it waited too long.
func (g *Gate) Enter(ctx context.Context) (release func(), err error) {
	if !g.sem.TryAcquire(1) {
		g.waiting.Add(1)
		wctx, cancel := context.WithTimeout(ctx, g.wait)
		err := g.sem.Acquire(wctx, 1)
		cancel()
		g.waiting.Add(-1)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, ErrBusy
		}
	}
	return g.release, nil
}
