package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// sso stores each tenant's OpenID Connect single sign-on for its
// administrators (tenant_sso: one row per tenant that has set it up; the
// client secret sealed with a key from GATEHOUSE_SECRET_KEY) and the
// authorization codes already redeemed (sso_codes, by SHA-256), so a code
// is never redeemed twice whatever the identity provider does.
func sso() *gormigrate.Migration {
	type TenantSSO struct {
		TenantID     int64  `gorm:"primaryKey;autoIncrement:false"`
		IssuerURL    string `gorm:"size:500;not null"`
		ClientID     string `gorm:"size:255;not null"`
		ClientSecret []byte
		Domains      string `gorm:"size:2000;not null;default:''"`
		ButtonLabel  string `gorm:"size:100;not null;default:''"`
		SSOOnly      bool   `gorm:"column:sso_only;not null;default:false"`
		// AuthorizeOrigin is the origin of the provider's authorization
		// endpoint (from discovery): the sign-in page's CSP lets its forms
		// lead there.
		AuthorizeOrigin string `gorm:"size:300;not null;default:''"`
		CreatedAt       time.Time
		UpdatedAt       time.Time
	}
	type SSOCode struct {
		CodeHash  string    `gorm:"primaryKey;size:64"`
		TenantID  int64     `gorm:"not null"`
		CreatedAt time.Time `gorm:"not null;index"`
	}
	return &gormigrate.Migration{
		ID: "0016_sso",
		Migrate: func(tx *gorm.DB) error {
			if err := tx.Table("tenant_sso").AutoMigrate(&TenantSSO{}); err != nil {
				return err
			}
			return tx.Table("sso_codes").AutoMigrate(&SSOCode{})
		},
		Rollback: func(tx *gorm.DB) error {
			if err := tx.Migrator().DropTable("sso_codes"); err != nil {
				return err
			}
			return tx.Migrator().DropTable("tenant_sso")
		},
	}
}
