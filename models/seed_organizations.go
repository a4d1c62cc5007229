package models

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"

	"gorm.io/gorm"
)

var (
	seedOrgFirst  = strings.Fields("Acme Apex Aurora Beacon Blue Bright Cedar Cobalt Crest Delta Echo Ember Evergreen Falcon Frontier Granite Harbor Helix Horizon Indigo Iron Juniper Keystone Lumen Maple Meridian Nimbus North Nova Oak Orbit Pine Pioneer Quartz Redwood Ridge River Sable Sierra Silver Summit Terra Tidal Union Vertex Willow Zenith")
	seedOrgSecond = strings.Fields("Analytics Bank Bio Capital Clinics Cloud Consulting Dynamics Energy Foods Freight Games Health Insurance Labs Legal Logistics Media Motors Networks Pharma Retail Robotics Security Software Studios Systems Telecom Travel Ventures")
	seedOrgSuffix = strings.Fields("Inc. Ltd. GmbH LLC S.A. B.V. AB Co.")
	seedColors    = strings.Fields("#1f6feb #0e7c66 #b42318 #7a2e98 #c4320a #155eef #344054 #087443")
	seedTiers     = strings.Fields("bronze silver gold platinum")
	seedRegions   = strings.Fields("eu-west us-east us-west ap-south")
)

// SeedOrganizations adds n realistic organizations to a tenant in bulk, for
// demos and benchmarks: multi-row inserts of 1,000 rows, 10,000 rows per
// transaction. Names are unique ("cobalt-logistics-1234"); some have
// branding and metadata. It returns how many were added.
func (s *Store) SeedOrganizations(ctx context.Context, tenant Tenant, n int, actor Actor) (int, error) {
	if n <= 0 {
		return 0, nil
	}
	db := s.DB.WithContext(ctx)
	now := s.now()
	var start int64
	if err := db.Model(&Organization{}).Select("COALESCE(MAX(id), 0)").Scan(&start).Error; err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(uint64(tenant.ID)+7, uint64(start)))
	const perInsert, perTx = 1000, 10000
	added := 0
	for added < n {
		size := min(perTx, n-added)
		orgs := make([]Organization, size)
		for i := range orgs {
			k := start + int64(added+i) + 1
			a, b := seedOrgFirst[rng.IntN(len(seedOrgFirst))], seedOrgSecond[rng.IntN(len(seedOrgSecond))]
			o := Organization{TenantID: tenant.ID, Name: fmt.Sprintf("%s-%s-%d", strings.ToLower(a), strings.ToLower(b), k),
				DisplayName: a + " " + b + " " + seedOrgSuffix[rng.IntN(len(seedOrgSuffix))], Metadata: "{}", Version: 1,
				UpdatedBy: actor.Email, CreatedAt: now, UpdatedAt: now}
			if rng.IntN(100) < 40 {
				o.PrimaryColor = seedColors[rng.IntN(len(seedColors))]
				o.PageBackgroundColor = "#f5f7fa"
				o.LogoURL = "https://cdn." + strings.ToLower(a) + strings.ToLower(b) + ".example/logo.png"
			}
			if rng.IntN(100) < 50 {
				o.Metadata = PairsJSON(map[string]string{"tier": seedTiers[rng.IntN(len(seedTiers))], "region": seedRegions[rng.IntN(len(seedRegions))]})
			}
			orgs[i] = o
		}
		if err := s.tx(ctx, func(tx *gorm.DB) error { return tx.CreateInBatches(&orgs, perInsert).Error }); err != nil {
			return added, err
		}
		added += size
	}
	err := writeAudit(db, now, tenant.ID, actor, "tenant.seeded",
		Target{Type: "tenant", ID: fmt.Sprint(tenant.ID), Label: tenant.Slug}, Changes{"organizations": {After: added}})
	return added, err
}

// ErrNoOrganization is returned when members are seeded into a tenant that
// has no organization.
var ErrNoOrganization = errors.New("the tenant has no organization")

// SeedOrganizationMembers makes up to n of the tenant's users (the oldest
// that are not members yet) members of one organization, the one named
// orgName or, when it is "", the first by name; one in three of them gets
// one of the tenant's end-user roles, when it has some. One INSERT ... SELECT
// each, so ten thousand members take a moment. It returns the organization
// and how many members were added (fewer than n when the pool runs out).
func (s *Store) SeedOrganizationMembers(ctx context.Context, tenant Tenant, orgName string, n int, actor Actor) (Organization, int, error) {
	db := s.DB.WithContext(ctx)
	var o Organization
	q := db.Where("tenant_id = ?", tenant.ID)
	if orgName != "" {
		q = q.Where("name = ?", orgName)
	}
	if err := q.Order("name").Take(&o).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return o, 0, ErrNoOrganization
		}
		return o, 0, err
	}
	if n <= 0 {
		return o, 0, nil
	}
	now := s.now()
	var added int64
	err := s.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`INSERT INTO organization_members (tenant_id, organization_id, user_id, created_at)
			SELECT ?, ?, u.id, ? FROM users u
			WHERE u.tenant_id = ? AND NOT EXISTS (SELECT 1 FROM organization_members m WHERE m.organization_id = ? AND m.user_id = u.id)
			ORDER BY u.id LIMIT ?`, tenant.ID, o.ID, now, tenant.ID, o.ID, n)
		if res.Error != nil {
			return res.Error
		}
		added = res.RowsAffected
		var roles []int64
		if err := tx.Model(&EndUserRole{}).Where("tenant_id = ?", tenant.ID).Order("id").Limit(3).Pluck("id", &roles).Error; err != nil {
			return err
		}
		for i, r := range roles {
			if err := tx.Exec(`INSERT INTO organization_member_roles (tenant_id, organization_id, member_id, role_id, created_at)
				SELECT ?, ?, m.id, ?, ? FROM organization_members m
				WHERE m.organization_id = ? AND m.created_at = ? AND m.id % ? = ?
				AND NOT EXISTS (SELECT 1 FROM organization_member_roles x WHERE x.member_id = m.id AND x.role_id = ?)`,
				tenant.ID, o.ID, r, now, o.ID, now, 3*len(roles), i*3, r).Error; err != nil {
				return err
			}
		}
		return writeAudit(tx, now, tenant.ID, actor, "tenant.seeded", orgTarget(o), Changes{"members": {After: added}})
	})
	return o, int(added), err
}
