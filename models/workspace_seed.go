package models

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"gatehouse/models/authz"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

var seedWorkspaceNames = strings.Split("Payments,Checkout,Marketing EU,Marketing US,Mobile App,Partner Portal,Support,Data Platform,"+
	"Billing,Identity,Growth,Internal Tools,Logistics,Retail,Analytics,Developer Portal,Onboarding,Compliance,Search,Media", ",")

// SeedWorkspaces adds n realistic workspaces to a tenant in bulk (batches of
// 1,000, one transaction each) for demos and benchmarks, each with a
// Workspace Admin and a Workspace Auditor picked among the tenant's first
// 1,000 active administrators (none when it has none). Slugs taken
// already are skipped. It returns how many were added.
func (s *Store) SeedWorkspaces(ctx context.Context, tenant Tenant, n int, actor Actor) (int, error) {
	if n <= 0 {
		return 0, nil
	}
	db := s.DB.WithContext(ctx)
	var start int64
	if err := db.Model(&Workspace{}).Where("tenant_id = ?", tenant.ID).Count(&start).Error; err != nil {
		return 0, err
	}
	var admins []int64
	if err := db.Model(&Administrator{}).Where("tenant_id = ? AND status = ?", tenant.ID, AdminActive).
		Order("id").Limit(1000).Pluck("id", &admins).Error; err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(uint64(tenant.ID), uint64(start)+1))
	now := s.now()
	const batch = 1000
	// Candidates are numbered from the tenant's workspace count on; one whose
	// slug is taken is skipped and the next one tried.
	next, created := int(start), 0
	for created < n && next-int(start) < n+100_000 {
		size := min(batch, n-created)
		made := 0 // counted inside: tx may run the function again
		err := s.tx(ctx, func(tx *gorm.DB) error {
			made = 0
			ws := make([]Workspace, size)
			for i := range ws {
				k := next + i
				name := seedWorkspaceNames[k%len(seedWorkspaceNames)]
				if k >= len(seedWorkspaceNames) {
					name = fmt.Sprintf("%s %d", name, k/len(seedWorkspaceNames)+1)
				}
				ws[i] = Workspace{TenantID: tenant.ID, Name: name, Slug: SlugFromName(name),
					Description: "Demo workspace for " + name + ".", CreatedAt: now, UpdatedAt: now}
			}
			// A slug already taken (by a workspace made by hand) is skipped.
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&ws, 500).Error; err != nil {
				return err
			}
			bindings := make([]RoleBinding, 0, 2*size)
			for _, w := range ws {
				if w.ID == 0 {
					continue
				}
				made++
				if len(admins) == 0 {
					continue
				}
				id := w.ID
				for _, role := range []authz.RoleKey{authz.WorkspaceAdmin, authz.WorkspaceAuditor} {
					bindings = append(bindings, RoleBinding{TenantID: tenant.ID, AdministratorID: admins[rng.IntN(len(admins))],
						RoleKey: string(role), WorkspaceID: &id, CreatedAt: now})
				}
			}
			if len(bindings) == 0 {
				return nil
			}
			return tx.CreateInBatches(&bindings, 500).Error
		})
		if err != nil {
			return created, err
		}
		created += made
		next += size
	}
	err := writeAudit(db, now, tenant.ID, actor, "tenant.seeded",
		Target{Type: "tenant", ID: fmt.Sprint(tenant.ID), Label: tenant.Slug}, Changes{"workspaces": {After: created}})
	return created, err
}
