package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// signinSecurity adds how administrators sign in: the tenant's sign-in,
// password and brute-force settings; lockout counters and TOTP enrolment on
// administrators; e-mailed one-time codes; recovery codes; password history.
func signinSecurity() *gormigrate.Migration {
	type TenantSecurity struct {
		TenantID         int64  `gorm:"primaryKey;autoIncrement:false"`
		SignInMethod     string `gorm:"size:20;not null;default:password"`
		RequireTOTP      bool   `gorm:"not null;default:false"`
		MinLength        int    `gorm:"not null;default:12"`
		RequireLowercase bool   `gorm:"not null;default:false"`
		RequireUppercase bool   `gorm:"not null;default:false"`
		RequireDigit     bool   `gorm:"not null;default:false"`
		RequireSymbol    bool   `gorm:"not null;default:false"`
		RejectCommon     bool   `gorm:"not null;default:true"`
		History          int    `gorm:"not null;default:0"`
		MaxAttempts      int    `gorm:"not null;default:5"`
		LockoutMinutes   int    `gorm:"not null;default:15"`
		UpdatedAt        time.Time
	}
	type Administrator struct {
		FailedAttempts int `gorm:"not null;default:0"`
		LockedUntil    *time.Time
		TOTPEnabledAt  *time.Time
	}
	type EmailCode struct {
		ID              int64  `gorm:"primaryKey"`
		TenantID        int64  `gorm:"not null"`
		AdministratorID int64  `gorm:"not null;index"`
		CodeHash        string `gorm:"size:64;not null"`
		Attempts        int    `gorm:"not null;default:0"`
		ExpiresAt       time.Time
		UsedAt          *time.Time
		CreatedAt       time.Time
	}
	type RecoveryCode struct {
		ID              int64  `gorm:"primaryKey"`
		AdministratorID int64  `gorm:"not null;index"`
		CodeHash        string `gorm:"size:64;not null"`
		UsedAt          *time.Time
		CreatedAt       time.Time
	}
	type PasswordHistory struct {
		ID              int64  `gorm:"primaryKey"`
		AdministratorID int64  `gorm:"not null;index"`
		PasswordHash    string `gorm:"size:255;not null"`
		CreatedAt       time.Time
	}
	return &gormigrate.Migration{
		ID: "0004_signin_security",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("tenant_security").AutoMigrate(&TenantSecurity{}); err != nil {
				return err
			}
			if err := tx.AutoMigrate(&EmailCode{}, &RecoveryCode{}, &PasswordHistory{}); err != nil {
				return err
			}
			for _, col := range []string{"FailedAttempts", "LockedUntil", "TOTPEnabledAt"} {
				if err := tx.Table("administrators").Migrator().AddColumn(&Administrator{}, col); err != nil {
					return err
				}
			}
			return nil
		},
		Rollback: func(tx *gorm.DB) error {
			for _, col := range []string{"FailedAttempts", "LockedUntil", "TOTPEnabledAt"} {
				if err := tx.Table("administrators").Migrator().DropColumn(&Administrator{}, col); err != nil {
					return err
				}
			}
			return tx.Migrator().DropTable(&PasswordHistory{}, &RecoveryCode{}, &EmailCode{}, "tenant_security")
		},
	}
}
