package passwords

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"
)

// ErrBusy is returned when every hashing slot is taken and the queue of
// waiting requests is full: the caller should answer at once (429 with
// Retry-After) rather than wait.
var ErrBusy = errors.New("passwords: too many password checks in progress")

// Queue bounds argon2 work: at most slots derivations run at once (each
// holds ~19 MiB for its duration) and at most waiting more wait for a slot,
// each for at most MaxWait. A request that finds the queue full gets
// ErrBusy at once, one that waited MaxWait in vain gets ErrBusy then, and
// one whose context ends while it waits (the client went away) leaves the
// queue and does no hashing.
type Queue struct {
	slots   chan struct{}
	waiting chan struct{}
	maxWait time.Duration
}

// NewQueue returns a queue of slots running derivations and waiting
// places, where nobody waits longer than maxWait (0: no limit).
func NewQueue(slots, waiting int, maxWait time.Duration) *Queue {
	return &Queue{slots: make(chan struct{}, max(1, slots)), waiting: make(chan struct{}, max(0, waiting)), maxWait: maxWait}
}

// The package's queue: one derivation per core (at least two) and two
// waiting per slot, so that a request at the back of a full queue waits
// about two derivations (a tenth of a second on an idle core), and on an
// overloaded machine never more than 0.3 s: with the derivation itself and
// the request's queries, a sign-in is checked within a second or turned
// away (429) at once (bench/signin-flood measured one of 200 at 1.10 s
// with a half-second wait).
var (
	DefaultSlots   = max(2, runtime.NumCPU())
	DefaultWaiting = 2 * DefaultSlots
	DefaultMaxWait = 300 * time.Millisecond
)

var (
	queueMu sync.RWMutex
	queue   = NewQueue(DefaultSlots, DefaultWaiting, DefaultMaxWait)
)

// Busy reports whether a check started now would be refused with ErrBusy
// (every slot taken, every waiting place filled), so that callers can
// turn a request away before doing any other work for it. It is only a
// hint: the queue itself is the bound.
func Busy() bool {
	q := currentQueue()
	return len(q.slots) == cap(q.slots) && len(q.waiting) == cap(q.waiting)
}

// SetQueue replaces the package's queue (wiring and tests); it returns the
// previous one.
func SetQueue(q *Queue) *Queue {
	queueMu.Lock()
	defer queueMu.Unlock()
	old := queue
	queue = q
	return old
}

func currentQueue() *Queue {
	queueMu.RLock()
	defer queueMu.RUnlock()
	return queue
}

// Acquire takes a slot (as every derivation does; callers with heavy work
// of their own, and tests, may too): at once when one is free, else after
// waiting in the queue; ErrBusy when the queue is full, ctx.Err() when ctx
// ends first. Release gives it back.
func (q *Queue) Acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case q.slots <- struct{}{}:
		return nil
	default:
	}
	select {
	case q.waiting <- struct{}{}:
	default:
		return ErrBusy
	}
	defer func() { <-q.waiting }()
	var timeout <-chan time.Time
	if q.maxWait > 0 {
		t := time.NewTimer(q.maxWait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case q.slots <- struct{}{}:
		if err := ctx.Err(); err != nil { // both were ready: the client has gone, do no work
			<-q.slots
			return err
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-timeout:
		return ErrBusy
	}
}

// Release gives back a slot taken with Acquire.
func (q *Queue) Release() { <-q.slots }
