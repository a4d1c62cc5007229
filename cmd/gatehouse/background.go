package main

import (
	"context"
	"log/slog"
	"time"

	"gatehouse/models"
	"gatehouse/web/jobs"
)

// auditCheckBudget is how many audit events the chain check reads per run.
const auditCheckBudget = 200_000

// backgroundJobs are the periodic jobs serve runs; each runs in one replica
// at a time (leases in the database).
func backgroundJobs(store *models.Store, logger *slog.Logger) *jobs.Runner {
	return &jobs.Runner{DB: store.DB, Logger: logger, Now: time.Now, Jobs: []jobs.Job{
		{Name: "dormant-administrators", Every: time.Hour, Run: func(ctx context.Context) error {
			rep, err := store.DeactivateDormantAdministrators(ctx)
			if rep.Warned+rep.Deactivated > 0 {
				logger.Info("dormant administrators", "warned", rep.Warned, "deactivated", rep.Deactivated, "kept_last_tenant_admin", rep.Kept)
			}
			return err
		}},
		{Name: "audit-chain-check", Every: time.Minute, Run: func(ctx context.Context) error {
			return store.CheckAuditChains(ctx, auditCheckBudget)
		}},
		{Name: "api-idempotency-prune", Every: time.Hour, Run: func(ctx context.Context) error {
			_, err := store.PruneIdempotencyKeys(ctx)
			return err
		}},
		{Name: "pending-changes-expiry", Every: 10 * time.Minute, Run: func(ctx context.Context) error {
			n, err := store.ExpirePendingChanges(ctx)
			if n > 0 {
				logger.Info("pending changes expired", "changes", n)
			}
			return err
		}},
		{Name: "access-review-reminders", Every: time.Hour, Run: func(ctx context.Context) error {
			n, err := store.RemindAccessReviewers(ctx)
			if n > 0 {
				logger.Info("access review reminders", "reviews", n)
			}
			return err
		}},
	}}
}
