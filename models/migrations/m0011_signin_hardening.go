package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// signinHardening supports the hardened sign-in:
//   - sessions.pending marks a sign-in in progress (first factor passed,
//     second factor or enrolment to come), so a lockout can end it;
//   - email_codes.recipient is the keyed hash of the address a code was
//     asked for, so codes asked for unknown addresses take the same path
//     (and the same throttle) as real ones (administrator_id 0);
//   - administrator_devices are the browsers each administrator has signed
//     in from (the SHA-256 of a random id kept in a long-lived cookie), so a
//     sign-in from any other browser can be announced by e-mail.
func signinHardening() *gormigrate.Migration {
	type Session struct {
		Pending bool `gorm:"not null;default:false"`
	}
	type EmailCode struct {
		Recipient string `gorm:"size:64;not null;default:''"`
	}
	type AdministratorDevice struct {
		ID              int64  `gorm:"primaryKey"`
		TenantID        int64  `gorm:"not null"`
		AdministratorID int64  `gorm:"not null;uniqueIndex:ux_administrator_devices_admin_device,priority:1"`
		DeviceHash      string `gorm:"size:64;not null;uniqueIndex:ux_administrator_devices_admin_device,priority:2"`
		UserAgent       string `gorm:"size:500;not null;default:''"`
		CreatedAt       time.Time
		LastSeenAt      time.Time
	}
	return &gormigrate.Migration{
		ID: "0011_signin_hardening",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("sessions").Migrator().AddColumn(&Session{}, "Pending"); err != nil {
				return err
			}
			if err := tx.Table("email_codes").Migrator().AddColumn(&EmailCode{}, "Recipient"); err != nil {
				return err
			}
			if err := tx.Exec("CREATE INDEX ix_email_codes_recipient ON email_codes (tenant_id, recipient, created_at)").Error; err != nil {
				return err
			}
			return tx.AutoMigrate(&AdministratorDevice{})
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropTable(&AdministratorDevice{}); err != nil {
				return err
			}
			if err := tx.Exec("DROP INDEX IF EXISTS ix_email_codes_recipient").Error; err != nil {
				return err
			}
			if err := tx.Table("email_codes").Migrator().DropColumn(&EmailCode{}, "Recipient"); err != nil {
				return err
			}
			return tx.Table("sessions").Migrator().DropColumn(&Session{}, "Pending")
		},
	}
}
