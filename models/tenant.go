package models

import (
	"context"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Plan is a tenant's subscription plan.
type Plan string

// The plans a tenant can be on.
const (
	PlanFree         Plan = "free"
	PlanProfessional Plan = "professional"
	PlanEnterprise   Plan = "enterprise"
)

// Valid reports whether p is a known plan.
func (p Plan) Valid() bool {
	return p == PlanFree || p == PlanProfessional || p == PlanEnterprise
}

// Tenant is one customer of the platform. Everything else belongs to exactly one tenant.
type Tenant struct {
	ID                             int64  `gorm:"primaryKey"`
	Slug                           string `gorm:"size:63;not null;uniqueIndex"`
	Name                           string `gorm:"size:200;not null"`
	Plan                           Plan   `gorm:"size:20;not null"`
	FeatureAdminManagement         bool   `gorm:"not null"`
	FeatureAdvancedAdminManagement bool   `gorm:"not null;default:false"`
	// Legacy tenants were created before roles existed: their
	// administrators are managed in the Admin workspace (tenant_flags.go).
	Legacy bool `gorm:"not null"`
	// Tenant Settings > Tenant (tenant_settings.go): session lengths
	// applied to every session of the tenant, and after how many days
	// without a sign-in an administrator is deactivated (0: never).
	IdleMinutes         int `gorm:"not null"`
	AbsoluteHours       int `gorm:"not null"`
	DeactivateAfterDays int `gorm:"not null"`
	// RequireApproval turns on four eyes (four_eyes.go): the listed
	// changes wait for another Tenant Admin's approval.
	RequireApproval bool  `gorm:"not null"`
	Version         int64 `gorm:"not null"` // grows by one at every save of the settings
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

var slugRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// ValidSlug reports whether s is a URL-safe slug: lowercase letters, digits
// and inner hyphens, 1 to 63 characters.
func ValidSlug(s string) bool { return slugRE.MatchString(s) }

// TenantBySlug loads a tenant by its slug.
func (s *Store) TenantBySlug(ctx context.Context, slug string) (Tenant, error) {
	var t Tenant
	err := s.DB.WithContext(ctx).Where("slug = ?", strings.ToLower(slug)).Take(&t).Error
	return t, notFound(err)
}

// TenantByID loads a tenant by id.
func (s *Store) TenantByID(ctx context.Context, id int64) (Tenant, error) {
	var t Tenant
	err := s.DB.WithContext(ctx).Take(&t, id).Error
	return t, notFound(err)
}

// CountTenants returns how many tenants exist.
func (s *Store) CountTenants(ctx context.Context) (int64, error) {
	var n int64
	err := s.DB.WithContext(ctx).Model(&Tenant{}).Count(&n).Error
	return n, err
}

// tx runs fn in a transaction. The audit events fn writes join their
// tenants' hash chains at its end, just before the commit (audit_chain.go).
//
// When the database session ends in the middle of the transaction (a
// failover, pg_terminate_backend: see retryLostTx), fn runs again in a new
// transaction. fn must therefore compute everything it writes from what it
// reads inside the transaction and its arguments, never from state left by
// an earlier run of itself.
func (s *Store) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return retryLostTx(ctx, s.logger(), func(committing *bool) error {
		batch := &auditBatch{}
		return s.DB.WithContext(withAuditBatch(ctx, batch)).Transaction(func(tx *gorm.DB) error {
			if err := fn(tx); err != nil {
				return err
			}
			if err := batch.flush(tx); err != nil {
				return err
			}
			*committing = true
			return nil
		})
	})
}
