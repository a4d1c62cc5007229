package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"gatehouse/web/telemetry"
)

// Shutdown budget (SPEC: SIGTERM drains and exits within 25 s; Kubernetes'
// terminationGracePeriodSeconds in deploy/ leaves room for it). Variables
// only so that tests can shorten them.
var (
	// shutdownBudget bounds the whole drain, leaving a little of the 25 s
	// for closing the database.
	shutdownBudget = 23 * time.Second
	// requestDrain is how long in-flight requests get to finish.
	requestDrain = 20 * time.Second
)

// drain stops serve gracefully after SIGTERM: at once, the listener stops
// accepting (idle keep-alive connections are closed) and the outbox worker
// and session sweeper are told to stop (stopBackground). Then, side by side,
// in-flight requests finish (up to requestDrain; any still running then are
// cut off) and the worker finishes the delivery it is in (up to its Drain),
// records it and hands the rest of its batch back (releasing the leases).
// Last, the metrics listener closes and pending spans are flushed.
// Everything ends within shutdownBudget: a worker still stuck then (an SMTP
// server that stopped answering mid-exchange; go-mail heeds only its own
// per-command timeout once connected) is left behind, and its claims return
// to the outbox when their lease ends.
func drain(hs *http.Server, stopBackground func(), workerDone <-chan struct{}, tel *telemetry.Telemetry, logger *slog.Logger) {
	start := time.Now()
	logger.Info("shutting down: no new connections; finishing requests in flight and the e-mail being sent")
	ctx, cancel := context.WithTimeout(context.Background(), shutdownBudget)
	defer cancel()

	stopBackground()
	requests := make(chan error, 1)
	go func() {
		rctx, cancel := context.WithTimeout(ctx, requestDrain)
		defer cancel()
		err := hs.Shutdown(rctx)
		if err != nil {
			logger.Error("requests still running at the drain deadline were cut off", "after", requestDrain, "err", err)
			_ = hs.Close()
		}
		requests <- err
	}()
	select {
	case <-workerDone:
	case <-ctx.Done():
		logger.Error("outbox worker did not stop in time; its claims return when their lease ends")
	}
	<-requests
	if tel != nil {
		tctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		if err := tel.Shutdown(tctx); err != nil {
			logger.Warn("telemetry shutdown", "err", err)
		}
		cancel()
	}
	logger.Info("stopped", "after", time.Since(start).Round(time.Millisecond))
}
