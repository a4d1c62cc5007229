// Package jobs runs Gatehouse's periodic background jobs (the deactivation
// of dormant administrators, the audit chain's check, ...) in every replica,
// while each job runs in one replica at a time and once per interval across
// all of them: before running a job a replica claims its lease in the
// database (models.ClaimJob), which one claimant wins.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"gatehouse/models"

	"gorm.io/gorm"
)

// Job is one periodic job.
type Job struct {
	Name  string
	Every time.Duration // at most once per Every, across replicas
	// Lease bounds how long a run may hold the job (default 10 min): a
	// replica that dies mid-run holds it no longer.
	Lease time.Duration
	Run   func(ctx context.Context) error
}

// Runner runs due jobs every Tick.
type Runner struct {
	DB     *gorm.DB
	Jobs   []Job
	Now    func() time.Time // injected so tests move time; default time.Now
	Logger *slog.Logger
	Tick   time.Duration // how often to look for due jobs; default 30 s
	Holder string        // this runner's name in leases; default random
}

// Defaults of the Runner's and Job's tuning fields.
const (
	DefaultTick  = 30 * time.Second
	DefaultLease = 10 * time.Minute
)

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger != nil {
		return r.Logger
	}
	return slog.Default()
}

func (r *Runner) holder() string {
	if r.Holder == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		r.Holder = "runner-" + hex.EncodeToString(b)
	}
	return r.Holder
}

// RunDue runs, one after another, the jobs that are due and whose lease
// this runner wins, and returns their names. A job's error is logged and
// recorded with its lease; it does not stop the others.
func (r *Runner) RunDue(ctx context.Context) ([]string, error) {
	var ran []string
	holder := r.holder()
	for _, j := range r.Jobs {
		if ctx.Err() != nil {
			return ran, ctx.Err()
		}
		lease := j.Lease
		if lease <= 0 {
			lease = DefaultLease
		}
		won, err := models.ClaimJob(ctx, r.DB, j.Name, holder, r.now(), j.Every, lease)
		if err != nil {
			return ran, err
		}
		if !won {
			continue
		}
		jctx, cancel := context.WithTimeout(ctx, lease)
		start := time.Now()
		runErr := j.Run(jctx)
		cancel()
		msg := ""
		if runErr != nil {
			msg = runErr.Error()
			r.logger().Error("background job failed", "job", j.Name, "err", runErr)
		} else {
			r.logger().Debug("background job ran", "job", j.Name, "took", time.Since(start).Round(time.Millisecond))
		}
		// Recorded even when ctx was cancelled (shutdown), so the lease
		// does not outlive the run.
		fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		if err := models.FinishJob(fctx, r.DB, j.Name, holder, msg); err != nil {
			r.logger().Warn("release job lease", "job", j.Name, "err", err)
		}
		fcancel()
		ran = append(ran, j.Name)
	}
	return ran, nil
}

// Run runs due jobs now and then every Tick until ctx is cancelled.
func (r *Runner) Run(ctx context.Context) {
	tick := r.Tick
	if tick <= 0 {
		tick = DefaultTick
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if _, err := r.RunDue(ctx); err != nil && ctx.Err() == nil {
			r.logger().Warn("background jobs", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
