package models

import (
	"context"
	"strings"
	"time"
)

// AdminStatus is the lifecycle state of an administrator.
type AdminStatus string

// Administrator statuses.
const (
	AdminInvited  AdminStatus = "invited"
	AdminActive   AdminStatus = "active"
	AdminInactive AdminStatus = "inactive"
)

// PoolKind tells an identity pool's purpose.
type PoolKind string

// Identity pool kinds.
const (
	PoolAdministrators PoolKind = "administrators"
	PoolUsers          PoolKind = "users"
)

// IdentityPool is a tenant's directory of identities. Every tenant has one
// built-in pool of kind administrators ("Administrators").
type IdentityPool struct {
	ID        int64    `gorm:"primaryKey"`
	TenantID  int64    `gorm:"not null;index"`
	Name      string   `gorm:"size:200;not null"`
	Kind      PoolKind `gorm:"size:30;not null"`
	CreatedAt time.Time
}

// Administrator is a user of the tenant's administrators identity pool.
type Administrator struct {
	ID           int64       `gorm:"primaryKey"`
	TenantID     int64       `gorm:"not null"`
	PoolID       int64       `gorm:"not null"`
	Email        string      `gorm:"size:320;not null"`
	GivenName    string      `gorm:"size:100;not null"`
	FamilyName   string      `gorm:"size:100;not null"`
	Status       AdminStatus `gorm:"size:20;not null"`
	PasswordHash string      `gorm:"size:255;not null;default:''"`
	TOTPSecret   []byte      `gorm:"column:totp_secret"`
	TOTPLastStep int64       `gorm:"column:totp_last_step;not null;default:0"`
	// TOTPEnabledAt is set once enrolment is confirmed with a code.
	TOTPEnabledAt  *time.Time `gorm:"column:totp_enabled_at"`
	FailedAttempts int        `gorm:"not null;default:0"`
	LockedUntil    *time.Time
	LastSignInAt   *time.Time
	// ActivatedAt is when the administrator last became active (accepted
	// their invitation, or was re-activated); DormancyWarnedAt when they
	// were last warned that they would be deactivated for not signing in.
	ActivatedAt      *time.Time
	DormancyWarnedAt *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// DisplayName is the administrator's full name, or the e-mail when unnamed.
func (a Administrator) DisplayName() string {
	n := strings.TrimSpace(a.GivenName + " " + a.FamilyName)
	if n == "" {
		return a.Email
	}
	return n
}

// NeedsName reports whether the administrator has neither a given nor a
// family name (invited with an address alone): they are asked for one.
func (a Administrator) NeedsName() bool {
	return strings.TrimSpace(a.GivenName) == "" && strings.TrimSpace(a.FamilyName) == ""
}

// NormalizeEmail trims and lowercases an e-mail address.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// AdministratorByID loads an administrator of the tenant.
func (s *Store) AdministratorByID(ctx context.Context, tenantID, id int64) (Administrator, error) {
	var a Administrator
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND id = ?", tenantID, id).Take(&a).Error
	return a, notFound(err)
}

// AdministratorByEmail loads an administrator of the tenant by e-mail.
func (s *Store) AdministratorByEmail(ctx context.Context, tenantID int64, email string) (Administrator, error) {
	var a Administrator
	err := s.DB.WithContext(ctx).Where("tenant_id = ? AND email = ?", tenantID, NormalizeEmail(email)).Take(&a).Error
	return a, notFound(err)
}

// CountAdministrators counts the tenant's administrators by status.
func (s *Store) CountAdministrators(ctx context.Context, tenantID int64) (map[AdminStatus]int64, error) {
	var rows []struct {
		Status AdminStatus
		N      int64
	}
	err := s.DB.WithContext(ctx).Model(&Administrator{}).Select("status, count(*) as n").
		Where("tenant_id = ?", tenantID).Group("status").Scan(&rows).Error
	out := map[AdminStatus]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, err
}
