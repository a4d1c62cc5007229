package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// fourEyes adds the tenant setting require_approval and the pending
// changes it makes: granting Tenant Admin, saving Sign In / Sign Up,
// Password Policy or Brute Force Protection (and turning the setting off)
// wait there until another Tenant Admin approves or rejects them, within
// 72 hours.
func fourEyes() *gormigrate.Migration {
	type Tenant struct {
		RequireApproval bool `gorm:"not null;default:false"`
	}
	type PendingChange struct {
		ID            int64  `gorm:"primaryKey"`
		TenantID      int64  `gorm:"not null;index:idx_pending_changes_tenant_status,priority:1"`
		Status        string `gorm:"size:20;not null;index:idx_pending_changes_tenant_status,priority:2"`
		Kind          string `gorm:"size:40;not null"`
		RequesterID   int64  `gorm:"not null;index"`
		TargetAdminID *int64
		Payload       string    `gorm:"type:text;not null"`
		Summary       string    `gorm:"size:2000;not null"`
		ExpiresAt     time.Time `gorm:"not null;index"`
		DecidedByID   *int64
		DecidedAt     *time.Time
		Note          string `gorm:"size:1000;not null;default:''"`
		CreatedAt     time.Time
	}
	return &gormigrate.Migration{
		ID: "0029_four_eyes",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("tenants").Migrator().AddColumn(&Tenant{}, "RequireApproval"); err != nil {
				return err
			}
			return tx.AutoMigrate(&PendingChange{})
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropTable(&PendingChange{}); err != nil {
				return err
			}
			return tx.Table("tenants").Migrator().DropColumn(&Tenant{}, "RequireApproval")
		},
	}
}
