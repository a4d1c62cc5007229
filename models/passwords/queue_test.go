package passwords

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// useQueue installs q for the test and puts the previous queue back after.
func useQueue(t *testing.T, q *Queue) {
	old := SetQueue(q)
	t.Cleanup(func() { SetQueue(old) })
}

// TestQueueFullAnswersBusyAtOnce: with every slot taken and every waiting
// place filled, the next check fails with ErrBusy without waiting.
func TestQueueFullAnswersBusyAtOnce(t *testing.T) {
	q := NewQueue(1, 1, 0)
	useQueue(t, q)
	if err := q.Acquire(ctx); err != nil { // the one slot
		t.Fatal(err)
	}
	waiterIn := make(chan error, 1)
	go func() { waiterIn <- q.Acquire(ctx) }() // the one waiting place
	waitFor(t, func() bool { return len(q.waiting) == 1 })
	if !Busy() {
		t.Fatal("a full queue is not busy")
	}

	start := time.Now()
	_, err := Verify(ctx, dummyHash, "anything")
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("Verify with a full queue: %v, want ErrBusy", err)
	}
	if _, err := Hash(ctx, "anything at all"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Hash with a full queue: %v, want ErrBusy", err)
	}
	if err := VerifyDummy(ctx, "anything"); !errors.Is(err, ErrBusy) {
		t.Fatalf("VerifyDummy with a full queue: %v, want ErrBusy", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("ErrBusy took %v: it must come at once", d)
	}
	q.Release()
	if err := <-waiterIn; err != nil {
		t.Fatalf("the waiting request: %v", err)
	}
	q.Release()
	if ok, err := Verify(ctx, dummyHash, "anything"); err != nil || ok {
		t.Fatalf("Verify once the queue drained: %v %v", ok, err)
	}
}

// TestQueueDropsCancelledWaiters: a waiting request whose context ends
// leaves the queue (its place is free again) and does no hashing.
func TestQueueDropsCancelledWaiters(t *testing.T) {
	q := NewQueue(1, 1, 0)
	useQueue(t, q)
	if err := q.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	var derived atomic.Bool
	done := make(chan error, 1)
	go func() {
		ok, err := Verify(cctx, dummyHash, "anything")
		derived.Store(ok || err == nil)
		done <- err
	}()
	waitFor(t, func() bool { return len(q.waiting) == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled waiter: %v, want context.Canceled", err)
	}
	if derived.Load() {
		t.Fatal("a cancelled waiter hashed")
	}
	if len(q.waiting) != 0 || len(q.slots) != 1 {
		t.Fatalf("after cancel: %d waiting, %d slots taken", len(q.waiting), len(q.slots))
	}
	// An already cancelled request does not even queue.
	if _, err := Hash(cctx, "anything at all"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash with a cancelled context: %v", err)
	}
	q.Release()
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestQueueBoundsTheWait: a waiter that gets no slot within the queue's
// longest wait gives up with ErrBusy.
func TestQueueBoundsTheWait(t *testing.T) {
	q := NewQueue(1, 4, 50*time.Millisecond)
	useQueue(t, q)
	if err := q.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	defer q.Release()
	if Busy() {
		t.Fatal("busy with waiting places free")
	}
	start := time.Now()
	if _, err := Hash(ctx, "anything at all"); !errors.Is(err, ErrBusy) {
		t.Fatalf("after the longest wait: %v", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > time.Second {
		t.Fatalf("gave up after %v", d)
	}
	if len(q.waiting) != 0 {
		t.Fatal("the waiter kept its place")
	}
}
