package models

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"gatehouse/models/authz"

	"gorm.io/gorm"
)

// CustomRole is a role a tenant built from the permission catalog
// (Tenant Settings > Roles). Role bindings name it by Key ("custom:<slug>")
// as they name the built-in roles, so an edit applies to every holder at
// once: permissions are read from here on every request.
type CustomRole struct {
	ID          int64  `gorm:"primaryKey"`
	TenantID    int64  `gorm:"not null"`
	Key         string `gorm:"size:80;not null"`
	Name        string `gorm:"size:100;not null"`
	Description string `gorm:"size:500;not null;default:''"`
	Scope       string `gorm:"size:20;not null"`
	Permissions string `gorm:"size:4000;not null;default:''"` // catalog keys separated by spaces
	CreatedByID *int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Role is the custom role as the decision function knows it. A row whose
// permissions no longer fit the catalog grants nothing.
func (c CustomRole) Role() (authz.Role, bool) {
	var perms []authz.Permission
	for _, p := range strings.Fields(c.Permissions) {
		perms = append(perms, authz.Permission(p))
	}
	r, err := authz.NewCustomRole(authz.RoleKey(c.Key), c.Name, c.Description, authz.Scope(c.Scope), perms)
	return r, err == nil
}

func directoryOf(rows []CustomRole) authz.Directory {
	roles := make([]authz.Role, 0, len(rows))
	for _, c := range rows {
		if r, ok := c.Role(); ok {
			roles = append(roles, r)
		}
	}
	return authz.NewDirectory(roles...)
}

// RoleDirectory returns the tenant's roles, built-in and custom, in one query.
func (s *Store) RoleDirectory(ctx context.Context, tenantID int64) (authz.Directory, error) {
	return roleDirectoryTx(s.DB.WithContext(ctx), tenantID)
}

func roleDirectoryTx(db *gorm.DB, tenantID int64) (authz.Directory, error) {
	var rows []CustomRole
	if err := db.Where("tenant_id = ?", tenantID).Find(&rows).Error; err != nil {
		return authz.Directory{}, err
	}
	return directoryOf(rows), nil
}

// directoryForBindings returns a directory knowing the custom roles bs
// name (no query when they name none).
func directoryForBindings(db *gorm.DB, tenantID int64, bs []RoleBinding) (authz.Directory, error) {
	var keys []string
	for _, b := range bs {
		if authz.IsCustom(authz.RoleKey(b.RoleKey)) && !slices.Contains(keys, b.RoleKey) {
			keys = append(keys, b.RoleKey)
		}
	}
	if len(keys) == 0 {
		return authz.Directory{}, nil
	}
	var rows []CustomRole
	if err := db.Where("tenant_id = ? AND key IN ?", tenantID, keys).Find(&rows).Error; err != nil {
		return authz.Directory{}, err
	}
	return directoryOf(rows), nil
}

// roleTx returns the role with key in the tenant: a built-in one or one of
// its custom roles; ok is false for anything else.
func roleTx(db *gorm.DB, tenantID int64, key string) (authz.Role, bool, error) {
	if r, ok := authz.RoleByKey(authz.RoleKey(key)); ok {
		return r, true, nil
	}
	if !authz.IsCustom(authz.RoleKey(key)) {
		return authz.Role{}, false, nil
	}
	var c CustomRole
	err := db.Where("tenant_id = ? AND key = ?", tenantID, key).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return authz.Role{}, false, nil
	}
	if err != nil {
		return authz.Role{}, false, err
	}
	r, ok := c.Role()
	return r, ok, nil
}

// CustomRoleInput is the custom role form.
type CustomRoleInput struct {
	Name        string
	Description string
	Scope       string   // tenant or workspace; fixed once created
	Permissions []string // catalog keys
}

// CustomRoleKey is the key a custom role named name gets.
func CustomRoleKey(name string) string { return authz.CustomPrefix + SlugFromName(name) }

