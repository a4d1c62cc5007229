package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"gatehouse/models/authz"

	"gorm.io/gorm"
)

// AssignOrganizationRole binds an organization role (Organization Admin)
// to an administrator in the one Organization named orgName, optionally
// until expiresAt, in one transaction with its audit event. The rules of
// every grant hold: the tenant's plan must allow the role, and the viewer
// must hold its permissions in that Organization for as long as the grant
// lasts.
func (s *Store) AssignOrganizationRole(ctx context.Context, v Viewer, adminID int64, roleKey, orgName string, expiresAt *time.Time, actor Actor) error {
	r, ok := authz.RoleByKey(authz.RoleKey(roleKey))
	if !ok || r.Scope != authz.ScopeOrganization {
		return &ValidationError{Fields: map[string]string{"role": "Choose an Organization role."}}
	}
	if !r.AvailableOn(string(v.Tenant.Plan)) {
		return &ValidationError{Fields: map[string]string{"role": r.Name + " requires the Professional or Enterprise plan."}}
	}
	orgName = strings.ToLower(strings.TrimSpace(orgName))
	if orgName == "" {
		return &ValidationError{Fields: map[string]string{"organization": "Enter the name of the Organization " + r.Name + " is bound to."}}
	}
	now := s.now()
	if expiresAt != nil && !expiresAt.After(now) {
		return &ValidationError{Fields: map[string]string{"expires_at": "The expiry must be in the future."}}
	}
	return s.tx(ctx, func(tx *gorm.DB) error {
		var o Organization
		err := tx.Where("tenant_id = ? AND name = ?", v.Tenant.ID, orgName).Take(&o).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return &ValidationError{Fields: map[string]string{"organization": "No Organization of this tenant is named " + orgName + "."}}
		}
		if err != nil {
			return err
		}
		if !v.PermsLasting(expiresAt).CoversInOrganization(r, o.ID) {
			return ErrEscalation
		}
		a, err := adminIn(tx, v.Tenant.ID, adminID)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&RoleBinding{}).Where("tenant_id = ? AND administrator_id = ? AND role_key = ? AND organization_id = ? AND (expires_at IS NULL OR expires_at > ?)",
			v.Tenant.ID, a.ID, roleKey, o.ID, now).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return &ValidationError{Fields: map[string]string{"role": a.DisplayName() + " already holds " + r.Name + " of " + o.DisplayName + "."}}
		}
		by, oid := v.Administrator.ID, o.ID
		if err := tx.Create(&RoleBinding{TenantID: v.Tenant.ID, AdministratorID: a.ID, RoleKey: roleKey, OrganizationID: &oid,
			ExpiresAt: expiresAt, GrantedByID: &by, CreatedAt: now}).Error; err != nil {
			return err
		}
		ch := Changes{"role": {After: roleKey}, "organization": {After: o.Name}}
		if expiresAt != nil {
			ch["expires_at"] = Change{After: expiresAt.UTC().Format(time.RFC3339)}
		}
		return writeAudit(tx, now, v.Tenant.ID, actor, "administrator.role_assigned", adminTarget(a), ch)
	})
}

// OrganizationNames returns the names of the tenant's organizations with
// the given ids, by id (one query).
func (s *Store) OrganizationNames(ctx context.Context, tenantID int64, ids []int64) (map[int64]Organization, error) {
	out := map[int64]Organization{}
	if len(ids) == 0 {
		return out, nil
	}
	var os []Organization
	if err := s.DB.WithContext(ctx).Select("id", "tenant_id", "name", "display_name").Where("tenant_id = ? AND id IN ?", tenantID, ids).Find(&os).Error; err != nil {
		return nil, err
	}
	for _, o := range os {
		out[o.ID] = o
	}
	return out, nil
}
