package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// governance adds elevation requests (an administrator asks for a role for
// some hours; another Tenant Admin approves, which makes an expiring
// binding; break-glass ones need no approval), the tenant's break-glass
// administrators, and access reviews with their items (a snapshot of the
// live bindings in scope, each decided Keep or Revoke).
func governance() *gormigrate.Migration {
	type ElevationRequest struct {
		ID           int64  `gorm:"primaryKey"`
		TenantID     int64  `gorm:"not null;index:idx_elevation_requests_tenant_status,priority:1"`
		Status       string `gorm:"size:20;not null;index:idx_elevation_requests_tenant_status,priority:2"`
		RequesterID  int64  `gorm:"not null;index"`
		RoleKey      string `gorm:"size:80;not null"`
		WorkspaceID  *int64
		Hours        int    `gorm:"not null"`
		Reason       string `gorm:"size:1000;not null;default:''"`
		BreakGlass   bool   `gorm:"not null;default:false"`
		DecidedByID  *int64
		DecidedAt    *time.Time
		DecisionNote string `gorm:"size:1000;not null;default:''"`
		BindingID    *int64
		ExpiresAt    *time.Time
		CreatedAt    time.Time
	}
	type BreakGlassAdmin struct {
		TenantID        int64 `gorm:"primaryKey;autoIncrement:false"`
		AdministratorID int64 `gorm:"primaryKey;autoIncrement:false"`
		CreatedAt       time.Time
	}
	type AccessReview struct {
		ID          int64  `gorm:"primaryKey"`
		TenantID    int64  `gorm:"not null;index"`
		Name        string `gorm:"size:200;not null"`
		Due         time.Time
		Scope       string `gorm:"size:80;not null"`
		WorkspaceID *int64
		StartedByID *int64
		Status      string `gorm:"size:20;not null"`
		RemindedAt  *time.Time
		ClosedAt    *time.Time
		CreatedAt   time.Time
	}
	type AccessReviewItem struct {
		ID              int64  `gorm:"primaryKey"`
		ReviewID        int64  `gorm:"not null;index"`
		TenantID        int64  `gorm:"not null"`
		BindingID       int64  `gorm:"not null"`
		AdministratorID int64  `gorm:"not null"`
		HolderEmail     string `gorm:"size:320;not null"`
		RoleKey         string `gorm:"size:80;not null"`
		RoleName        string `gorm:"size:100;not null"`
		ScopeLabel      string `gorm:"size:300;not null"`
		Decision        string `gorm:"size:10;not null;default:''"`
		Note            string `gorm:"size:1000;not null;default:''"`
		ReviewerID      *int64
		ReviewerEmail   string `gorm:"size:320;not null;default:''"`
		DecidedAt       *time.Time
	}
	return &gormigrate.Migration{
		ID: "0021_governance",
		Migrate: func(tx *gorm.DB) error {
			return tx.AutoMigrate(&ElevationRequest{}, &BreakGlassAdmin{}, &AccessReview{}, &AccessReviewItem{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(&AccessReviewItem{}, &AccessReview{}, &BreakGlassAdmin{}, &ElevationRequest{})
		},
	}
}
