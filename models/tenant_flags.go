package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// FeatureFlag names a per-tenant feature flag. Flags are set only by the
// platform operator (`gatehouse tenant flags`), never from the console.
type FeatureFlag string

// The feature flags.
const (
	// FlagAdminManagement: administrators are managed in the console
	// (Tenant Settings > Administrators). On for new tenants.
	FlagAdminManagement FeatureFlag = "admin_management"
	// FlagAdvancedAdminManagement: administrators are managed as users of
	// the Administrators identity pool, from the Admin workspace. Off for
	// new tenants.
	FlagAdvancedAdminManagement FeatureFlag = "advanced_admin_management"
)

// FeatureFlags lists every flag, in the order they are shown.
func FeatureFlags() []FeatureFlag {
	return []FeatureFlag{FlagAdminManagement, FlagAdvancedAdminManagement}
}

// ParseFeatureFlag returns the flag named s.
func ParseFeatureFlag(s string) (FeatureFlag, bool) {
	for _, f := range FeatureFlags() {
		if string(f) == strings.TrimSpace(s) {
			return f, true
		}
	}
	return "", false
}

// Flag reports whether the flag is on for the tenant.
func (t Tenant) Flag(f FeatureFlag) bool {
	switch f {
	case FlagAdminManagement:
		return t.FeatureAdminManagement
	case FlagAdvancedAdminManagement:
		return t.FeatureAdvancedAdminManagement
	}
	return false
}

// AdminManagementMode is where a tenant's administrators are managed.
type AdminManagementMode int

// The modes of administrator management.
const (
	// AdminManagementClassic: on Tenant Settings > Administrators.
	AdminManagementClassic AdminManagementMode = iota
	// AdminManagementOff: nowhere (admin_management is off); everyone who
	// can sign in still can.
	AdminManagementOff
	// AdminManagementAdvanced: in the Admin workspace (advanced
	// administrator management, or a legacy tenant); the classic page only
	// points there.
	AdminManagementAdvanced
)

// AdminManagement tells where the tenant's administrators are managed.
// admin_management off wins over everything else.
func (t Tenant) AdminManagement() AdminManagementMode {
	switch {
	case !t.FeatureAdminManagement:
		return AdminManagementOff
	case t.FeatureAdvancedAdminManagement || t.Legacy:
		return AdminManagementAdvanced
	}
	return AdminManagementClassic
}

// HasAdminWorkspace reports whether the tenant has the built-in Admin
// workspace (legacy and advanced tenants).
func (t Tenant) HasAdminWorkspace() bool { return t.Legacy || t.FeatureAdvancedAdminManagement }

// The built-in Admin workspace of legacy and advanced tenants. Nobody is
// given a workspace role in it, so only those who see every workspace (Tenant
// Admins and Tenant Auditors) see it; it cannot be deleted.
const (
	WorkspaceKindAdmin = "admin"
	AdminWorkspaceSlug = "admin"
	AdminWorkspaceName = "Admin"
)

// ErrBuiltInWorkspace refuses to delete the Admin workspace (a 403).
var ErrBuiltInWorkspace = fmt.Errorf("the built-in Admin workspace cannot be deleted: %w", ErrForbidden)

const adminWorkspaceAccess = "Nobody is added to the Admin workspace: Tenant Admins and Tenant Auditors reach it through their tenant role."

// ErrAdminWorkspaceSlugTaken: the tenant already has a workspace of its own
// with the Admin workspace's slug.
var ErrAdminWorkspaceSlugTaken = errors.New(`the tenant already has a workspace of its own with the slug "admin"; delete it before turning on advanced administrator management`)

// ensureAdminWorkspace creates the tenant's Admin workspace unless it
// exists, with its audit event.
func ensureAdminWorkspace(tx *gorm.DB, now time.Time, t Tenant, actor Actor) error {
	var w Workspace
	err := tx.Where("tenant_id = ? AND slug = ?", t.ID, AdminWorkspaceSlug).Take(&w).Error
	switch {
	case err == nil && w.Kind == WorkspaceKindAdmin:
		return nil
	case err == nil:
		return ErrAdminWorkspaceSlugTaken
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return err
	}
	w = Workspace{TenantID: t.ID, Name: AdminWorkspaceName, Slug: AdminWorkspaceSlug, Kind: WorkspaceKindAdmin,
		Description: "Administrator management: the Built in Admin IDP and the Administrators identity pool.",
		CreatedAt:   now, UpdatedAt: now}
	if err := tx.Create(&w).Error; err != nil {
		return err
	}
	if err := ensureBuiltInAdminIDP(tx, now, t.ID, w.ID); err != nil {
		return err
	}
	return writeAuditIn(tx, now, t.ID, w.ID, actor, "workspace.created", workspaceTarget(w), Changes{
		"name": {After: w.Name}, "slug": {After: w.Slug}, "kind": {After: w.Kind},
	})
}

// FlagState is one flag of a tenant.
type FlagState struct {
	Flag FeatureFlag
	On   bool
}

// Flags lists the tenant's flags in FeatureFlags order.
func (t Tenant) Flags() []FlagState {
	out := make([]FlagState, 0, 2)
	for _, f := range FeatureFlags() {
		out = append(out, FlagState{Flag: f, On: t.Flag(f)})
	}
	return out
}

// SetTenantFlag turns a feature flag of the tenant named by slug on or off,
// in one transaction with its audit event; turning advanced administrator
// management on creates the Admin workspace. It reports whether anything
// changed (setting a flag to what it is writes nothing).
func (s *Store) SetTenantFlag(ctx context.Context, slug string, flag FeatureFlag, on bool, actor Actor) (Tenant, bool, error) {
	if _, ok := ParseFeatureFlag(string(flag)); !ok {
		return Tenant{}, false, fmt.Errorf("unknown feature flag %q", flag)
	}
	var t Tenant
	changed := false
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("slug = ?", strings.ToLower(strings.TrimSpace(slug))).Take(&t).Error; err != nil {
			return notFound(err)
		}
		if err := lockTenant(tx, t.ID); err != nil {
			return err
		}
		if err := tx.Where("id = ?", t.ID).Take(&t).Error; err != nil { // as locked
			return err
		}
		before := t.Flag(flag)
		if before == on {
			return nil
		}
		col := map[FeatureFlag]string{FlagAdminManagement: "feature_admin_management",
			FlagAdvancedAdminManagement: "feature_advanced_admin_management"}[flag]
		now := s.now()
		if err := tx.Model(&Tenant{}).Where("id = ?", t.ID).Updates(map[string]any{col: on, "updated_at": now}).Error; err != nil {
			return err
		}
		switch flag {
		case FlagAdminManagement:
			t.FeatureAdminManagement = on
		case FlagAdvancedAdminManagement:
			t.FeatureAdvancedAdminManagement = on
		}
		changed = true
		if err := writeAudit(tx, now, t.ID, actor, "tenant.feature_flag_changed", tenantTarget(t),
			Changes{string(flag): {Before: before, After: on}}); err != nil {
			return err
		}
		if t.HasAdminWorkspace() {
			return ensureAdminWorkspace(tx, now, t, actor)
		}
		return nil
	})
	if err != nil {
		return Tenant{}, false, err
	}
	return t, changed, nil
}

// AdminWorkspace returns the tenant's Admin workspace (ErrNotFound when it
// has none).
func (s *Store) AdminWorkspace(ctx context.Context, tenantID int64) (Workspace, error) {
	var w Workspace
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND slug = ? AND kind = ?", tenantID, AdminWorkspaceSlug, WorkspaceKindAdmin).Take(&w).Error
	return w, notFound(err)
}
