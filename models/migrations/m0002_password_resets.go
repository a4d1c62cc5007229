package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// passwordResets creates password_resets: e-mailed, single-use links that
// let an active administrator choose a new password. Only token hashes are
// stored.
func passwordResets() *gormigrate.Migration {
	type PasswordReset struct {
		ID              int64  `gorm:"primaryKey"`
		TenantID        int64  `gorm:"not null"`
		AdministratorID int64  `gorm:"not null;index"`
		TokenHash       string `gorm:"size:64;not null;uniqueIndex"`
		ExpiresAt       time.Time
		UsedAt          *time.Time
		RevokedAt       *time.Time
		RequestedByID   *int64
		CreatedAt       time.Time
	}
	return &gormigrate.Migration{
		ID: "0002_password_resets",
		Migrate: func(tx *gorm.DB) error {
			return tx.AutoMigrate(&PasswordReset{})
		},
		Rollback: func(tx *gorm.DB) error {
			return tx.Migrator().DropTable(&PasswordReset{})
		},
	}
}
