package models

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"gorm.io/gorm"
)

// EndUserRole is a role the tenant's end users can be given, such as the
// roles Organization members hold (Auth0's User Management > Roles). It is
// not an administrator role: those are built in (models/authz).
type EndUserRole struct {
	ID          int64  `gorm:"primaryKey"`
	TenantID    int64  `gorm:"not null"`
	Name        string `gorm:"size:100;not null"` // unique in the tenant whatever the case
	Description string `gorm:"size:500;not null;default:''"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func roleTarget(r EndUserRole) Target {
	return Target{Type: "role", ID: fmt.Sprint(r.ID), Label: r.Name}
}

// EndUserRoleListQuery selects a page of the Roles list.
type EndUserRoleListQuery struct {
	Search string // matched against the name, case-insensitively
	After  int64  // keyset cursor: the id of the last role of the previous page
	Limit  int    // page size, 1..100 (default 50)
}

// EndUserRolePage is one page of roles, ordered by name.
type EndUserRolePage struct {
	Items []EndUserRole
	Next  int64 // cursor of the next page, 0 when this is the last
}

// ListEndUserRoles returns a page of the tenant's end-user roles ordered by
// name (case-insensitively), in one query over the unique
// (tenant_id, LOWER(name)) index.
func (s *Store) ListEndUserRoles(ctx context.Context, tenantID int64, q EndUserRoleListQuery) (EndUserRolePage, error) {
	if q.Limit <= 0 || q.Limit > MaxPageSize {
		q.Limit = 50
	}
	db := s.DB.WithContext(ctx).Where("tenant_id = ?", tenantID)
	if search := strings.ToLower(strings.TrimSpace(q.Search)); search != "" {
		db = db.Where("LOWER(name) LIKE ? ESCAPE '\\'", "%"+escapeLike(search)+"%")
	}
	if q.After > 0 {
		db = db.Where("LOWER(name) > (SELECT LOWER(r.name) FROM end_user_roles r WHERE r.tenant_id = ? AND r.id = ?)", tenantID, q.After)
	}
	var roles []EndUserRole
	if err := db.Order("LOWER(name)").Limit(q.Limit + 1).Find(&roles).Error; err != nil {
		return EndUserRolePage{}, err
	}
	var page EndUserRolePage
	if len(roles) > q.Limit {
		roles = roles[:q.Limit]
		page.Next = roles[len(roles)-1].ID
	}
	page.Items = roles
	return page, nil
}

// EndUserRoleByID loads an end-user role of the tenant.
func (s *Store) EndUserRoleByID(ctx context.Context, tenantID, id int64) (EndUserRole, error) {
	return endUserRoleIn(s.DB.WithContext(ctx), tenantID, id)
}

// EndUserRolesByIDs loads the end-user roles of the tenant among ids, by name.
func (s *Store) EndUserRolesByIDs(ctx context.Context, tenantID int64, ids []int64) ([]EndUserRole, error) {
	var roles []EndUserRole
	if len(ids) == 0 {
		return roles, nil
	}
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND id IN ?", tenantID, ids).Order("LOWER(name)").Find(&roles).Error
	return roles, err
}

// EndUserRoleIDsByName maps role names (any case) to their ids; names of
// no role of the tenant are left out.
func (s *Store) EndUserRoleIDsByName(ctx context.Context, tenantID int64, names []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(names) == 0 {
		return out, nil
	}
	lower := make([]string, len(names))
	for i, n := range names {
		lower[i] = strings.ToLower(strings.TrimSpace(n))
	}
	var rows []EndUserRole
	if err := s.DB.WithContext(ctx).Where("tenant_id = ? AND LOWER(name) IN ?", tenantID, lower).Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[strings.ToLower(r.Name)] = r.ID
	}
	return out, nil
}

func endUserRoleIn(tx *gorm.DB, tenantID, id int64) (EndUserRole, error) {
	var r EndUserRole
	err := tx.Where("tenant_id = ? AND id = ?", tenantID, id).Take(&r).Error
	return r, notFound(err)
}

// CountEndUserRoles counts the tenant's end-user roles.
func (s *Store) CountEndUserRoles(ctx context.Context, tenantID int64) (int64, error) {
	var n int64
	err := s.DB.WithContext(ctx).Model(&EndUserRole{}).Where("tenant_id = ?", tenantID).Count(&n).Error
	return n, err
}

// EndUserRoleInput is the Create Role and role settings form.
type EndUserRoleInput struct {
	Name        string
	Description string
}

func (in *EndUserRoleInput) check() fieldErrors {
	in.Name, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	f := fieldErrors{}
	switch {
	case in.Name == "":
		f.add("name", "Name is required.")
	case len([]rune(in.Name)) > 100:
		f.add("name", "Name must be at most 100 characters.")
	case strings.IndexFunc(in.Name, unicode.IsControl) >= 0:
		f.add("name", "Name must be on one line.")
	}
	if len([]rune(in.Description)) > 500 {
		f.add("description", "Description must be at most 500 characters.")
	}
	return f
}

func roleNameTaken() error {
	return &ValidationError{Fields: map[string]string{"name": "A role with this name already exists."}}
}

// roleNameFree adds a field error when another role of the tenant (other
// than exceptID) has the name, unless the name is already in error.
func roleNameFree(tx *gorm.DB, f fieldErrors, tenantID, exceptID int64, name string) error {
	if _, bad := f["name"]; bad {
		return nil
	}
	var n int64
	if err := tx.Model(&EndUserRole{}).Where("tenant_id = ? AND LOWER(name) = LOWER(?) AND id <> ?", tenantID, name, exceptID).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		f.add("name", "A role with this name already exists.")
	}
	return nil
}

// CreateEndUserRole creates an end-user role, in one transaction with its
// audit event. Names are unique in the tenant whatever their case.
func (s *Store) CreateEndUserRole(ctx context.Context, tenantID int64, in EndUserRoleInput, actor Actor) (EndUserRole, error) {
	f := in.check()
	now := s.now()
	r := EndUserRole{TenantID: tenantID, Name: in.Name, Description: in.Description, CreatedAt: now, UpdatedAt: now}
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := roleNameFree(tx, f, tenantID, 0, r.Name); err != nil {
			return err
		}
		if err := f.err(); err != nil {
			return err
		}
		if err := tx.Create(&r).Error; err != nil {
			if isUniqueViolation(err) {
				return roleNameTaken()
			}
			return err
		}
		return writeAudit(tx, now, tenantID, actor, "role.created", roleTarget(r), Changes{
			"name": {After: r.Name}, "description": {After: r.Description},
		})
	})
	if err != nil {
		return EndUserRole{}, err
	}
	return r, nil
}

// UpdateEndUserRole renames or redescribes an end-user role, in one
// transaction with an audit event of what changed.
func (s *Store) UpdateEndUserRole(ctx context.Context, tenantID, id int64, in EndUserRoleInput, actor Actor) (EndUserRole, error) {
	f := in.check()
	var r EndUserRole
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if r, err = endUserRoleIn(tx, tenantID, id); err != nil {
			return err
		}
		if err := roleNameFree(tx, f, tenantID, r.ID, in.Name); err != nil {
			return err
		}
		if err := f.err(); err != nil {
			return err
		}
		ch := Changes{}
		if r.Name != in.Name {
			ch["name"] = Change{Before: r.Name, After: in.Name}
		}
		if r.Description != in.Description {
			ch["description"] = Change{Before: r.Description, After: in.Description}
		}
		if len(ch) == 0 {
			return nil
		}
		now := s.now()
		if err := tx.Model(&EndUserRole{}).Where("id = ? AND tenant_id = ?", r.ID, tenantID).
			Updates(map[string]any{"name": in.Name, "description": in.Description, "updated_at": now}).Error; err != nil {
			if isUniqueViolation(err) {
				return roleNameTaken()
			}
			return err
		}
		r.Name, r.Description, r.UpdatedAt = in.Name, in.Description, now
		return writeAudit(tx, now, tenantID, actor, "role.updated", roleTarget(r), ch)
	})
	if err != nil {
		return EndUserRole{}, err
	}
	return r, nil
}

// DeleteEndUserRole removes an end-user role for good, in one transaction
// with its audit event, and returns what was deleted.
func (s *Store) DeleteEndUserRole(ctx context.Context, tenantID, id int64, actor Actor) (EndUserRole, error) {
	var r EndUserRole
	err := s.tx(ctx, func(tx *gorm.DB) error {
		var err error
		if r, err = endUserRoleIn(tx, tenantID, id); err != nil {
			return err
		}
		res := tx.Where("id = ? AND tenant_id = ?", r.ID, tenantID).Delete(&EndUserRole{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return ErrNotFound
		}
		return writeAudit(tx, s.now(), tenantID, actor, "role.deleted", roleTarget(r), Changes{
			"name": {Before: r.Name}, "description": {Before: r.Description},
		})
	})
	if err != nil {
		return EndUserRole{}, err
	}
	return r, nil
}
