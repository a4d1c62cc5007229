package models

import (
	"context"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"
)

// seedIDPs are the identity providers of seeded events, most used first.
var seedIDPs = []string{"Identity Pool", "Google", "Microsoft", "Okta (SAML)", "GitHub"}

// seedEventClients are the clients of seeded events when the workspace has
// none of its own.
var seedEventClients = []string{"Customer portal", "Mobile app", "Partner API", "Back office"}

// SeedAuthEvents adds n authentication events to a workspace, spread over
// the last 90 days (busier on weekdays, about one in twelve a failure),
// over a few identity providers and the workspace's clients (by name; demo
// names when it has none), with their daily rollups: multi-row inserts,
// 50,000 events a transaction. It returns how many it added.
func (s *Store) SeedAuthEvents(ctx context.Context, t Tenant, w Workspace, n int, actor Actor) (int, error) {
	if n <= 0 {
		return 0, nil
	}
	db := s.DB.WithContext(ctx)
	var clients []string
	if err := db.Model(&Client{}).Where("tenant_id = ? AND workspace_id = ?", t.ID, w.ID).Order("name").Limit(20).Pluck("name", &clients).Error; err != nil {
		return 0, err
	}
	if len(clients) == 0 {
		clients = seedEventClients
	}
	var existing int64
	if err := db.Model(&AuthEvent{}).Where("tenant_id = ? AND workspace_id = ?", t.ID, w.ID).Count(&existing).Error; err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(uint64(w.ID), uint64(existing)))
	now := s.now()
	y, m, d := now.Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	// Weighted days: weekdays count 3, weekend days 1; today only up to now.
	const span = 90
	var weights []int
	total := 0
	for i := 0; i < span; i++ {
		day := today.AddDate(0, 0, -i)
		wgt := 3
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			wgt = 1
		}
		weights = append(weights, wgt)
		total += wgt
	}
	pickDay := func() int {
		x := rng.IntN(total)
		for i, wgt := range weights {
			if x < wgt {
				return i
			}
			x -= wgt
		}
		return 0
	}
	pick := func(list []string) string {
		// Earlier entries more often: the smaller of two draws.
		return list[min(rng.IntN(len(list)), rng.IntN(len(list)))]
	}
	const perTx = 50_000
	added := 0
	for added < n {
		size := min(perTx, n-added)
		events := make([]AuthEvent, size)
		for i := range events {
			day := today.AddDate(0, 0, -pickDay())
			at := day.Add(time.Duration(rng.Int64N(int64(24 * time.Hour))))
			if at.After(now) {
				at = day.Add(time.Duration(rng.Int64N(int64(now.Sub(day)) + 1)))
			}
			outcome := AuthSuccess
			if rng.IntN(12) == 0 {
				outcome = AuthFailure
			}
			events[i] = AuthEvent{TenantID: t.ID, WorkspaceID: w.ID, OccurredAt: at.Truncate(time.Microsecond), Outcome: outcome,
				IdentityProvider: pick(seedIDPs), Client: pick(clients), CreatedAt: now}
		}
		if err := s.tx(ctx, func(tx *gorm.DB) error {
			for i := range events {
				events[i].ID = 0 // a rerun inserts afresh
			}
			return insertAuthEvents(tx, events)
		}); err != nil {
			return added, err
		}
		added += size
	}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		return writeAuditIn(tx, now, t.ID, w.ID, actor, "workspace.events_seeded", workspaceTarget(w), Changes{"events": {After: added}})
	})
	return added, err
}
