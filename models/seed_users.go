package models

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"gorm.io/gorm"
)

var (
	seedDepartments = strings.Fields("Sales Support Engineering Finance Marketing Operations Legal Research")
	seedPlans       = strings.Fields("free starter pro business")
	seedLocales     = strings.Fields("en-US en-GB de-DE fr-FR es-ES ja-JP pt-BR nl-NL")
)

// SeedUsers adds n realistic end users to the tenant's Users pool in bulk,
// for demos and benchmarks: multi-row inserts of 1,000 rows, 10,000 rows per
// transaction, no password hashing (seeded users have no password). Most
// have an e-mail, many a username, some only a username; some have a phone,
// attributes and metadata; statuses and blocks vary. It returns how many
// were added; a million rows is a matter of minutes on either database.
func (s *Store) SeedUsers(ctx context.Context, tenant Tenant, n int, actor Actor) (int, error) {
	if n <= 0 {
		return 0, nil
	}
	db := s.DB.WithContext(ctx)
	now := s.now()
	var pool int64
	if err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		pool, err = usersPool(tx, tenant.ID, now)
		return err
	}); err != nil {
		return 0, err
	}
	// Seeded identifiers carry a number above every earlier seeded one: the
	// tenant's highest user id is at least the count of users seeded before.
	var start int64
	if err := db.Model(&User{}).Select("COALESCE(MAX(id), 0)").Where("tenant_id = ?", tenant.ID).Scan(&start).Error; err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(uint64(tenant.ID), uint64(start)))
	const perInsert, perTx = 1000, 10000 // SQLite takes at most 32,766 parameters a statement
	added := 0
	for added < n {
		size := min(perTx, n-added)
		users := make([]User, size)
		for i := range users {
			users[i] = seedUser(rng, tenant, pool, start+int64(added+i), now)
		}
		if err := s.tx(ctx, func(tx *gorm.DB) error {
			// Identifiers and addresses in a few statements, not row by row.
			if err := tx.Session(&gorm.Session{SkipHooks: true}).CreateInBatches(&users, perInsert).Error; err != nil {
				return err
			}
			return backfillIdentities(tx, "users", pool, users[0].ID, users[len(users)-1].ID)
		}); err != nil {
			return added, err
		}
		added += size
	}
	err := writeAudit(db, now, tenant.ID, actor, "tenant.seeded",
		Target{Type: "tenant", ID: fmt.Sprint(tenant.ID), Label: tenant.Slug}, Changes{"users": {After: added}})
	return added, err
}

func seedUser(rng *rand.Rand, tenant Tenant, pool, k int64, now time.Time) User {
	g, f := seedGiven[rng.IntN(len(seedGiven))], seedFamily[rng.IntN(len(seedFamily))]
	handle := fmt.Sprintf("%s.%s.%d", strings.ToLower(g), strings.ToLower(f), k)
	u := User{TenantID: tenant.ID, PoolID: pool, GivenName: g, FamilyName: f, Status: UserActive,
		Attributes: "{}", Metadata: "{}", CreatedAt: now, UpdatedAt: now}
	switch x := rng.IntN(100); {
	case x < 5: // username only
		u.Username = handle
	case x < 45:
		u.Email, u.Username = handle+"@"+tenant.Slug+"-users.example", handle
	default:
		u.Email = handle + "@" + tenant.Slug + "-users.example"
	}
	u.EmailVerified = u.Email != "" && rng.IntN(100) < 80
	if rng.IntN(100) < 30 {
		u.Phone = fmt.Sprintf("+1555%07d", rng.IntN(10_000_000))
		u.PhoneVerified = rng.IntN(2) == 0
	}
	switch x := rng.IntN(100); {
	case x < 20:
		u.Status = UserNew
	case x < 28:
		u.Status = UserInactive
	}
	u.Blocked = rng.IntN(100) < 2
	if u.Status != UserNew {
		t := now.Add(-time.Duration(rng.IntN(90*24*60)) * time.Minute)
		u.LastLoginAt = &t
	}
	if rng.IntN(100) < 40 {
		u.Attributes = PairsJSON(map[string]string{"department": seedDepartments[rng.IntN(len(seedDepartments))],
			"locale": seedLocales[rng.IntN(len(seedLocales))]})
	}
	if rng.IntN(100) < 25 {
		u.Metadata = PairsJSON(map[string]string{"plan": seedPlans[rng.IntN(len(seedPlans))]})
	}
	return u
}
