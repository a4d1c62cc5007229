package passwords

import (
	"context"
	"errors"
	"runtime"
	"sync"
)

// ErrBusy is returned when every hashing slot is taken and the queue of
// waiting requests is full: the caller should answer at once (429 with
// Retry-After) rather than wait.
var ErrBusy = errors.New("passwords: too many password checks in progress")

// Queue bounds argon2 work: at most Slots derivations run at once (each
// holds ~19 MiB for its duration) and at most Waiting more wait for a slot.
// A request that finds the queue full gets ErrBusy at once; one whose
// context ends while it waits (the client went away) leaves the queue and
// does no hashing.
type Queue struct {
	slots   chan struct{}
	waiting chan struct{}
}

// NewQueue returns a queue of slots running derivations and waiting places.
func NewQueue(slots, waiting int) *Queue {
	return &Queue{slots: make(chan struct{}, max(1, slots)), waiting: make(chan struct{}, max(0, waiting))}
}

// DefaultSlots and DefaultWaiting size the package's queue: one derivation
// per core (at least two) and four waiting per slot, so that a request at
// the back of a full queue waits about five derivations (a quarter of a
// second on a loaded core) before its own.
var (
	DefaultSlots   = max(2, runtime.NumCPU())
	DefaultWaiting = 4 * DefaultSlots
)

var (
	queueMu sync.RWMutex
	queue   = NewQueue(DefaultSlots, DefaultWaiting)
)

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
	select {
	case q.slots <- struct{}{}:
		if err := ctx.Err(); err != nil { // both were ready: the client has gone, do no work
			<-q.slots
			return err
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Release gives back a slot taken with Acquire.
func (q *Queue) Release() { <-q.slots }
