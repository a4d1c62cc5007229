package models

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm/clause"
)

// AdminStatus is the lifecycle state of an administrator.
type AdminStatus string

// Administrator statuses.
const (
	AdminInvited  AdminStatus = "invited"
	AdminActive   AdminStatus = "active"
	AdminInactive AdminStatus = "inactive"
)

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
	// Attributes and Metadata are JSON objects of strings, validated by
	// the Administrators pool's schemas (identity_pools.go).
	Attributes string `gorm:"not null;default:'{}'"`
	Metadata   string `gorm:"not null;default:'{}'"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
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

// AdministratorByEmail loads an administrator of the tenant by any of
// their `email` identifiers (the sign-in e-mail is one of them), in one
// statement whether or not there is one (sign-in takes the same path for
// known and unknown addresses).
func (s *Store) AdministratorByEmail(ctx context.Context, tenantID int64, email string) (Administrator, error) {
	var a Administrator
	email = NormalizeEmail(email)
	db := s.DB.WithContext(ctx)
	other := db.Model(&PoolIdentifier{}).Select("user_id").
		Where("pool_id = (?) AND type = ? AND value = ?",
			db.Model(&IdentityPool{}).Select("id").Where("tenant_id = ? AND kind = ?", tenantID, PoolAdministrators),
			IdentifierEmail, email).Limit(1)
	err := db.Where("tenant_id = ? AND (email = ? OR id = (?))", tenantID, email, other).
		Order(clause.OrderBy{Expression: clause.Expr{SQL: "CASE WHEN email = ? THEN 0 ELSE 1 END", Vars: []any{email}}}).
		Take(&a).Error
	return a, notFound(err)
}

// CountAdministrators counts the tenant's administrators by status.
func (s *Store) CountAdministrators(ctx context.Context, tenantID int64) (map[AdminStatus]int64, error) {
	var rows []struct {
		Status AdminStatus
		N      int64
	}
	// The counters kept by triggers (migration 0033): exact, one row per status.
	err := s.DB.WithContext(ctx).Table("administrator_counts").Select("status, n").
		Where("tenant_id = ? AND n <> 0", tenantID).Scan(&rows).Error
	out := map[AdminStatus]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, err
}
