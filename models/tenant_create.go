package models

import (
	"context"
	"strings"

	"gatehouse/models/authz"

	"gorm.io/gorm"
)

// CreateTenantInput is what `gatehouse tenant create` asks for.
type CreateTenantInput struct {
	Slug            string
	Name            string
	Plan            Plan
	AdminEmail      string
	AdminGivenName  string
	AdminFamilyName string
	// Legacy makes a legacy tenant (created before roles existed): its
	// administrators are managed in the Admin workspace.
	Legacy bool
}

// CreateTenant creates a tenant with its Administrators and Users identity pools and
// invites its first Tenant Admin, all in one transaction with the audit
// event and the invitation e-mail. It returns the invitation link.
func (s *Store) CreateTenant(ctx context.Context, in CreateTenantInput, actor Actor) (Tenant, Administrator, string, error) {
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	in.Name = strings.TrimSpace(in.Name)
	email, emailMsg := CheckEmail(in.AdminEmail)
	in.AdminEmail = email
	if in.Plan == "" {
		in.Plan = PlanFree
	}
	f := fieldErrors{}
	if !ValidSlug(in.Slug) {
		f.add("slug", "Use 1 to 63 lowercase letters, digits or hyphens (not at either end).")
	}
	if in.Name == "" {
		f.add("name", "Name is required.")
	} else if len([]rune(in.Name)) > 200 {
		f.add("name", "Name must be at most 200 characters.")
	}
	if !in.Plan.Valid() {
		f.add("plan", "Plan must be free, professional or enterprise.")
	}
	if emailMsg != "" {
		f.add("admin_email", emailMsg)
	}
	if err := f.err(); err != nil {
		return Tenant{}, Administrator{}, "", err
	}
	now := s.now()
	tenant := Tenant{Slug: in.Slug, Name: in.Name, Plan: in.Plan, FeatureAdminManagement: true, Legacy: in.Legacy,
		IdleMinutes: DefaultIdleMinutes, AbsoluteHours: DefaultAbsoluteHours, Version: 1, CreatedAt: now, UpdatedAt: now}
	var admin Administrator
	var link string
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&tenant).Error; err != nil {
			if isUniqueViolation(err) {
				return &ValidationError{Fields: map[string]string{"slug": "A tenant with this slug already exists."}}
			}
			return err
		}
		pool := IdentityPool{TenantID: tenant.ID, Name: "Administrators", Slug: string(PoolAdministrators), Kind: PoolAdministrators, CreatedAt: now}
		if err := tx.Create(&pool).Error; err != nil {
			return err
		}
		if err := tx.Create(&IdentityPool{TenantID: tenant.ID, Name: "Users", Slug: string(PoolUsers), Kind: PoolUsers, CreatedAt: now}).Error; err != nil {
			return err
		}
		admin = Administrator{TenantID: tenant.ID, PoolID: pool.ID, Email: in.AdminEmail,
			GivenName: strings.TrimSpace(in.AdminGivenName), FamilyName: strings.TrimSpace(in.AdminFamilyName),
			Status: AdminInvited, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&admin).Error; err != nil {
			return err
		}
		if err := tx.Create(&RoleBinding{TenantID: tenant.ID, AdministratorID: admin.ID,
			RoleKey: string(authz.TenantAdmin), CreatedAt: now}).Error; err != nil {
			return err
		}
		var err error
		if link, err = s.inviteTx(tx, now, tenant, admin, nil); err != nil {
			return err
		}
		ch := Changes{"name": {After: tenant.Name}, "plan": {After: tenant.Plan}, "first_admin": {After: admin.Email}}
		if tenant.Legacy {
			ch["legacy"] = Change{After: true}
		}
		if err := writeAudit(tx, now, tenant.ID, actor, "tenant.created", tenantTarget(tenant), ch); err != nil {
			return err
		}
		if tenant.Legacy {
			return ensureAdminWorkspace(tx, now, tenant, actor)
		}
		return nil
	})
	if err != nil {
		return Tenant{}, Administrator{}, "", err
	}
	return tenant, admin, link, nil
}