// checkCustomRole validates the form and builds the role it describes.
func checkCustomRole(key string, in CustomRoleInput) (authz.Role, error) {
	f := fieldErrors{}
	switch n := len([]rune(in.Name)); {
	case n == 0:
		f.add("name", "Name is required.")
	case n > 100:
		f.add("name", "Name must be at most 100 characters.")
	case SlugFromName(in.Name) == "":
		f.add("name", "Name needs at least one letter or digit.")
	}
	if len([]rune(in.Description)) > 500 {
		f.add("description", "Description must be at most 500 characters.")
	}
	scope := authz.Scope(in.Scope)
	if scope != authz.ScopeTenant && scope != authz.ScopeWorkspace {
		f.add("scope", "Choose tenant or workspace.")
	}
	perms := make([]authz.Permission, 0, len(in.Permissions))
	for _, p := range in.Permissions {
		perms = append(perms, authz.Permission(p))
	}
	if err := f.err(); err != nil {
		return authz.Role{}, err
	}
	r, err := authz.NewCustomRole(authz.RoleKey(key), in.Name, in.Description, scope, perms)
	switch {
	case errors.Is(err, authz.ErrNoPermissions):
		f.add("permissions", "Choose at least one permission.")
	case errors.Is(err, authz.ErrNotWorkspacePerm):
		f.add("permissions", "A workspace role takes only workspace permissions.")
	case errors.Is(err, authz.ErrUnknownPermission):
		f.add("permissions", "Choose permissions from the catalog.")
	case err != nil:
		f.add("name", "Choose another name.")
	}
	return r, f.err()
}

// canDefine reports whether the viewer may define a role with r's
// permissions: they hold each of them tenant-wide for good (a role lasts
// as long as it exists).
func canDefine(v Viewer, r authz.Role) bool { return v.PermsLasting(nil).Covers(r) }

func permList(ps []authz.Permission) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return strings.Join(out, " ")
}

func customRoleTarget(c CustomRole) Target {
	return Target{Type: "admin_role", ID: c.Key, Label: c.Name}
}

// CreateCustomRole creates a custom role, in one transaction with its
// audit event. Nobody creates a role with a permission they do not hold.
func (s *Store) CreateCustomRole(ctx context.Context, v Viewer, in CustomRoleInput, actor Actor) (CustomRole, error) {
	in.Name, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	key := CustomRoleKey(in.Name)
	r, err := checkCustomRole(key, in)
	if err != nil {
		return CustomRole{}, err
	}
	if !canDefine(v, r) {
		return CustomRole{}, ErrEscalation
	}
	now := s.now()
	by := v.Administrator.ID
	c := CustomRole{TenantID: v.Tenant.ID, Key: key, Name: r.Name, Description: r.Description, Scope: string(r.Scope),
		Permissions: permList(r.Permissions), CreatedByID: &by, CreatedAt: now, UpdatedAt: now}
	err = s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&c).Error; err != nil {
			if isUniqueViolation(err) {
				return &ValidationError{Fields: map[string]string{"name": "A role with this name already exists."}}
			}
			return err
		}
		return writeAudit(tx, now, v.Tenant.ID, actor, "role.created", customRoleTarget(c), Changes{
			"name": {After: c.Name}, "scope": {After: c.Scope}, "permissions_added": {After: r.Permissions},
		})
	})
	if err != nil {
		return CustomRole{}, err
	}
	return c, nil
}

// CustomRoleByKey returns one custom role of the tenant.
func (s *Store) CustomRoleByKey(ctx context.Context, tenantID int64, key string) (CustomRole, error) {
	var c CustomRole
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND key = ?", tenantID, key).Take(&c).Error
	return c, notFound(err)
}

// UpdateCustomRole changes a custom role's name, description and
// permissions (its key and scope stay), in one transaction with an audit
// event listing the permissions added and removed. The change applies to
// every holder at once. Nobody edits a role with a permission they do not
// hold, before or after the edit.
func (s *Store) UpdateCustomRole(ctx context.Context, v Viewer, key string, in CustomRoleInput, actor Actor) (CustomRole, error) {
	in.Name, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	var c CustomRole
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("tenant_id = ? AND key = ?", v.Tenant.ID, key).Take(&c).Error; err != nil {
			return notFound(err)
		}
		in.Scope = c.Scope
		r, err := checkCustomRole(c.Key, in)
		if err != nil {
			return err
		}
		old, _ := c.Role()
		if !canDefine(v, r) || !canDefine(v, old) {
			return ErrEscalation
		}
		var added, removed []authz.Permission
		for _, p := range r.Permissions {
			if !old.Has(p) {
				added = append(added, p)
			}
		}
		for _, p := range old.Permissions {
			if !r.Has(p) {
				removed = append(removed, p)
			}
		}
		ch := Changes{}
		if c.Name != r.Name {
			ch["name"] = Change{Before: c.Name, After: r.Name}
		}
		if c.Description != r.Description {
			ch["description"] = Change{Before: c.Description, After: r.Description}
		}
		if len(added) > 0 {
			ch["permissions_added"] = Change{After: added}
		}
		if len(removed) > 0 {
			ch["permissions_removed"] = Change{Before: removed}
		}
		if len(ch) == 0 {
			return nil
		}
		now := s.now()
		c.Name, c.Description, c.Permissions, c.UpdatedAt = r.Name, r.Description, permList(r.Permissions), now
		if err := tx.Model(&CustomRole{}).Where("id = ?", c.ID).Updates(map[string]any{
			"name": c.Name, "description": c.Description, "permissions": c.Permissions, "updated_at": now,
		}).Error; err != nil {
			return err
		}
		if err := writeAudit(tx, now, v.Tenant.ID, actor, "role.updated", customRoleTarget(c), ch); err != nil {
			return err
		}
		if len(removed) == 0 {
			return nil
		}
		// Holders who lost permissions may no longer back what they invited.
		var holders []int64
		if err := tx.Model(&RoleBinding{}).Where("tenant_id = ? AND role_key = ?", v.Tenant.ID, c.Key).
			Distinct().Pluck("administrator_id", &holders).Error; err != nil {
			return err
		}
		for _, id := range holders {
			if _, err := revokeUnbackedInvitationsTx(tx, v.Tenant, id, now, actor); err != nil {
				return err
			}
		}
		return nil
	})
	return c, err
}

