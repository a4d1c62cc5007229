package models

import (
	"context"
	"time"
)

// Role is a built-in role as stored (its permissions live in models/authz).
type Role struct {
	Key         string `gorm:"primaryKey;size:50"`
	Name        string `gorm:"size:100;not null"`
	Scope       string `gorm:"size:20;not null"`
	Description string `gorm:"size:500;not null;default:''"`
}

// RoleBinding gives an administrator a role, tenant-wide (WorkspaceID nil) or
// in one workspace, optionally until ExpiresAt.
type RoleBinding struct {
	ID              int64  `gorm:"primaryKey"`
	TenantID        int64  `gorm:"not null"`
	AdministratorID int64  `gorm:"not null"`
	RoleKey         string `gorm:"size:50;not null"`
	WorkspaceID     *int64
	// OrganizationID is the Organization an organization role
	// (Organization Admin) is bound to.
	OrganizationID *int64
	ExpiresAt      *time.Time
	GrantedByID    *int64
	CreatedAt      time.Time
}

// Active reports whether the binding grants anything at now.
func (b RoleBinding) Active(now time.Time) bool {
	return b.ExpiresAt == nil || now.Before(*b.ExpiresAt)
}

// BindingsOf returns every binding of an administrator (expired ones included).
func (s *Store) BindingsOf(ctx context.Context, tenantID, adminID int64) ([]RoleBinding, error) {
	var bs []RoleBinding
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND administrator_id = ?", tenantID, adminID).
		Order("id").Find(&bs).Error
	return bs, err
}
