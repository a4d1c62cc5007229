package models

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"gatehouse/models/authz"
	"gatehouse/models/passwords"

	"gorm.io/gorm"
)

var (
	seedGiven  = strings.Fields("Ada Alan Amara Ana Arjun Beatriz Ben Chen Chloe Daniel Dmitri Elena Emma Farah Felix Grace Hana Hugo Ines Ivan Jada Jonas Kai Kenji Lars Leila Liam Lucia Mateo Maya Mei Nadia Noah Olga Omar Priya Rafael Rosa Sam Sofia Tariq Theo Uma Victor Wei Yara Yusuf Zoe")
	seedFamily = strings.Fields("Abe Adeyemi Almeida Bauer Becker Chen Costa Dubois Eriksen Fischer Garcia Haddad Hansen Ito Jansen Kim Kowalski Larsen Lopez Mbeki Meyer Moreau Nakamura Novak Okafor Olsen Park Petrov Quinn Rossi Sato Schmidt Silva Singh Tanaka Torres Ueda Vargas Weber Wong Xu Yamamoto Zhang")
	seedRoles  = []authz.RoleKey{authz.TenantMember, authz.TenantMember, authz.TenantMember, authz.TenantMember, authz.TenantMember,
		authz.TenantMember, authz.TenantAuditor, authz.EditorUsers, authz.EditorConnections, authz.EditorOrganizations}
)

// SeedAdministrators adds n realistic administrators to a tenant in bulk
// (batches of 1,000 rows, one transaction per batch), with roles, for demos
// and benchmarks. Most are active, some invited, some inactive. The active
// ones sign in with password when it is given (the caller checks it against
// the tenant's policy); with "" they get a random 256-bit password that is
// hashed and forgotten (one per run: nobody can sign in with it; a password
// reset gives one a password of its own). It returns how many were added.
func (s *Store) SeedAdministrators(ctx context.Context, tenant Tenant, n int, password string, actor Actor) (int, error) {
	if n <= 0 {
		return 0, nil
	}
	if password == "" {
		raw, _, err := s.newToken()
		if err != nil {
			return 0, err
		}
		password = raw
	}
	hash, err := passwords.Hash(ctx, password)
	password = ""
	if err != nil {
		return 0, err
	}
	var pool IdentityPool
	if err := s.DB.WithContext(ctx).Where("tenant_id = ? AND kind = ?", tenant.ID, PoolAdministrators).Take(&pool).Error; err != nil {
		return 0, notFound(err)
	}
	var start int64
	s.DB.WithContext(ctx).Model(&Administrator{}).Where("tenant_id = ?", tenant.ID).Count(&start)
	rng := rand.New(rand.NewPCG(uint64(tenant.ID), uint64(start)))
	now := s.now()
	const batch = 1000
	added := 0
	for added < n {
		size := min(batch, n-added)
		err := s.tx(ctx, func(tx *gorm.DB) error {
			admins := make([]Administrator, size)
			for i := range admins {
				k := int(start) + added + i
				g, f := seedGiven[rng.IntN(len(seedGiven))], seedFamily[rng.IntN(len(seedFamily))]
				a := Administrator{TenantID: tenant.ID, PoolID: pool.ID, GivenName: g, FamilyName: f,
					Email:  fmt.Sprintf("%s.%s.%d@%s.example", strings.ToLower(g), strings.ToLower(f), k, tenant.Slug),
					Status: AdminActive, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
				switch x := rng.IntN(100); {
				case x < 12:
					a.Status, a.PasswordHash = AdminInvited, ""
				case x < 17:
					a.Status = AdminInactive
				}
				admins[i] = a
			}
			if err := tx.Session(&gorm.Session{SkipHooks: true}).CreateInBatches(&admins, 500).Error; err != nil {
				return err
			}
			if err := backfillIdentities(tx, "administrators", pool.ID, admins[0].ID, admins[len(admins)-1].ID); err != nil {
				return err
			}
			bindings := make([]RoleBinding, 0, size)
			for _, a := range admins {
				key := seedRoles[rng.IntN(len(seedRoles))]
				if r, _ := authz.RoleByKey(key); !r.AvailableOn(string(tenant.Plan)) {
					key = authz.TenantMember // the plan does not allow it
				}
				bindings = append(bindings, RoleBinding{TenantID: tenant.ID, AdministratorID: a.ID, RoleKey: string(key), CreatedAt: now})
			}
			return tx.CreateInBatches(&bindings, 500).Error
		})
		if err != nil {
			return added, err
		}
		added += size
	}
	err = writeAudit(s.DB.WithContext(ctx), now, tenant.ID, actor, "tenant.seeded",
		Target{Type: "tenant", ID: fmt.Sprint(tenant.ID), Label: tenant.Slug}, Changes{"administrators": {After: added}})
	return added, err
}