// RoleHolder is one binding of a role with its administrator.
type RoleHolder struct {
	Binding       RoleBinding
	Administrator Administrator
}

// RoleHolders returns up to limit bindings of the role (expired ones
// included) with their administrators, oldest first, and whether there
// are more.
func (s *Store) RoleHolders(ctx context.Context, tenantID int64, key string, limit int) ([]RoleHolder, bool, error) {
	db := s.DB.WithContext(ctx)
	var bs []RoleBinding
	if err := db.Where("tenant_id = ? AND role_key = ?", tenantID, key).Order("id").Limit(limit + 1).Find(&bs).Error; err != nil {
		return nil, false, err
	}
	more := len(bs) > limit
	if more {
		bs = bs[:limit]
	}
	ids := make([]int64, 0, len(bs))
	for _, b := range bs {
		ids = append(ids, b.AdministratorID)
	}
	var admins []Administrator
	if len(ids) > 0 {
		if err := db.Where("tenant_id = ? AND id IN ?", tenantID, ids).Find(&admins).Error; err != nil {
			return nil, false, err
		}
	}
	byID := map[int64]Administrator{}
	for _, a := range admins {
		byID[a.ID] = a
	}
	out := make([]RoleHolder, 0, len(bs))
	for _, b := range bs {
		out = append(out, RoleHolder{Binding: b, Administrator: byID[b.AdministratorID]})
	}
	return out, more, nil
}

// DeleteCustomRole deletes a custom role and every binding of it, in one
// transaction with its audit event. confirm must be the role's name typed
// again (the confirmation page names its holders).
func (s *Store) DeleteCustomRole(ctx context.Context, v Viewer, key, confirm string, actor Actor) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		var c CustomRole
		if err := tx.Where("tenant_id = ? AND key = ?", v.Tenant.ID, key).Take(&c).Error; err != nil {
			return notFound(err)
		}
		if strings.TrimSpace(confirm) != c.Name {
			return &ValidationError{Fields: map[string]string{"name": "Type the role's name, " + c.Name + ", to delete it."}}
		}
		if r, ok := c.Role(); ok && !canDefine(v, r) {
			return ErrEscalation
		}
		var holders []int64
		if err := tx.Model(&RoleBinding{}).Where("tenant_id = ? AND role_key = ?", v.Tenant.ID, c.Key).
			Distinct().Pluck("administrator_id", &holders).Error; err != nil {
			return err
		}
		res := tx.Where("tenant_id = ? AND role_key = ?", v.Tenant.ID, c.Key).Delete(&RoleBinding{})
		if res.Error != nil {
			return res.Error
		}
		if err := tx.Delete(&c).Error; err != nil {
			return err
		}
		now := s.now()
		if err := writeAudit(tx, now, v.Tenant.ID, actor, "role.deleted", customRoleTarget(c), Changes{
			"name": {Before: c.Name}, "permissions_removed": {Before: strings.Fields(c.Permissions)}, "bindings": {Before: res.RowsAffected},
		}); err != nil {
			return err
		}
		for _, id := range holders {
			if _, err := revokeUnbackedInvitationsTx(tx, v.Tenant, id, now, actor); err != nil {
				return err
			}
		}
		return nil
	})
}
